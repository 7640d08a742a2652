"""A log damaged on disk, or edited outside the console, in the review (QA's walk).

Damaged: 4 KB overwritten inside the observations (as `dd conv=notrunc` does). Opening a session
stored there did nothing visible (the SQLite error went to stderr); now the window says which
session could not be read, why, and what to do (`infusion-console verify`, the backup), marks it
in the list, and every other session still opens. A course through the damage, and a list that
cannot be read, say so too.

Edited: a value changed with sqlite3 (`UPDATE observations SET value=146 ...`, its trigger
dropped first) was shown as if recorded. Now the session's rows are checked against the hash
chain when it is opened: a banner names the first row changed, and the list marks the session.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.review import queries
from console.review.integrity import ChainSweep
from console.review.model import SessionFilter
from console.store import LogError
from console.store.log import verify_log
from console.review import content as rc
from console.ui.review_tables import MARK_COLOURS
from console.ui.review_window import ReviewWindow
from protocols.loader import default_protocol_dirs, load_protocols
from tests.ui.review_sessions import build_review_log, check_every_session

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


class Dialogs:
    """Records the errors the window shows (no file is chosen here)."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def save_path(self, title: str, suggested: Path, file_filter: str) -> Path | None:
        return None

    def choose_folder(self, title: str, suggested: Path) -> Path | None:
        return None

    def annotation(self, session_label: str) -> tuple[str, str] | None:
        return None

    def error(self, title: str, message: str) -> None:
        self.errors.append((title, message))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("log") / "log.sqlite3"
    return path, build_review_log(path)


@pytest.fixture(scope="module")
def protocols():
    return load_protocols(default_protocol_dirs()).protocols


@pytest.fixture
def copy(built, tmp_path):
    path, facts = built
    target = tmp_path / "copy.sqlite3"
    shutil.copy(path, target)
    return target, facts


def overwrite_page(path: Path, name: str, position: float) -> int:
    """Overwrite one 4 KB leaf page of table or index `name` (`position` of the way through
    it, in key order) with 0xA5 bytes, in place, as `dd conv=notrunc` does. Returns the page."""
    conn = sqlite3.connect(path)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        try:
            leaves = [r[0] for r in conn.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path",
                [name])]
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat table to find a table's pages")
    finally:
        conn.close()
    page = leaves[min(int(len(leaves) * position), len(leaves) - 1)]
    with path.open("r+b") as f:
        f.seek((page - 1) * page_size)
        f.write(b"\xa5" * page_size)
    return page


def readable(path: Path, session_id: int) -> bool:
    conn = sqlite3.connect(path)
    try:
        conn.execute("SELECT * FROM observations WHERE session_id = ?", [session_id]).fetchall()
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def edit_outside(path: Path, sql: str, *params: object, trigger: str = "") -> None:
    """What someone with sqlite3 does: drop the append-only trigger, change a row."""
    conn = sqlite3.connect(path)
    try:
        if trigger:
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def window_over(qtbot, path: Path, protocols, checked: bool = True
                ) -> tuple[ReviewWindow, Dialogs]:
    """The review over `path`; its checks of the listed sessions against the hash chain run
    here, not in a thread: all of them when `checked`, none yet otherwise (test's own steps)."""
    dialogs = Dialogs()
    window = ReviewWindow(queries.open_readonly(path), protocols=protocols,
                          clock=ManualClock(NOW), dialogs=dialogs, tz=UTC, source=str(path),
                          records=ChainSweep(path))
    qtbot.addWidget(window)
    window.show()
    if checked:
        check_every_session(window)
    return window, dialogs


def list_row(window: ReviewWindow, session_id: int) -> dict[str, str]:
    model = window.list_page.model
    row = [s.id for s in model.sessions].index(session_id)
    return dict(zip(model.columns(), model.rows()[row], strict=True))


# ---- damaged -----------------------------------------------------------------------------------


@pytest.fixture
def damaged(copy):
    """The log with a page inside the esketamine session's observations overwritten."""
    path, facts = copy
    overwrite_page(path, "observations", 0.6)
    bad = [i for i in facts.ids.values() if not readable(path, i)]
    good = [i for i in facts.ids.values() if readable(path, i)]
    assert bad and good, (bad, good)
    return path, facts, bad[0], good


