"""The patient typed in another case, with a doubled or a no-break space is the same patient: the
session a crash left open under "MRN-94 A" is resumed, not a second one opened beside it as
session 1 of a new course (review 45)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from console.records import EventRecord, SessionEnded, SessionOpened
from console.store import EventLog
from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture

SPELLINGS = pytest.mark.parametrize("typed", ["mrn-94 a", "MRN-94  A", "MRN-94\u00a0A",
                                              " Mrn-94 \u00a0 a "],
                                    ids=["lower case", "two spaces", "no-break space", "mixed"])


def logged(tmp_path, patient: str, *, minutes_ago: float = 30, ended: bool = False) -> int:
    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        session = log.start_session(SessionOpened(
            patient_id=patient, protocol_id="iv-ketamine", protocol_version="1.5",
            session_number=3, nurse="N", weight_kg=70.0,
            started_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
            details={"dose_mg": 35.0, "pump_rate_ml_h": 150.0}))
        if ended:
            at = datetime.now(UTC) - timedelta(minutes=minutes_ago - 60)
            log.write([EventRecord(session, at, "discharged", "N", {}),
                       EventRecord(session, at, "session_ended", "N", {}),
                       SessionEnded(session, at)])
        return session


def sessions(tmp_path):
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        return conn.execute("SELECT id, patient_id, session_number FROM sessions ORDER BY id"
                            ).fetchall()


@SPELLINGS
def test_the_session_left_open_is_resumed_whatever_the_spelling(started, tmp_path, typed):
    crashed = logged(tmp_path, "MRN-94 A")
    window = started(options(tmp_path, "--protocol", "iv-ketamine", "--patient", typed,
                             "--weight", "70", "--nurse", "N"))
    assert window.controller.view.session_id == crashed
    assert sessions(tmp_path) == [(crashed, "MRN-94 A", 3)]


@SPELLINGS
def test_a_new_session_counts_on_in_the_course_under_the_logged_spelling(started, tmp_path, typed):
    earlier = logged(tmp_path, "MRN-94 A", minutes_ago=3 * 24 * 60, ended=True)
    window = started(options(tmp_path, "--protocol", "iv-ketamine", "--patient", typed,
                             "--weight", "70", "--nurse", "N"))
    new = window.controller.view.session_id
    assert sessions(tmp_path) == [(earlier, "MRN-94 A", 3), (new, "MRN-94 A", 2)]


def test_another_patient_is_not_folded_into_this_one(started, tmp_path):
    logged(tmp_path, "MRN-94 A")
    window = started(options(tmp_path, "--protocol", "iv-ketamine", "--patient", "MRN-94A",
                             "--weight", "70", "--nurse", "N"))
    assert sessions(tmp_path)[-1] == (window.controller.view.session_id, "MRN-94A", 1)


def test_the_start_screen_files_a_new_session_under_the_logged_spelling(tmp_path, qtbot):
    from console.cli import gui_parser
    from console.ui.start_screen import StartRequest
    from tests.ui.test_two_chairs import built, stop

    earlier = logged(tmp_path, "MRN-94 A", minutes_ago=3 * 24 * 60, ended=True)
    cleanups: list = []
    try:
        window = built(gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3")]), qtbot,
                       cleanups)
        window.start_screen.start_requested.emit(
            StartRequest("mrn-94\u00a0a", 70.0, "iv-ketamine", None, 4, "N", None, "hl7"))
        new = window.controller.view.session_id
    finally:
        stop(cleanups)
    assert sessions(tmp_path) == [(earlier, "MRN-94 A", 3), (new, "MRN-94 A", 4)]
