"""The review on a log with staff accounts (issue 13): no review without a sign-in of a reviewer,
prescriber or administrator (a nurse is refused); every read and every export an access_log row;
a reviewer-only account sees de-identified records only; annotations signed by their author;
the Signatures tab and the PDF show each record's signatures and the records left unsigned.
Real review window over a log written by whole simulated sessions, real Argon2id at its smallest
cost, a hand-moved clock; every case is checked in SQLite."""

from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6 import QtCore

from console.clock import ManualClock
from console.identity import (
    Argon2Hasher,
    IdentityError,
    NotPermittedError,
    SecretKind,
    Signatures,
    Staff,
)
from console.review.access import ReviewAccess
from console.review.queries import load_session, load_signatures, open_readonly
from console.store import EventLog
from console.ui import review_app
from console.ui.review_window import ReviewWindow, build_review_window
from protocols.loader import default_protocol_dirs, load_protocols
from tests.ui.review_sessions import build_review_log
from tests.ui.test_review_window import Dialogs
from tests.ui.test_signatures_at_chair import Signer

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
# The accounts exist from before the sessions: every record that needs a signature needs one.
ACCOUNTS_AT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
ADMIN, ADMIN_PIN = "Ada Admin", "58203914"
NURSE, NURSE_PIN = "Ana Nurse", "47116032"
PRESCRIBER, PRESCRIBER_PIN = "Pat Prescriber", "90517362"
REVIEWER, REVIEWER_PIN = "Rui Reviewer", "31415926"
WRONG = "00001111"


def fast() -> Argon2Hasher:
    return Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("review-identity") / "log.sqlite3"
    facts = build_review_log(path)
    with EventLog.open(path, "test") as log:
        staff = Staff(log, fast())
        admin = staff.add(ADMIN, "administrator", ADMIN_PIN, SecretKind.PIN, None, ACCOUNTS_AT)
        staff.add(NURSE, "nurse", NURSE_PIN, SecretKind.PIN, admin, ACCOUNTS_AT)
        staff.add(PRESCRIBER, "prescriber", PRESCRIBER_PIN, SecretKind.PIN, admin, ACCOUNTS_AT)
        staff.add(REVIEWER, "reviewer", REVIEWER_PIN, SecretKind.PIN, admin, ACCOUNTS_AT)
    return path, facts


@pytest.fixture(scope="module")
def protocols():
    return load_protocols(default_protocol_dirs()).protocols


@pytest.fixture
def db(built, tmp_path) -> Path:
    copy = tmp_path / "log.sqlite3"
    shutil.copy(built[0], copy)
    return copy


@pytest.fixture
def facts(built):
    return built[1]