def test_a_session_in_a_damaged_part_says_why_and_what_to_do_and_the_others_open(
        qtbot, damaged, protocols):
    path, facts, bad, good = damaged
    window, dialogs = window_over(qtbot, path, protocols)
    # The list is read from other pages: every session is listed.
    assert len(window.list_page.model.sessions) == 4
    window.open_session(bad)
    [(title, message)] = dialogs.errors
    assert title == "Session not opened"
    assert message == (
        f"Log session {bad} could not be read: the session log {path} is damaged (SQLite: "
        "database disk image is malformed [SQLITE_CORRUPT]). Other sessions stored in undamaged "
        "parts of the file still open. Check the whole file with: infusion-console verify --db "
        f"{path}; keep a copy of the file as it is, and restore the log from the last backup, "
        "removing its -wal and -shm files first.")
    assert window.tabs.currentWidget() is window.list_page   # nothing half-shown
    assert window.statusBar().currentMessage() == (
        f"Log session {bad} not opened: the log could not be read there")
    if bad != facts.ids["demo"]:
        assert list_row(window, bad)["Patient"].endswith("  ⚠ UNREADABLE")
    # The window goes on: another session opens as before.
    window.open_session(facts.ids["surge"] if facts.ids["surge"] in good else good[0])
    assert window.tabs.currentWidget() is window.detail_page
    assert window.detail_page.integrity_banner.isHidden()
    assert len(dialogs.errors) == 1
    window.close_log()


def test_a_course_through_the_damage_says_so_on_the_course_page(qtbot, damaged, protocols):
    path, facts, bad, _ = damaged
    window, _ = window_over(qtbot, path, protocols)
    conn = sqlite3.connect(path)
    [patient] = conn.execute("SELECT patient_id FROM sessions WHERE id = ?", [bad]).fetchone()
    conn.close()
    window.show_course(patient)
    page = window.course_page
    assert page.title.text() == f"Course of {patient}: not shown"
    assert page.error_label.isVisible()
    assert page.error_label.text().startswith(
        f"The course of {patient} could not be read: the session log {path} is damaged")
    assert f"infusion-console verify --db {path}" in page.error_label.text()
    assert page.model.course == []
    window.close_log()


def test_a_session_list_that_cannot_be_read_says_why_in_the_window(qtbot, copy, protocols):
    path, _ = copy
    overwrite_page(path, "sessions", 0.0)
    window, _ = window_over(qtbot, path, protocols)
    page = window.list_page
    assert page.error_label.isVisible()
    assert page.error_label.text() == (
        f"The session list could not be read: the session log {path} is damaged (SQLite: "
        "database disk image is malformed [SQLITE_CORRUPT]). Check the whole file with: "
        f"infusion-console verify --db {path}; keep a copy of the file as it is, and restore the "
        "log from the last backup, removing its -wal and -shm files first.")
    assert page.model.rowCount() == 0
    assert not page.open_button.isEnabled() and not page.course_button.isEnabled()
    window.close_log()


def test_a_damaged_session_is_a_log_error_for_every_reader(damaged):
    """The export command catches LogError: it says the same sentence, not a traceback."""
    path, _, bad, _ = damaged
    conn = queries.open_readonly(path)
    try:
        with pytest.raises(LogError) as caught:
            queries.load_session(conn, bad, with_observations=True)
    finally:
        conn.close()
    assert isinstance(caught.value, queries.UnreadableLogError)
    assert caught.value.cause == "corrupt"
    assert str(caught.value).startswith(f"Log session {bad} could not be read")


# ---- edited outside the console ----------------------------------------------------------------


def surge_systolic_186(path: Path, session_id: int) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id FROM observations WHERE session_id = ? AND metric = "
                            "'bp_systolic' AND value = 186", [session_id]).fetchone()[0]
    finally:
        conn.close()


