"""A session whose every alarm row (or observation row) was deleted outside the console (review 36).

Every session's rows are chained in one sequence per table, so when someone drops the trigger and
runs `DELETE FROM alarm_events WHERE session_id = 2`, session 2 has no alarm row left to fail the
chain: the break showed only at its neighbours ("alarm_events row 46 no longer follows the row
before it"), the review showed session 2 as a whole record with no alarm, and `export` wrote its
CSV. Now the ids missing where a session's rows were written (after the earlier session's rows,
before the later one's) mark that session too, in words that say what may be missing.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.cli import main
from console.review import queries
from console.review.model import ChainCheck
from console.store import EventLog
from tests.review.scenarios import Driver, _open, _quiet
from tests.ui.review_sessions import build_review_log


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("log") / "log.sqlite3"
    return path, build_review_log(path)


def gutted(built, tmp_path: Path, table: str, name: str) -> tuple[Path, int, tuple[int, int]]:
    """A copy of the log with every `table` row of session `name` deleted with sqlite3 (its
    append-only trigger dropped first). Returns (path, the session, the first and last id
    deleted)."""
    path, facts = built
    target = tmp_path / "copy.sqlite3"
    shutil.copy(path, target)
    session = facts.ids[name]
    conn = sqlite3.connect(target)
    try:
        first, last = conn.execute(f"SELECT min(id), max(id) FROM {table} WHERE session_id = ?",
                                   [session]).fetchone()
        conn.execute(f"DROP TRIGGER {table}_no_delete")
        deleted = conn.execute(f"DELETE FROM {table} WHERE session_id = ?", [session]).rowcount
        conn.commit()
    finally:
        conn.close()
    assert deleted == last - first + 1 > 0   # the session's rows ran on: one run deleted
    return target, session, (first, last)


def checks(path: Path) -> dict[int, ChainCheck]:
    conn = queries.open_readonly(path)
    try:
        ids = [row[0] for row in conn.execute("SELECT id FROM sessions ORDER BY id")]
        return {session: queries.check_session_chain(conn, session) for session in ids}
    finally:
        conn.close()


def test_a_session_whose_every_alarm_row_was_deleted_is_marked_changed(built, tmp_path):
    path, surge, (first, last) = gutted(built, tmp_path, "alarm_events", "surge")
    conn = queries.open_readonly(path)
    try:
        detail = queries.load_session(conn, surge)
    finally:
        conn.close()
    assert detail.alarms == ()   # what the review shows: a BP surge session with no alarm
    found = checks(path)
    # The session that lost its alarms is marked, and says what may be missing from it.
    assert found[surge].first_bad == ("alarm_events", first)
    assert found[surge].message == (
        f"alarm_events row(s) {first} to {last}, written after session {surge - 1}'s rows and "
        f"before session {surge + 1}'s, were deleted outside the console: this session's alarms "
        "may be among them and are not shown")
    assert found[surge].record == "" and found[surge].bad_rows == 1
    # Its neighbours are marked by the break as before; the sessions further off are not.
    assert found[surge + 1].message == (
        f"alarm_events row {last + 1} no longer follows the row before it: row(s) {first} to "
        f"{last} were deleted outside the console")
    assert not found[surge - 1].ok
    assert [s for s, check in found.items() if check.ok] == [
        s for s in found if s not in (surge - 1, surge, surge + 1)]


def test_a_session_whose_every_observation_was_deleted_is_marked_changed(built, tmp_path):
    path, surge, (first, last) = gutted(built, tmp_path, "observations", "surge")
    check = checks(path)[surge]
    assert (check.first_bad, check.message) == (
        ("observations", first),
        f"observations row(s) {first} to {last}, written after session {surge - 1}'s rows and "
        f"before session {surge + 1}'s, were deleted outside the console: this session's vital "
        "signs and scores may be among them and are not shown")


def test_the_newest_session_with_its_alarm_rows_deleted_is_marked_changed(built, tmp_path):
    """No later session's row follows the gap: the end of the table the log recorded (its
    chain head) does."""
    path, newest, (first, last) = gutted(built, tmp_path, "alarm_events", "quiet-3")
    check = checks(path)[newest]
    assert (check.first_bad, check.message) == (
        ("alarm_events", first),
        f"alarm_events row(s) {first} to {last}, written after session {newest - 1}'s rows, were "
        "deleted outside the console: this session's alarms may be among them and are not shown")


def test_export_refuses_the_csv_of_a_session_whose_alarm_rows_were_deleted(built, tmp_path,
                                                                            capsys):
    path, surge, (first, last) = gutted(built, tmp_path, "alarm_events", "surge")
    out = tmp_path / "out"
    code = main(["export", str(surge), "--csv", str(out), "--db", str(path)])
    _, err = capsys.readouterr()
    assert code == 1, f"exported as a whole record (exit {code}): {err}"
    assert (f"session {surge} was not exported: its record in {path} was changed outside the "
            f"console: alarm_events row(s) {first} to {last}, written after session "
            f"{surge - 1}'s rows and before session {surge + 1}'s, were deleted outside the "
            "console: this session's alarms may be among them and are not shown.") in err
    assert not out.exists() or not any(out.iterdir())


def test_a_session_that_raised_no_alarm_between_two_that_did_reads_unchanged(tmp_path):
    """No alarm row of its own is no gap: the ids between its neighbours' rows all run on."""
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        before = _quiet(log, "MRN-4711", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
        none = _open(log)   # left open after 3 minutes: no alarm
        after = _quiet(log, "MRN-4711", datetime(2026, 3, 11, 9, 0, tzinfo=UTC), 2)
        queries.annotate(log, before, "Dr Lee", "reviewed", datetime(2026, 3, 12, tzinfo=UTC))
    finally:
        log.close()
    conn = sqlite3.connect(path)
    try:
        alarm_rows = dict(conn.execute(
            "SELECT session_id, count(*) FROM alarm_events GROUP BY session_id").fetchall())
    finally:
        conn.close()
    assert none not in alarm_rows and before in alarm_rows and after in alarm_rows
    found = checks(path)
    assert all(check.ok for check in found.values()), found


def test_a_late_review_note_does_not_hide_the_events_deleted_after_it(tmp_path):
    """A review note of the earlier session written after the gutted one's rows is no bedside
    row: the place of the gutted session's events still starts at the earlier one's last."""
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        earlier = _quiet(log, "MRN-4711", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
        middle = Driver(log, "iv-ketamine", "MRN-5820", 70.0, "nurse.ana",
                        datetime(2026, 3, 3, 9, 0, tzinfo=UTC), 1)
        middle.manual(bp_systolic=120, bp_diastolic=78)
        note = queries.annotate(log, earlier, "Dr Lee", "reviewed",
                                datetime(2026, 3, 3, 9, 5, tzinfo=UTC))
        later = _quiet(log, "MRN-4711", datetime(2026, 3, 4, 9, 0, tzinfo=UTC), 2)
    finally:
        log.close()
    conn = sqlite3.connect(path)
    try:
        middle_rows = conn.execute("SELECT min(id), max(id) FROM events WHERE session_id = ?",
                                   [middle.id]).fetchone()
        conn.execute("DROP TRIGGER events_no_delete")
        conn.execute("DELETE FROM events WHERE session_id = ?", [middle.id])
        conn.commit()
    finally:
        conn.close()
    found = checks(path)
    first, last = middle_rows
    assert note == last + 1   # the note sits right after the deleted run, before later's rows
    assert (found[middle.id].first_bad, found[middle.id].message) == (
        ("events", first),
        f"events row(s) {first} to {last}, written between session {earlier}'s rows, were "
        "deleted outside the console: this session's events (phases, checklist, doses, notes) "
        "may be among them and are not shown")
    # The earlier session's note no longer follows; the later one's place holds the gap too.
    assert found[earlier].first_bad == ("events", note)
    assert found[later].first_bad == ("events", first)


def chairs_in_turn(path: Path, chairs: int, rounds: int, table: str = "alarm_events"
                   ) -> list[int]:
    """`chairs` consoles sharing one log (README: "Several consoles may share a log, each with a
    session of its own"), each writing a row of `table` (alarm_events or events) in turn,
    `rounds` times; then one session more with three rows, on its own after they closed. The
    ids run chair 1, chair 2, ... per round. Returns the session ids, the later one last."""
    from tests.store import VERSION, alarm, event, opened

    def row(session: int, i: int) -> object:
        if table == "events":
            return event(session, i + 1)
        return alarm(session, ("raised", "escalated", "cleared")[i % 3], i + 1)

    logs = [EventLog.open(path, VERSION, busy_timeout_ms=500) for _ in range(chairs)]
    try:
        sessions = [log.start_session(opened(f"P-{n}")) for n, log in enumerate(logs, 1)]
        for i in range(rounds):
            for log, session in zip(logs, sessions, strict=True):
                log.write([row(session, i)])
        sessions.append(logs[0].start_session(opened("P-later")))
        logs[0].write([row(sessions[-1], i) for i in range(100, 103)])
    finally:
        for log in logs:
            log.close()
    return sessions


@pytest.mark.parametrize(("chairs", "deleted", "where"), [
    (2, 3, "between session 2's rows"),
    (3, 5, "after session 1's rows and before session 3's"),
])
def test_a_row_deleted_between_a_session_s_own_rows_on_a_shared_log_marks_it(
        tmp_path, chairs, deleted, where):
    """Two (three) chairs writing in turn to one log: every session with rows on both sides of a
    deleted row is marked changed. Before, the place searched for a session's deleted rows
    stopped at the next session's first row: with alarm rows 1, 3, 5 (chair 1) and 2, 4 (chair
    2), row 3 deleted, chair 1's session read unchanged in the review and the export; with
    three chairs and row 5 (chair 2's own) deleted, chair 2's read unchanged."""
    path = tmp_path / "log.sqlite3"
    *chaired, later = chairs_in_turn(path, chairs, rounds=3)
    conn = sqlite3.connect(path)
    try:
        owner = conn.execute("SELECT session_id FROM alarm_events WHERE id = ?",
                             [deleted]).fetchone()[0]
        conn.execute("DROP TRIGGER alarm_events_no_delete")
        conn.execute("DELETE FROM alarm_events WHERE id = ?", [deleted])
        conn.commit()
    finally:
        conn.close()
    found = checks(path)
    assert [s for s in chaired if found[s].ok] == []
    # The session whose row it was says what may be missing from it (its last row remains).
    assert found[owner].first_bad == ("alarm_events", deleted)
    assert found[owner].message == (
        f"alarm_events row(s) {deleted}, written {where}, were deleted outside the console: "
        "this session's alarms may be among them and are not shown")
    # The session written after the chairs closed has no row on either side: it reads whole.
    assert found[later].ok, found[later].message


def test_a_review_note_written_later_does_not_stretch_a_shared_session_s_place(tmp_path):
    """A review note of chair 1's session, written after a later session's rows, is no row of
    the session at the chair: a row of the later session deleted before the note marks the
    later session, not chair 1's (the place of a session now runs to its own last row)."""
    path = tmp_path / "log.sqlite3"
    first, second, later = chairs_in_turn(path, 2, rounds=2, table="events")   # events 1 to 4
    with EventLog.open(path, "review") as log:
        note = queries.annotate(log, first, "Dr Lee", "reviewed",
                                datetime(2026, 3, 12, tzinfo=UTC))
    assert note == 8   # after the later session's events 5 to 7
    conn = sqlite3.connect(path)
    try:
        conn.execute("DROP TRIGGER events_no_delete")
        conn.execute("DELETE FROM events WHERE id = 6")
        conn.commit()
    finally:
        conn.close()
    found = checks(path)
    assert found[first].ok and found[second].ok, (found[first], found[second])
    assert found[later].first_bad == ("events", 7)   # the row after the gap