def rows(db: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def load_account(db: Path, name: str) -> int:
    return rows(db, "SELECT account FROM staff_current WHERE name = ?", name)[0][0]


def access_rows(db: Path) -> list[tuple]:
    return rows(db, "SELECT name, what, session_id, format, deidentified, station, detail "
                    "FROM access_log ORDER BY id")


def signed_in(db: Path, name: str, pin: str) -> ReviewAccess:
    access = ReviewAccess.sign_in(db, name, pin, ManualClock(NOW), "test", hasher=fast())
    assert isinstance(access, ReviewAccess), access
    return access


def open_window(qtbot, db: Path, protocols, access: ReviewAccess, tmp_path: Path,
                signer: Signer | None = None) -> tuple[ReviewWindow, Dialogs]:
    dialogs = Dialogs(tmp_path)
    window = build_review_window(db, ManualClock(NOW), protocols, "test", dialogs=dialogs,
                                 tz=UTC, access=access, signature_service=signer)
    qtbot.addWidget(window)
    return window, dialogs


# ---- sign-in -------------------------------------------------------------------------------------


def test_the_review_is_refused_without_a_sign_in(db, protocols):
    # The window itself refuses to open over a log with accounts and no signed-in account ...
    with pytest.raises(NotPermittedError, match="only after a sign-in of a reviewer"):
        build_review_window(db, ManualClock(NOW), protocols, "test")
    # ... and the program, when the sign-in is cancelled, opens nothing and says why.
    with pytest.raises(review_app.ReviewRefused, match="opens only after a sign-in"):
        review_app.build(argparse.Namespace(db=db), sign_in=lambda _db, _clock: None)
    assert access_rows(db) == []


def test_a_nurse_only_account_is_refused_the_review(db):
    answer = ReviewAccess.sign_in(db, NURSE, NURSE_PIN, ManualClock(NOW), "test", hasher=fast())
    assert answer == ("Ana Nurse (nurse) may not open the review or read a session's record: "
                      "it needs the prescriber, reviewer or administrator role.")
    # Her right PIN is an `ok` row whose purpose says the review refused her (not a sign-in).
    assert rows(db, "SELECT typed, outcome, purpose, station FROM sign_ins") == [
        (NURSE, "ok", "review refused: may not open the review or read a session's record",
         "review")]
    assert access_rows(db) == []


def test_a_wrong_pin_opens_no_review_and_is_logged(db):
    answer = ReviewAccess.sign_in(db, PRESCRIBER, WRONG, ManualClock(NOW), "test", hasher=fast())
    assert answer == ("Name or badge and PIN or password do not match an account: check both "
                      "and try again.")
    assert rows(db, "SELECT outcome, purpose FROM sign_ins") == [("wrong", "review")]


def test_the_program_opens_after_a_good_sign_in(db, qtbot):
    window = review_app.build(argparse.Namespace(db=db),
                              sign_in=lambda path, clock: signed_in(path, ADMIN, ADMIN_PIN),
                              clock=ManualClock(NOW))
    qtbot.addWidget(window)
    assert window.access is not None and window.access.account.name == ADMIN
    assert "Signed in as Ada Admin (administrator)" in window.statusBar().currentMessage()
    window.close_log()


# ---- the access log ------------------------------------------------------------------------------


def test_every_read_and_export_is_in_the_access_log(db, facts, protocols, qtbot, tmp_path):
    window, dialogs = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                                  tmp_path)
    session = facts.ids["surge"]
    # The list, then one session read, then a PDF export.
    window.open_session(session)
    assert window.detail_page.detail is not None
    assert window.detail_page.detail.summary.patient_id == "MRN-4711"   # identified: prescriber
    window.export("pdf")
    assert (tmp_path / "export.pdf").is_file() and dialogs.errors == []
    assert access_rows(db) == [
        (PRESCRIBER, "read", None, "list", 0, "review", "session list"),
        (PRESCRIBER, "read", session, "review", 0, "review", ""),
        (PRESCRIBER, "export", session, "pdf", 0, "review", f"to {tmp_path / 'export.pdf'}"),
    ]
    # A course shows every session of the patient: each is a read.
    window.show_course("MRN-4711")
    course = [r for r in access_rows(db) if r[6] == "course of the patient"]
    assert sorted(r[2] for r in course) == sorted(
        facts.ids[k] for k in ("quiet-1", "surge", "quiet-3"))
    window.close_log()


def test_a_course_reached_with_ctrl_tab_is_logged_and_none_before_it_is_shown(
        db, facts, protocols, qtbot, tmp_path):
    """The Course tab now reads its patient's course when it is shown, however it is reached
    (Ctrl+Tab too): each of those reads is logged, and opening a session reads no course."""
    window, _ = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                            tmp_path)
    window.show()
    window.open_session(facts.ids["esketamine"])
    assert [r for r in access_rows(db) if r[6] == "course of the patient"] == []
    qtbot.keyClick(window.detail_page.back_button, QtCore.Qt.Key.Key_Tab,
                   QtCore.Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.course_page
    assert window.course_page.title.text() == "Intranasal course of MRN-5820: 1 session"
    assert [r[2] for r in access_rows(db) if r[6] == "course of the patient"] == [
        facts.ids["esketamine"]]
    window.close_log()


def test_a_de_identified_view_of_an_edited_session_names_the_row_but_not_its_content(
        db, facts, protocols, qtbot, tmp_path):
    """The banner of a changed session names the row; for a reviewer-only account it leaves out
    the row's value and time (and `verify`'s sentence, which may hold a date)."""
    session = facts.ids["surge"]
    [row] = rows(db, "SELECT id FROM observations WHERE session_id = ? AND metric = "
                     "'bp_systolic' AND value = 186", session)[0]
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER observations_no_update")
        conn.execute("UPDATE observations SET value = 146 WHERE id = ?", [row])
    conn.close()
    window, _ = open_window(qtbot, db, protocols, signed_in(db, REVIEWER, REVIEWER_PIN),
                            tmp_path)
    window.open_session(session)
    assert window.detail_page.integrity_banner.text() == (
        f"⚠ This session's record was changed outside the console: observations row {row} does "
        "not match the log's hash chain. What this page shows may not be what was recorded. "
        "Check the log this session came from with: infusion-console verify; the last backup "
        "holds the record as written.")   # no path: its PDF carries this text, and a folder may be named for the patient
    window.close_log()


def test_an_export_not_written_is_said_in_the_access_log(db, facts, protocols, qtbot,
                                                          tmp_path):
    # The export's row is written before the file; when the file then cannot be written, the
    # log must not go on claiming it (a second row, as the command line writes).
    window, dialogs = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                                  tmp_path)
    session = facts.ids["surge"]
    window.open_session(session)
    dialogs.folder = tmp_path / "missing" / "folder"
    window.export("pdf")
    target = dialogs.folder / "export.pdf"
    assert [t for t, _ in dialogs.errors] == ["PDF export failed"] and not target.exists()
    assert access_rows(db)[-2:] == [
        (PRESCRIBER, "export", session, "pdf", 0, "review", f"to {target}"),
        (PRESCRIBER, "export", session, "pdf", 0, "review",
         f"NOT WRITTEN: {target}: No such file or directory"),
    ]
    window.close_log()