def test_a_value_edited_with_sqlite3_shows_a_banner_naming_the_row_and_marks_the_list(
        qtbot, copy, protocols):
    path, facts = copy
    surge = facts.ids["surge"]
    row = surge_systolic_186(path, surge)
    edit_outside(path, "UPDATE observations SET value = 146 WHERE id = ?", row,
                 trigger="observations_no_update")
    window, dialogs = window_over(qtbot, path, protocols)
    window.open_session(surge)
    banner = window.detail_page.integrity_banner
    assert banner.isVisible()
    assert banner.text() == (
        f"⚠ This session's record was changed outside the console: observations row {row}: its "
        "content does not match its row_hash: it was edited outside the console, or the row "
        "before it was replaced. The row: Systolic BP 146 mmHg, recorded 09:40:00. What this "
        "page shows may not be what was recorded. Check the whole log with: infusion-console "
        f"verify --db {path}; the last backup holds the record as written.")
    # `infusion-console verify` names the same row in the same words.
    conn = queries.open_readonly(path)
    try:
        assert verify_log(conn).message == (
            f"observations row {row}: its content does not match its row_hash: it was edited "
            "outside the console, or the row before it was replaced")
    finally:
        conn.close()
    # The list marks it (and only it), and says why on hover.
    assert list_row(window, surge)["Patient"] == "MRN-4711  ⚠ CHANGED"
    model = window.list_page.model
    index = model.index([s.id for s in model.sessions].index(surge), 0)
    assert f"changed outside the console: observations row {row}" in model.data(
        index, 3)   # ToolTipRole
    assert [p for p in model.column("Patient") if "⚠" in p] == ["MRN-4711  ⚠ CHANGED"]
    # Another session of the same log: no banner.
    window.open_session(facts.ids["quiet-3"])
    assert banner.isHidden()
    assert dialogs.errors == []
    window.close_log()


def test_an_unchanged_log_shows_no_banner_and_marks_nothing(qtbot, copy, protocols):
    path, facts = copy
    window, _ = window_over(qtbot, path, protocols)
    for session_id in facts.ids.values():
        window.open_session(session_id)
        assert window.detail_page.integrity_banner.isHidden(), session_id
    assert not any("⚠" in p for p in window.list_page.model.column("Patient"))
    window.close_log()


def test_a_recorded_end_moved_outside_is_marked_in_the_list_before_opening(qtbot, copy,
                                                                          protocols):
    path, facts = copy
    quiet = facts.ids["quiet-1"]
    edit_outside(path, "UPDATE sessions SET ended_at = '2026-03-02T09:40:00.000Z' WHERE id = ?",
                 quiet, trigger="sessions_update_only_end")   # ended_at is outside the hash
    # Marked at once by the list's cheap check of each session's own row and end, before the
    # sessions' rows are checked one by one.
    window, _ = window_over(qtbot, path, protocols, checked=False)
    assert list_row(window, quiet)["Patient"] == "MRN-4711  ⚠ CHANGED"
    assert list_row(window, quiet)["Record"] == f"⚠ sessions row {quiet}"
    assert window.list_page.count_label.text().endswith(
        " · 1 marked ⚠ (its tooltip says why) · 3 not yet checked against the log's hash chain")
    check_every_session(window)
    assert list_row(window, quiet)["Patient"] == "MRN-4711  ⚠ CHANGED"
    assert window.list_page.count_label.text().endswith(
        " · 1 marked ⚠ (its tooltip says why)")
    window.open_session(quiet)
    assert window.detail_page.integrity_banner.text().startswith(
        f"⚠ This session's record was changed outside the console: sessions row {quiet}: its "
        "end (2026-03-02T09:40:00.000Z) was changed outside the console: it was recorded ending "
        "at 2026-03-02T10:17:00.000Z.")
    window.close_log()


def test_a_row_whose_hash_was_recomputed_is_caught_by_the_row_after_it(copy):
    """Someone who knows the rule rewrites the edited row's own hash: the next row no longer
    chains onto it (whichever session it is of)."""
    from console.store import chain

    path, facts = copy
    surge = facts.ids["surge"]
    row = surge_systolic_186(path, surge)
    conn = sqlite3.connect(path)
    columns = ", ".join(chain.CHAINED_COLUMNS["observations"])
    values = list(conn.execute(f"SELECT {columns} FROM observations WHERE id = ?", [row])
                  .fetchone())
    values[chain.CHAINED_COLUMNS["observations"].index("value")] = 146.0
    previous = conn.execute("SELECT row_hash FROM observations WHERE id = ?",
                            [row - 1]).fetchone()[0]
    conn.close()
    edit_outside(path, "UPDATE observations SET value = 146, row_hash = ? WHERE id = ?",
                 chain.row_hash(previous, "observations", values), row,
                 trigger="observations_no_update")
    conn = queries.open_readonly(path)
    try:
        check = queries.check_session_chain(conn, surge)
    finally:
        conn.close()
    assert check.first_bad == ("observations", row + 1)
    assert check.message == (f"observations row {row + 1}: its content does not match its "
                             "row_hash: it was edited outside the console, or the row before it "
                             "was replaced")


