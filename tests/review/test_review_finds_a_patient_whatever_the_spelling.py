"""The review finds a patient whatever the spelling, as the chair does (review 45): `patient_fold`
course (`patient_fold`: "MRN-94 A", "mrn-94 a", "MRN-94  A", "MRN-94\u00a0A" are one patient),
but the review window's other reads of the patient were left exact: the sessions list's patient
search, the course page's patient picker, and the de-identified list's pseudonym. Logs written
before the fix hold exactly such split spellings (the crash case the commit describes)."""

from __future__ import annotations

from datetime import UTC, datetime

from console.records import SessionOpened
from console.review import queries
from console.review.model import SessionFilter
from console.store import EventLog

SPELLINGS = ("MRN-94 A", "MRN-94\u00a0A", "mrn-94  a")


def _log(tmp_path):
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "test") as log:
        for n, spelling in enumerate(SPELLINGS, start=1):
            log.start_session(SessionOpened(
                patient_id=spelling, protocol_id="iv-ketamine", protocol_version="1.5",
                session_number=n, nurse="N", weight_kg=70.0,
                started_at=datetime(2026, 3, n, 9, 0, tzinfo=UTC),
                details={"dose_mg": 35.0, "pump_rate_ml_h": 150.0}))
    return queries.open_readonly(path)


def test_the_session_list_search_finds_every_spelling_of_the_patient(tmp_path) -> None:
    conn = _log(tmp_path)
    try:
        # The course of "MRN-94 A" lists three sessions; the list searched for it shows one
        # ("MRN-94\u00a0A" and "mrn-94  a" are not found by the case-insensitive substring).
        assert len(queries.load_course(conn, "MRN-94 A")) == 3
        found = queries.list_sessions(conn, SessionFilter(patient="MRN-94 A"))
        assert sorted(s.patient_id for s in found) == sorted(SPELLINGS), (
            "the review's session search for MRN-94 A misses sessions the chair and the "
            "course file under the same patient")
    finally:
        conn.close()


def test_the_course_picker_lists_the_patient_once(tmp_path) -> None:
    conn = _log(tmp_path)
    try:
        names = queries.patients(conn)
        # Each entry opens the same (folded) course: one patient shown as three.
        assert len(names) == 1, f"one patient listed {len(names)} times: {names!r}"
    finally:
        conn.close()


def test_the_de_identified_review_gives_one_patient_one_pseudonym() -> None:
    """The de-identified review list and exports (`ReviewWindow._deidentify_everything`,
    `deidentify`) name a session's patient `pseudonym(s.patient_id, key)`, one key per window:
    a reviewer counting patients sees MRN-94 A's course as three patients."""
    from console.export.deidentify import pseudonym

    key = b"k" * 32
    assert len({pseudonym(spelling, key) for spelling in SPELLINGS}) == 1