def test_a_read_that_cannot_be_logged_shows_nothing(db, facts, protocols, qtbot, tmp_path):
    access = signed_in(db, ADMIN, ADMIN_PIN)
    window, dialogs = open_window(qtbot, db, protocols, access, tmp_path)
    with EventLog.open(db, "test") as log:   # the account is disabled while the review is open
        staff = Staff(log, fast())
        admin2 = staff.add("Second Admin", "administrator", "11223344", SecretKind.PIN,
                           staff.find(ADMIN), NOW)
        staff.disable(staff.find(ADMIN).id, admin2, "left the clinic", NOW)
    window.open_session(facts.ids["surge"])
    assert window.detail_page.detail is None
    assert dialogs.errors and "disabled" in dialogs.errors[0][1]
    assert [r[1:4] for r in access_rows(db)] == [("read", None, "list")]
    window.close_log()


def test_a_reviewer_sees_and_exports_de_identified_records_only(db, facts, protocols, qtbot,
                                                                  tmp_path):
    window, dialogs = open_window(qtbot, db, protocols, signed_in(db, REVIEWER, REVIEWER_PIN),
                                  tmp_path)
    assert all(p.startswith("anon-") for p in window.list_page.model.column("Patient"))
    assert not window.list_page.patient_box.isVisible() or window.list_page.patient_box.isHidden()
    session = facts.ids["surge"]
    window.open_session(session)
    detail = window.detail_page.detail
    assert detail is not None and detail.summary.patient_id.startswith("anon-")
    assert detail.summary.nurse.startswith("staff-")
    assert window.detail_page.signed is None   # signatures name staff: not shown
    # The checkbox is forced on; an export is de-identified and logged as such.
    assert window.detail_page.deidentify.isChecked()
    assert not window.detail_page.deidentify.isEnabled()
    window.export("fhir")
    written = (tmp_path / "export.json").read_text()
    assert "MRN-4711" not in written and "nurse.ben" not in written
    assert access_rows(db)[1:] == [
        (REVIEWER, "read", session, "review", 1, "review", ""),
        (REVIEWER, "export", session, "fhir", 1, "review", f"to {tmp_path / 'export.json'}")]
    # No patient's course for a de-identified reader.
    assert not window.tabs.isTabEnabled(2)
    window.show_course("MRN-4711")
    assert len(access_rows(db)) == 3
    window.close_log()