def test_a_deleted_row_is_named(copy):
    path, facts = copy
    surge = facts.ids["surge"]
    row = surge_systolic_186(path, surge)
    edit_outside(path, "DELETE FROM observations WHERE id = ?", row,
                 trigger="observations_no_delete")
    conn = queries.open_readonly(path)
    try:
        check = queries.check_session_chain(conn, surge)
    finally:
        conn.close()
    assert (check.first_bad, check.message) == (
        ("observations", row + 1),
        f"observations row {row + 1} no longer follows the row before it: row(s) {row} were "
        "deleted outside the console")


def test_a_chain_head_edited_to_garbage_is_named_as_edited_not_deleted(copy):
    # Review 38: the row is still there; "was deleted" sent the auditor after a deletion.
    path, facts = copy
    surge = facts.ids["surge"]
    edit_outside(path, "UPDATE meta SET value = 'x' WHERE key = 'chain_head.observations'")
    conn = queries.open_readonly(path)
    try:
        check = queries.check_session_chain(conn, surge)
    finally:
        conn.close()
    assert not check.ok
    assert "holds 'x', not \"<id> <hash>\": it was edited outside the console" in check.message
    assert "deleted" not in check.message


def test_every_session_of_the_scenario_log_matches_its_chain(scenario_log):
    conn = queries.open_readonly(scenario_log.path)
    try:
        for session_id in scenario_log.facts.ids.values():
            check = queries.check_session_chain(conn, session_id)
            assert check.ok and check.rows_checked > 0, (session_id, check)
        ids = [s.id for s in queries.list_sessions(conn, SessionFilter(include_demo=True))]
        assert queries.changed_sessions(conn, ids) == {}
    finally:
        conn.close()


# ---- the list and the course mark a session changed in its rows, before it is opened ----------


def record_tip(window: ReviewWindow, session_id: int) -> str:
    model = window.list_page.model
    index = model.index([s.id for s in model.sessions].index(session_id),
                        model.columns().index("Record"))
    return model.data(index, 3)   # ToolTipRole


def test_a_session_edited_only_in_its_observations_is_marked_in_the_list_before_it_is_opened(
        qtbot, copy, protocols):
    """QA: a value changed with sqlite3 in a session's observations was marked "⚠ CHANGED" only
    once someone opened that session: the list checked each session's own row alone."""
    path, facts = copy
    surge = facts.ids["surge"]
    row = surge_systolic_186(path, surge)
    edit_outside(path, "UPDATE observations SET value = 146 WHERE id = ?", row,
                 trigger="observations_no_update")
    window, _ = window_over(qtbot, path, protocols, checked=False)
    # The list shows at once; nothing of the sessions' rows has been checked yet, and it says so.
    assert list_row(window, surge)["Patient"] == "MRN-4711"
    assert list_row(window, surge)["Record"] == "not yet checked"
    assert window.list_page.count_label.text() == (
        "4 sessions, newest first · 1 demo session hidden: tick Include demo · 4 not yet checked "
        "against the log's hash chain")
    # The checks (newest first) end: the session is marked, and says which row, without being
    # opened.
    assert window.records.pending() == [facts.ids["quiet-3"], facts.ids["esketamine"], surge,
                                        facts.ids["quiet-1"]]
    check_every_session(window)
    assert list_row(window, surge)["Patient"] == "MRN-4711  ⚠ CHANGED"
    assert list_row(window, surge)["Record"] == f"⚠ observations row {row}"
    assert record_tip(window, surge) == (
        f"changed outside the console: observations row {row}: its content does not match its "
        "row_hash: it was edited outside the console, or the row before it was replaced; open "
        "the session for the row")
    model = window.list_page.model
    assert [r for r in model.column("Record") if r != "unchanged"] == [
        f"⚠ observations row {row}"]
    assert window.list_page.count_label.text() == (
        "4 sessions, newest first · 1 demo session hidden: tick Include demo · 1 marked ⚠ (its "
        "tooltip says why)")
    assert not window.tabs.isTabEnabled(1)   # no session was opened
    # The mark arrived after the list was drawn: its column grew to show it whole, not
    # "MRN-47…" (seen on X at 1920x1080).
    table = window.list_page.table
    assert table.columnWidth(0) >= table.fontMetrics().horizontalAdvance("MRN-4711  ⚠ CHANGED")
    window.close_log()


