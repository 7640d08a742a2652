"""The access log: every read and export a row (who, when, what, which session, format,
de-identified), append-only and chained; `verify` names an edited row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.identity import AccessLog, Account, IdentityError, Staff
from console.records import SessionOpened
from console.store import EventLog

from .conftest import T0, t


@pytest.fixture
def session(log: EventLog) -> int:
    return log.start_session(SessionOpened(
        patient_id="MRN-4711", protocol_id="iv-ketamine", protocol_version="2026.1",
        session_number=1, nurse="Ana Nurse", weight_kg=72.0, started_at=T0))


@pytest.fixture
def reviewer(staff: Staff, admin: Account) -> Account:
    return staff.add("Rae Reviewer", "reviewer", "31415926", "pin", admin, t(1))


def test_reads_and_exports_are_rows(db: Path, log: EventLog, session: int, reviewer: Account,
                                    admin: Account) -> None:
    access = AccessLog(log)
    first = access.record_access(reviewer, "read", session, "review", True, t(60),
                                 where="review station")
    access.record_access(admin, "export", session, "pdf", False, t(61), detail="to /tmp/r.pdf")
    access.record_access(reviewer.id, "read", None, "list", True, t(62), detail="session list")
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT at, account, name, what, session_id, format, deidentified, "
                        "station, detail FROM access_log ORDER BY id").fetchall()
    conn.close()
    assert first == 1
    assert rows == [
        ("2026-03-02T09:01:00.000Z", reviewer.id, "Rae Reviewer", "read", session, "review", 1,
         "review station", ""),
        ("2026-03-02T09:01:01.000Z", admin.id, "Ada Admin", "export", session, "pdf", 0, "",
         "to /tmp/r.pdf"),
        ("2026-03-02T09:01:02.000Z", reviewer.id, "Rae Reviewer", "read", None, "list", 1, "",
         "session list"),
    ]
    assert [r.id for r in access.access_log(session)] == [1, 2]
    assert [(r.what, r.deidentified) for r in access.access_log()] == [
        ("read", True), ("export", False), ("read", True)]
    assert log.verify().ok


def test_an_export_to_a_deep_path_records_the_path_whole(log: EventLog, session: int,
                                                          admin: Account) -> None:
    # 603 characters: cut at 500, the row named a file that does not exist.
    path = "/" + "/".join("d" * 90 + str(i) for i in range(6)) + "/report-for-referrer.pdf"
    AccessLog(log).record_access(admin, "export", session, "pdf", False, t(61),
                                 detail=f"to {path}")
    assert AccessLog(log).access_log(session)[-1].detail == f"to {path}"


@pytest.mark.parametrize(("what", "fmt", "which", "message"), [
    ("print", "pdf", 1, "an access is 'read' or 'export', not 'print'"),
    ("export", "docx", 1, "unknown format 'docx': one of csv, fhir, list, pdf, rems, review or "
                          "empty"),
    ("export", "pdf", 42, "session 42 is not in the session log"),
])
def test_bad_accesses_are_refused_and_nothing_is_written(log: EventLog, session: int,
                                                         admin: Account, what: str, fmt: str,
                                                         which: int, message: str) -> None:
    access = AccessLog(log)
    with pytest.raises(IdentityError) as refused:
        access.record_access(admin, what, which, fmt, False, t(60))
    assert str(refused.value).startswith(message)
    assert access.access_log() == []


def test_an_unknown_account_is_refused(log: EventLog, session: int, admin: Account) -> None:
    with pytest.raises(IdentityError, match="there is no account 7"):
        AccessLog(log).record_access(7, "read", session, "review", False, t(60))


def test_an_edited_access_row_is_named_by_verify(db: Path, log: EventLog, session: int,
                                                 reviewer: Account) -> None:
    access = AccessLog(log)
    for i in range(3):
        access.record_access(reviewer, "export", session, "csv", True, t(60 + i))
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError, match="access_log is append-only"):
        conn.execute("DELETE FROM access_log WHERE id = 2")
    conn.execute("DROP TRIGGER access_log_no_update")
    conn.execute("UPDATE access_log SET deidentified = 0 WHERE id = 2")
    conn.commit()
    conn.close()
    report = log.verify()
    assert (report.ok, report.first_bad) == (False, ("access_log", 2))
    assert report.message.startswith("access_log row 2: its content does not match its row_hash")