def test_a_clinical_role_taken_away_while_the_review_is_open_de_identifies_from_then_on(
        db, facts, protocols, qtbot, tmp_path):
    """Review 37 (staff 5): Pat (prescriber) reviews; an administrator then leaves Pat only the
    reviewer role. The open review went on reading and exporting identified records (the roles
    of the sign-in). The access rows follow the roles as the log holds them now: the export
    chosen before Pat read again is refused, the next read and every view after it are
    de-identified, and so is the next export."""
    window, dialogs = open_window(qtbot, db, protocols,
                                  signed_in(db, PRESCRIBER, PRESCRIBER_PIN), tmp_path)
    session = facts.ids["surge"]
    window.open_session(session)
    assert window.detail_page.detail.summary.patient_id == "MRN-4711"   # identified
    with EventLog.open(db, "test") as log:
        staff = Staff(log, fast())
        staff.change_roles(staff.find(PRESCRIBER), "reviewer", staff.find(ADMIN),
                           "left the prescribers", NOW)
    window.export("pdf")   # decided identified from the roles of the last access
    assert dialogs.errors == [("PDF export not written", (
        f"Not exported: {PRESCRIBER} sees de-identified records only now (its roles changed): "
        "export again, and it is de-identified."))]
    assert not (tmp_path / "export.pdf").exists()
    window.open_session(session)
    assert window.detail_page.detail.summary.patient_id.startswith("anon-")
    assert all(p.startswith("anon-") for p in window.list_page.model.column("Patient"))
    assert window.detail_page.deidentify.isChecked() and not window.tabs.isTabEnabled(2)
    window.export("fhir")
    assert "MRN-4711" not in (tmp_path / "export.json").read_text()
    assert [r[1:5] for r in access_rows(db)[1:]] == [
        ("read", session, "review", 0), ("read", session, "review", 1),
        ("export", session, "fhir", 1)]
    window.close_log()


def test_a_reviewer_sees_every_column_title_whole(db, facts, protocols, qtbot, tmp_path):
    """QA's reviewer screenshots: the Vitals tab's "BP mmHg" title was clipped (the tables of a
    de-identified view were never fitted to their contents)."""
    window, _ = open_window(qtbot, db, protocols, signed_in(db, REVIEWER, REVIEWER_PIN), tmp_path)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.open_session(facts.ids["surge"])
    page = window.detail_page
    for table in (page.vitals_table, page.phase_table, page.observation_table):
        header = table.horizontalHeader()
        clipped = [table.model().headerData(i, QtCore.Qt.Orientation.Horizontal)
                   for i in range(header.count())
                   if header.sectionSize(i) < header.sectionSizeHint(i)]
        assert clipped == [], clipped
    window.close_log()


def test_each_de_identified_export_of_a_reviewer_gets_its_own_pseudonym(db, facts, protocols,
                                                                       qtbot, tmp_path):
    """QA: three FHIR exports of one review (two of one session, one of another patient's) all
    carried anon-b505bf3001: the files could be linked, which the README says they cannot."""
    window, dialogs = open_window(qtbot, db, protocols, signed_in(db, REVIEWER, REVIEWER_PIN),
                                  tmp_path)
    written = []
    for name, session in (("a", "surge"), ("b", "surge"), ("c", "esketamine")):
        window.open_session(facts.ids[session])
        dialogs.file_name = name
        window.export("fhir")
        [pseudonym] = set(re.findall(r"anon-[0-9a-f]{10}", (tmp_path / f"{name}.json").read_text()))
        written.append(pseudonym)
    assert dialogs.errors == []
    assert len(set(written)) == 3, written
    # The view keeps one pseudonym while browsing (the list and the session agree), and no file
    # carries it.
    window.open_session(facts.ids["surge"])
    shown = window.detail_page.detail.summary.patient_id
    assert shown in window.list_page.model.column("Patient")
    assert shown not in written
    window.close_log()


# ---- closing the review --------------------------------------------------------------------------


def log_files(db: Path) -> list[str]:
    """The log's files in its folder: the log, and its -wal and -shm while they are there."""
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name))


def the_log_file_alone(db: Path, folder: Path) -> Path:
    """A copy of the log file without its -wal and -shm, as a backup copying files takes it."""
    folder.mkdir()
    return Path(shutil.copy(db, folder))