def test_marks_arriving_keep_the_row_the_clinician_selected(qtbot, copy, protocols):
    path, facts = copy
    surge = facts.ids["surge"]
    edit_outside(path, "UPDATE observations SET value = 146 WHERE id = ?",
                 surge_systolic_186(path, surge), trigger="observations_no_update")
    window, _ = window_over(qtbot, path, protocols, checked=False)
    page = window.list_page
    page.table.selectRow(3)   # the oldest session, while the checks run
    page.table.scrollToBottom()
    check_every_session(window)
    assert [i.row() for i in page.table.selectionModel().selectedRows()] == [3]
    assert page.model.session_at(3).id == facts.ids["quiet-1"]
    assert page.open_button.isEnabled()
    window.close_log()


def test_the_course_marks_a_session_edited_in_its_observations(qtbot, copy, protocols):
    path, facts = copy
    surge = facts.ids["surge"]
    row = surge_systolic_186(path, surge)
    edit_outside(path, "UPDATE observations SET value = 146 WHERE id = ?", row,
                 trigger="observations_no_update")
    window, _ = window_over(qtbot, path, protocols, checked=False)
    window.show_course("MRN-4711")
    course = window.course_page.model
    assert course.columns() == ("Session 1", "Session 2", "Session 3")
    assert course.figure("record") == ["not yet checked"] * 3
    # The course on screen is checked first.
    assert window.records.pending()[:3] == [facts.ids["quiet-1"], surge, facts.ids["quiet-3"]]
    check_every_session(window)
    assert course.columns() == ("Session 1", "Session 2  ⚠ CHANGED", "Session 3")
    header = window.course_page.table.horizontalHeader()
    assert header.sectionSize(1) >= header.sectionSizeHint(1)   # the mark is not cut off
    assert course.figure("record") == ["unchanged", f"⚠ observations row {row}", "unchanged"]
    record_row = [k for k, _ in rc.COURSE_FIGURES].index("record")
    assert course.colour_of(record_row, 1) == MARK_COLOURS
    assert course.colour_of(record_row, 0) is None
    tip = course.data(course.index(record_row, 1), 3)   # ToolTipRole
    assert tip.startswith(f"changed outside the console: observations row {row}: its content")
    window.close_log()


def test_the_review_checks_the_listed_sessions_in_a_thread_of_its_own(qtbot, copy, protocols):
    """The window as `infusion-console review` builds it: the checks run in their own thread
    and wake the window; the list is marked without anyone opening the session."""
    path, facts = copy
    surge = facts.ids["surge"]
    row = surge_systolic_186(path, surge)
    edit_outside(path, "UPDATE observations SET value = 146 WHERE id = ?", row,
                 trigger="observations_no_update")
    window = ReviewWindow(queries.open_readonly(path), protocols=protocols,
                          clock=ManualClock(NOW), dialogs=Dialogs(), tz=UTC, source=str(path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "not yet checked" not in window.list_page.model.column("Record"),
                    timeout=20_000)
    assert list_row(window, surge)["Record"] == f"⚠ observations row {row}"
    assert list_row(window, surge)["Patient"] == "MRN-4711  ⚠ CHANGED"
    window.close_log()
    assert window.records.pending() == []
    thread = window.records._thread
    assert thread is not None and not thread.is_alive()   # stopped with the log


def test_when_the_checks_cannot_open_the_log_the_list_says_not_checked_and_why(
        qtbot, copy, protocols):
    path, facts = copy

    def refused(_path: Path):
        raise LogError(path, "locked", "database is locked [SQLITE_BUSY]")

    window = ReviewWindow(queries.open_readonly(path), protocols=protocols,
                          clock=ManualClock(NOW), dialogs=Dialogs(), tz=UTC, source=str(path),
                          records=ChainSweep(path, opener=refused))
    qtbot.addWidget(window)
    window.show()
    check_every_session(window)
    surge = facts.ids["surge"]
    assert list_row(window, surge)["Record"] == "not checked"
    assert record_tip(window, surge) == (
        "Not checked against the log's hash chain (opening the session checks it): Cannot write "
        f"the session log {path}: another program is holding it locked (a second console, a "
        "backup tool or a database viewer). Close that program and try again, or choose another "
        "log file with --db. (Details: database is locked [SQLITE_BUSY].)")
    # Opening it checks it, as before.
    window.open_session(surge)
    assert list_row(window, surge)["Record"] == "unchanged"
    window.close_log()
