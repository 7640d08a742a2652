"""A patient's sessions are found whatever the spelling of the identifier: case, doubled or
no-break spaces (review 45); another identifier is not, a compatibility form either (a
superscript, full-width letters: NFKC made "MRN-1²" the patient "MRN-12")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.records import SessionOpened
from console.store import EventLog
from console.store.log import patient_fold

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_fold_keeps_what_tells_patients_apart():
    assert patient_fold(" MRN-94\u00a0\u00a0a ") == patient_fold("mrn-94 A") == "mrn-94 a"
    assert patient_fold("ＭＲＮ-94") != "mrn-94"   # full-width letters: not folded (NFC only)
    assert patient_fold("MRN-94A") != patient_fold("MRN-94 A")
    assert patient_fold("Zoe\u0308") == patient_fold("ZOË")


def test_sessions_of_every_spelling_are_found_oldest_first(tmp_path):
    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        ids = [log.start_session(SessionOpened(
            patient_id=patient, protocol_id="iv-ketamine", protocol_version="1.5",
            session_number=1, nurse="N", weight_kg=70.0, started_at=START + timedelta(days=day)))
            for day, patient in enumerate(["MRN-94 A", "MRN-94A", "mrn-94  a"])]
        found = log.sessions_for_patient("Mrn-94\u00a0A")
        assert [(row.id, row.patient_id) for row in found] == [(ids[0], "MRN-94 A"),
                                                              (ids[2], "mrn-94  a")]
        assert sorted(log.patient_spellings("MRN-94 A")) == ["MRN-94 A", "mrn-94  a"]
        assert log.sessions_for_patient("MRN-95") == []


def test_the_reviews_course_finds_the_patient_whatever_the_spelling(tmp_path) -> None:
    """The review's course of MRN-94 A typed "mrn-94 a": the chair files both spellings as one
    patient (review 45), so the course lists them as one."""
    from datetime import UTC, datetime

    from console.records import SessionOpened
    from console.review.queries import load_course, open_readonly
    from console.store import EventLog

    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        for n, spelling in enumerate(("MRN-94 A", "MRN-94  A"), start=1):
            log.start_session(SessionOpened(
                patient_id=spelling, protocol_id="iv-ketamine", protocol_version="1.5",
                session_number=n, nurse="N", weight_kg=70.0,
                started_at=datetime(2026, 3, n, 9, 0, tzinfo=UTC),
                details={"dose_mg": 35.0, "pump_rate_ml_h": 150.0}))
    conn = open_readonly(tmp_path / "log.sqlite3")
    try:
        assert [row.session_number for row in load_course(conn, "mrn-94 a")] == [1, 2]
    finally:
        conn.close()


def test_compatibility_characters_are_not_folded_into_another_patient() -> None:
    """Case and spaces fold; a superscript or a ligature does not (NFKC made "MRN-1²" the patient
    "MRN-12": a session of one patient resumed for another)."""
    from console.store.log import patient_fold

    assert patient_fold("mrn-94\u00a0 a") == patient_fold("MRN-94 A")
    assert patient_fold("MRN-1²") != patient_fold("MRN-12")