def test_a_closed_review_leaves_only_the_log_file_and_it_holds_the_review_s_rows(
        db, facts, qtbot, tmp_path):
    # Before: each row was written through a write connection closed while the window's
    # read-only one was open, and the read-only one, closed last, cannot move the -wal into the
    # log: a -wal and a -shm stayed, the reads and the unlock's sign-in only in the -wal (a
    # backup copying the log file alone lacked them).
    from console.session.lock import DEFAULT_LOCK_AFTER_S

    window = review_app.build(argparse.Namespace(db=db),
                              sign_in=lambda path, clock: signed_in(path, ADMIN, ADMIN_PIN),
                              clock=ManualClock(NOW))
    qtbot.addWidget(window)
    window.open_session(facts.ids["surge"])
    window.clock.advance(DEFAULT_LOCK_AFTER_S)
    window.lock.check()
    window.lock.secret.setText(ADMIN_PIN)
    window.lock.unlock_button.click()
    assert not window.lock.locked
    window.close_log()
    assert log_files(db) == [db.name]
    backup = the_log_file_alone(db, tmp_path / "backup")
    assert [r[:4] for r in access_rows(backup)] == [
        (ADMIN, "read", None, "list"), (ADMIN, "read", facts.ids["surge"], "review")]
    assert rows(backup, "SELECT outcome, purpose FROM sign_ins ORDER BY id") == [
        ("ok", "review"), ("ok", "review")]   # the sign-in, then the unlock


def test_a_review_closed_while_a_console_writes_the_log_neither_waits_nor_takes_its_wal(
        db, qtbot, tmp_path):
    # A console at the chair keeps the log open and writes on: the review's close must not wait
    # for its write lock nor fail on it, and the -wal stays the console's until it closes.
    import time

    from console.store.log import DEFAULT_BUSY_TIMEOUT_MS

    window = review_app.build(argparse.Namespace(db=db),
                              sign_in=lambda path, clock: signed_in(path, ADMIN, ADMIN_PIN),
                              clock=ManualClock(NOW))
    qtbot.addWidget(window)
    console = EventLog.open(db, "test")
    try:
        with console.appending():   # a write of the console under way: it holds the lock
            started = time.monotonic()
            window.close_log()
            took = time.monotonic() - started
        Staff(console, fast()).sign_in(NURSE, NURSE_PIN, NOW, where="chair 1")
        assert log_files(db) == [db.name, f"{db.name}-shm", f"{db.name}-wal"]
    finally:
        console.close()   # the last connection: it folds every row in
    assert took < DEFAULT_BUSY_TIMEOUT_MS / 1000, took   # a close that waited for the lock
    assert log_files(db) == [db.name]
    backup = the_log_file_alone(db, tmp_path / "backup")
    assert [r[:4] for r in access_rows(backup)] == [(ADMIN, "read", None, "list")]
    assert rows(backup, "SELECT typed, station FROM sign_ins ORDER BY id") == [
        (ADMIN, "review"), (NURSE, "chair 1")]


# ---- signatures ----------------------------------------------------------------------------------


def test_an_annotation_with_a_wrong_pin_writes_nothing(db, facts, protocols, qtbot, tmp_path):
    signer = Signer()
    signer.answers = [(PRESCRIBER, WRONG)]
    window, dialogs = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                                  tmp_path, signer)
    window.open_session(facts.ids["surge"])
    dialogs.note = ("typed by anyone", "BP surge handled per protocol")
    window.annotate()
    assert signer.refusals == ["Not signed: name or badge and PIN or password do not match an "
                               "account: check both and try again."]
    assert dialogs.errors == [("Annotation not added", "Not added: the signature was cancelled "
                                                       "(nothing was written).")]
    assert rows(db, "SELECT count(*) FROM events WHERE kind = 'review_note'") == [(0,)]
    assert rows(db, "SELECT count(*) FROM signatures") == [(0,)]
    window.close_log()


def test_an_annotation_is_written_by_its_author_and_signed(db, facts, protocols, qtbot, tmp_path):
    signer = Signer()
    signer.answers = [(NURSE, NURSE_PIN), (PRESCRIBER, PRESCRIBER_PIN)]
    window, dialogs = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                                  tmp_path, signer)
    session = facts.ids["surge"]
    window.open_session(session)
    dialogs.note = ("typed by anyone", "BP surge handled per protocol")
    window.annotate()
    # Only the signed-in author may sign it; the free-text name is not used.
    assert signer.refusals == ["An annotation is signed by its author: Pat Prescriber, signed "
                               "in to this review."]
    assert signer.requests[0].signer_fixed and signer.requests[0].signer == PRESCRIBER
    [(note_id, actor, note_hash)] = rows(db, "SELECT id, actor, row_hash FROM events "
                                             "WHERE kind = 'review_note'")
    assert actor == PRESCRIBER
    account = rows(db, "SELECT account FROM staff_current WHERE name = ?", PRESCRIBER)[0][0]
    assert rows(db, "SELECT account, printed_name, meaning, signed_table, signed_id, "
                    "signed_hash, session_id FROM signatures") == [
        (account, PRESCRIBER, "review annotation", "events", note_id, note_hash, session)]
    # The Signatures tab shows it, valid.
    table = window.detail_page.signature_model
    signed = [r for r in table.rows() if r[2] == "review annotation"]
    assert len(signed) == 1
    assert signed[0][3:5] == (PRESCRIBER, f"#{account}") and signed[0][6] == "valid"
    window.close_log()


