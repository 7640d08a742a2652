"""PCD-01 sends only the patient's values. An NIBP of unknown age (`AGE_UNKNOWN`: the cuff found on
the monitor at connect, a Comen's resend of its last cuff, perhaps the previous patient's) is
logged flagged and kept off every patient record (trend, review, report, FHIR: devices/reading.py
`not_patient_flags`), yet went to the interface engine as this patient's final result, with no
time of its own: the receiver dated it by OBR-7, as measured now. A monitor's TEST or DEMO value
in a real session is left out the same way; a demo session's own values still go, as training."""

from __future__ import annotations

from datetime import timedelta

from console.clock import ManualClock
from console.network.composer import PcdComposer
from console.network.pcd import PatientShown, segments
from console.records import ObservationRecord
from devices.reading import AGE_UNKNOWN, Reading
from protocols.vitals import metric
from tests.network.test_composer_state import STATION, Chair
from tests.session.helpers import START


def test_an_nibp_of_unknown_age_is_not_sent_as_this_patients_result(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    (last,) = chair.log.conn.execute("SELECT max(id) FROM outbox").fetchone()
    now = chair.clock.now()
    # One message of the monitor: the cuff it still shows (no time), and the heart rate now.
    chair.engine.ingest_message([
        *(Reading(name, value, metric(name).unit, None, now.wall, "hl7:SIM",
                  flags=frozenset({AGE_UNKNOWN}))
          for name, value in (("bp_systolic", 162.0), ("bp_diastolic", 101.0))),
        Reading("heart_rate", 74.0, metric("heart_rate").unit, now.wall, now.wall, "hl7:SIM"),
    ], now)
    logged = chair.log.conn.execute(
        "SELECT count(*) FROM observations WHERE value IN (162, 101, 74)").fetchone()[0]
    assert logged == 3    # the log keeps them all (the cuff flagged)
    sent = [m for (m,) in chair.log.conn.execute(
        "SELECT message FROM outbox WHERE kind = 'pcd01' AND id > ?", [last or 0])]
    values = [row[5] for m in sent for row in segments(m) if row[0] == "OBX"]
    assert values == ["74"]


def test_a_monitors_test_value_is_sent_only_in_a_demo_session():
    at = START + timedelta(minutes=3)
    records = [ObservationRecord(session, "spo2", 97.0, "%", "hl7:SIM", at, at, "engine",
                                 flags=frozenset({"TEST"})) for session in (1, 2)]
    composer = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                           ManualClock(at), demo_sessions={1: False, 2: True}.__getitem__)
    (message,) = composer.compose(records, lambda: "log-9")
    assert message.session_id == 2
    assert segments(message.message)[0][10] == "T"   # MSH-11: training