def test_the_signatures_tab_shows_signed_and_unsigned_records(db, facts, protocols, qtbot,
                                                              tmp_path):
    session = facts.ids["surge"]
    with EventLog.open(db, "test") as log:
        staff = Staff(log, fast())
        [(discharged,)] = log.conn.execute(
            "SELECT id FROM events WHERE session_id = ? AND kind = 'discharged'",
            [session]).fetchall()
        Signatures(staff).sign(staff.find(NURSE), NURSE_PIN, "discharge", "events", discharged,
                               NOW)
        with pytest.raises(IdentityError):   # a wrong PIN signs nothing
            Signatures(staff).sign(staff.find(NURSE), WRONG, "discharge", "events", discharged,
                                   NOW)
    window, _ = open_window(qtbot, db, protocols, signed_in(db, ADMIN, ADMIN_PIN), tmp_path)
    # The window at its size before the session is opened, as a reviewer has it: the session's
    # signatures were then fitted to their contents after the fit to the width (a clinician's
    # audit: Status off the right edge at 1366x768; a resize after opening hid it).
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.open_session(session)
    page = window.detail_page
    table = page.signature_model.rows()
    signed = [r for r in table if r[6] == "valid"]
    nurse = rows(db, "SELECT account FROM staff_current WHERE name = ?", NURSE)[0][0]
    assert [(r[2], r[3], r[4]) for r in signed] == [("discharge", NURSE, f"#{nurse}")]
    # Records of this session that need a signature and have none (written while the log had
    # accounts, without one): listed UNSIGNED.
    unsigned = [r for r in table if r[6] == "UNSIGNED"]
    expected = rows(db, "SELECT count(*) FROM events WHERE session_id = ? AND kind IN "
                        "('override', 'gate_decision', 'correction', 'entered_in_error', "
                        "'review_note')", session)[0][0]
    assert len(unsigned) == expected and expected > 0
    plural = "s" if expected != 1 else ""
    assert page.signature_summary.text() == f"1 signature · {expected} record{plural} unsigned"
    # At 1366x768 every column is in sight, Status last among them (it was off the right edge,
    # behind a sideways scroll: "UNSIGNED" unread): the long record text wraps instead.
    from tests.ui.test_review_layout import cut_columns, select_tab

    select_tab(page, "Signatures")
    assert cut_columns(page.signature_table) == []
    # Opened (again, or the next session) with the tab in front: the table is refilled at its
    # size, with no resize to refit it.
    window.open_session(session)
    QtCore.QCoreApplication.processEvents()
    assert cut_columns(window.detail_page.signature_table) == []
    window.close_log()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_pdf_prints_the_signatures(db, facts, tmp_path):
    from console.export.pdf import write_session_pdf

    session = facts.ids["surge"]
    with EventLog.open(db, "test") as log:
        staff = Staff(log, fast())
        [(discharged,)] = log.conn.execute(
            "SELECT id FROM events WHERE session_id = ? AND kind = 'discharged'",
            [session]).fetchall()
        Signatures(staff).sign(staff.find(NURSE), NURSE_PIN, "discharge", "events", discharged,
                               NOW)
    conn = open_readonly(db)
    try:
        detail, signed = load_session(conn, session), load_signatures(conn, session)
    finally:
        conn.close()
    pdf = tmp_path / "report.pdf"
    write_session_pdf(detail, pdf, tz=UTC, signatures=signed)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Electronic signatures: 1 signature" in text
    section = text[text.index("Electronic signatures"):]
    nurse = load_account(db, NURSE)
    for shown in (NURSE, f"#{nurse}", "10 Mar 2026", "12:00:00", "discharge", "valid",
                  "UNSIGNED", "Account", "Signed at"):
        assert shown in section, shown


# ---- the idle lock -------------------------------------------------------------------------------


def test_a_review_left_idle_hides_its_records_until_its_reader_signs_in_again(
        db, facts, protocols, qtbot, tmp_path):
    # An audit: 48 hours after one sign-in, reads and a PDF export were still logged under it.
    from console.session.lock import DEFAULT_LOCK_AFTER_S

    window, _ = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                            tmp_path)
    window.show()
    qtbot.waitExposed(window)
    lock = window.lock
    window.clock.advance(DEFAULT_LOCK_AFTER_S - 1)
    lock.check()
    assert not lock.locked and window.tabs.isVisible()
    qtbot.keyClick(window.list_page.table, QtCore.Qt.Key.Key_Down)   # someone is there
    window.clock.advance(DEFAULT_LOCK_AFTER_S - 1)
    lock.check()
    assert not lock.locked
    window.clock.advance(1)
    lock.check()
    assert lock.locked and not window.tabs.isVisible() and lock.isVisible()
    assert lock.text.text().startswith("Locked: this review was left for 10 minutes. Its "
                                       f"records are hidden until {PRESCRIBER} signs in again")
    qtbot.keyClicks(lock.secret, WRONG)
    qtbot.keyClick(lock.secret, QtCore.Qt.Key.Key_Return)
    assert lock.locked and lock.message.text() and lock.secret.text() == ""
    qtbot.keyClicks(lock.secret, REVIEWER_PIN)   # another account's PIN is not hers
    qtbot.keyClick(lock.secret, QtCore.Qt.Key.Key_Return)
    assert lock.locked
    qtbot.keyClicks(lock.secret, PRESCRIBER_PIN)
    qtbot.keyClick(lock.secret, QtCore.Qt.Key.Key_Return)
    assert not lock.locked and window.tabs.isVisible()
    assert [outcome for (outcome,) in rows(
        db, "SELECT outcome FROM sign_ins WHERE purpose = 'review' ORDER BY id")][-3:] == [
        "wrong", "wrong", "ok"]


def test_a_locked_review_names_no_patient_in_its_status_bar_or_title(
        db, facts, protocols, qtbot, tmp_path):
    # Review 47: the lock hid the tabs only, and the status bar, the window's, went on
    # saying "CSV written: …/MRN-4711-session2-…" (or "Annotation by … of MRN-4711") to anyone
    # passing the locked screen.
    from console.session.lock import DEFAULT_LOCK_AFTER_S

    signer = Signer()
    signer.answers = [(PRESCRIBER, PRESCRIBER_PIN)]
    window, dialogs = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                                  tmp_path, signer)
    window.show()
    qtbot.waitExposed(window)
    bar = window.statusBar()

    def shown() -> list[str]:
        return [bar.currentMessage(), bar.line.text(), bar.line.toolTip(), window.windowTitle()]

    window.open_session(facts.ids["surge"])
    window.export("csv")   # a folder named for the patient
    assert dialogs.errors == [] and "MRN-4711" in bar.currentMessage()
    window.clock.advance(DEFAULT_LOCK_AFTER_S)
    window.lock.check()
    assert window.lock.locked and not window.tabs.isVisible()
    assert shown() == ["", "", "", "Infusion console: review of past sessions"]
    qtbot.keyClicks(window.lock.secret, PRESCRIBER_PIN)
    qtbot.keyClick(window.lock.secret, QtCore.Qt.Key.Key_Return)
    # Open again: who is signed in and where the log is, as when the review opened; no patient.
    assert not window.lock.locked and window.tabs.isVisible()
    assert bar.currentMessage().startswith(
        f"Signed in as {PRESCRIBER} (prescriber) · every session read is logged · ")
    # An annotation's message names the patient too: the same.
    dialogs.note = ("", "BP surge handled per protocol")
    window.annotate()
    assert dialogs.errors == [] and "MRN-4711" in bar.currentMessage()
    window.clock.advance(DEFAULT_LOCK_AFTER_S)
    window.lock.check()
    assert window.lock.locked
    assert not any("MRN-4711" in text for text in shown()), shown()
    window.close_log()


def test_a_locked_review_checks_its_own_account_s_pin_never_a_namesake_s(db, protocols, qtbot,
                                                                       tmp_path):
    # Before: the unlock signed in again by the account's name or badge, so it checked whichever
    # account bears it now. Rui disabled and a new Rui Reviewer added (names are unique among
    # active accounts only), the old Rui's PIN typed at her locked review counted as wrong
    # against the new account, and five tries locked the new Rui out.
    from console.session.lock import DEFAULT_LOCK_AFTER_S

    window, _ = open_window(qtbot, db, protocols, signed_in(db, REVIEWER, REVIEWER_PIN),
                            tmp_path)
    window.show()
    qtbot.waitExposed(window)
    old = window.access.account
    with EventLog.open(db, "test") as log:
        staff = Staff(log, fast())
        admin = staff.find(ADMIN)
        staff.disable(old, admin, "left the clinic", NOW)
        new = staff.add(REVIEWER, "reviewer", "27182818", SecretKind.PIN, admin, NOW)
    lock = window.lock
    window.clock.advance(DEFAULT_LOCK_AFTER_S)
    lock.check()
    for _ in range(5):
        qtbot.keyClicks(lock.secret, REVIEWER_PIN)
        qtbot.keyClick(lock.secret, QtCore.Qt.Key.Key_Return)
        assert lock.locked and lock.message.text() == (
            f"{REVIEWER}'s account is disabled: it signs in nowhere; ask an administrator.")
    assert rows(db, "SELECT account, outcome FROM sign_ins ORDER BY id") == [
        (old.id, "ok")] + [(old.id, "disabled")] * 5   # her sign-in, then the five tries
    # The new Rui Reviewer signs in with her own PIN: nothing counted against her.
    answer = ReviewAccess.sign_in(db, REVIEWER, "27182818", window.clock, "test", hasher=fast())
    assert isinstance(answer, ReviewAccess) and answer.account.id == new.id, answer
    window.close_log()


def test_typing_in_a_review_dialog_is_someone_there_and_a_lock_closes_the_dialog(
        db, facts, protocols, qtbot, tmp_path):
    from PySide6 import QtWidgets

    from console.session.lock import DEFAULT_LOCK_AFTER_S

    window, _ = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                            tmp_path)
    window.show()
    dialog = QtWidgets.QDialog(window)   # an annotation being typed, in its own window
    note = QtWidgets.QLineEdit(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    window.clock.advance(DEFAULT_LOCK_AFTER_S - 1)
    qtbot.keyClicks(note, "BP settled after")
    window.clock.advance(DEFAULT_LOCK_AFTER_S - 1)
    window.lock.check()
    assert not window.lock.locked and dialog.isVisible()
    window.clock.advance(1)
    window.lock.check()
    assert window.lock.locked and not dialog.isVisible()   # what it showed is hidden too
    assert dialog.result() == QtWidgets.QDialog.DialogCode.Rejected


def test_a_reviewers_list_says_the_time_the_session_page_says_across_a_clock_change(
        db, facts, protocols, qtbot, tmp_path, monkeypatch):
    # The review audit: with the de-identifying shift across a summer-time change, the list read
    # 10:00 for a page's 09:00 (the page keeps the local time of day, the list did not).
    import time
    from datetime import timedelta

    from console.export import deidentify as di

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        window, _ = open_window(qtbot, db, protocols, signed_in(db, REVIEWER, REVIEWER_PIN),
                                tmp_path)
        session = facts.ids["surge"]
        conn = open_readonly(db)
        try:
            raw = load_session(conn, session).summary
        finally:
            conn.close()
        started = raw.started_at
        # Whole weeks to the other side of the next change of clock in New York.
        weeks = next(timedelta(weeks=w) for w in range(1, 60)
                     if (started + timedelta(weeks=w)).astimezone().utcoffset()
                     != started.astimezone().utcoffset())
        monkeypatch.setattr(di, "shift_for", lambda key: weeks)
        window._deidentify_everything()
        assert window.list_page.masking is not None
        listed = window.list_page.masking(raw)
        window.open_session(session)
        page = window.detail_page.detail
        assert page is not None
        assert listed.started_at == page.summary.started_at
        assert listed.started_at.astimezone().strftime("%H:%M") == \
            started.astimezone().strftime("%H:%M")
        window.close_log()
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
