"""PCD-01 dated a monitor's values by the monitor's own clock (OBX-14, OBR-7/8) even when its values
showed that clock hours off the console's: the bedside trend, the review, the report and the FHIR
export all date them when the console received them (console/session/trend_feed.py
`DeviceClocks`, fhir.py `_Clocks`: "Dated by that clock, an EHR filed the patient's heart rate
two hours before the Encounter began"), and the interface engine got them two hours before the
session started. Now the composer judges each monitor's clock by the same rule and code, from
the session's values in log order (learnt from the log when it first sees the session: after a
restart too), and a value of that monitor taken back is still found where it went."""

from __future__ import annotations

from datetime import timedelta

from console.clock import ManualClock
from console.network.composer import PcdComposer, sent_pcd01, session_readings
from console.network.pcd import PatientShown, hl7_time, segments
from console.network.pcd_read import read_pcd01
from console.records import ObservationRecord
from console.review.queries import observation_by_id
from console.store.outbox import OutboxHooks
from devices.reading import Reading
from protocols.vitals import metric
from tests.network.test_composer_state import STATION, Chair
from tests.session.helpers import START

BEHIND = timedelta(hours=2)
NURSE = "nurse.ana"


def _last_id(chair: Chair) -> int:
    (last,) = chair.log.conn.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()
    return int(last)


def _pcd01s(chair: Chair, after: int) -> list[str]:
    return [m for (m,) in chair.log.conn.execute(
        "SELECT message FROM outbox WHERE kind = 'pcd01' AND id > ? ORDER BY id", [after])]


def _a_minute_of_the_monitor(chair: Chair) -> None:
    """Six rounds of HR and SpO2, 10 s apart, from a monitor whose clock is 2 h behind."""
    for _ in range(6):
        chair.t(10)
        now = chair.clock.now()
        chair.engine.ingest_message([
            Reading(name, value, metric(name).unit, now.wall - BEHIND, now.wall, "hl7:SIM")
            for name, value in (("heart_rate", 72.0), ("spo2", 97.0))], now)


def test_a_monitor_two_hours_behind_has_its_values_sent_when_received(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    last = _last_id(chair)
    _a_minute_of_the_monitor(chair)
    sent = _pcd01s(chair, last)
    read = [o for m in sent for o in read_pcd01(m, chair.clock.now().wall).observations]
    assert len(read) == 12
    before = [(o.metric, o.measured_at.isoformat()) for o in read if o.measured_at < START]
    assert before == []
    # Each message says the time its values came in, in OBR-7/8 and OBX-14 alike.
    for message in sent:
        obr = next(s for s in segments(message) if s[0] == "OBR")
        obx14 = {s[14] for s in segments(message) if s[0] == "OBX"}
        assert obx14 == {obr[7]} == {obr[8]}
        assert obr[7] == segments(message)[0][6]   # received and committed at the same instant


def test_a_composer_started_on_a_session_under_way_learns_the_monitors_clock_from_the_log(
        tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    _a_minute_of_the_monitor(chair)
    # The console restarts: its composer knows nothing of the session but what the log holds.
    composer = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                           chair.clock,
                           observation=lambda row: observation_by_id(chair.log.conn, row),
                           sent_observations=lambda s: sent_pcd01(chair.log.conn, s),
                           readings=lambda s: session_readings(chair.log, s))
    chair.log.attach_outbox(OutboxHooks(composer, lambda rows: None, chair.fail))
    last = _last_id(chair)
    # The monitor's next message is a cuff alone (a Mindray sends its NIBP in a message of its
    # own): its time, 2 h behind, is before the session; no value of it shows the clock yet.
    chair.t(10)
    now = chair.clock.now()
    chair.engine.ingest_message([
        Reading(name, value, metric(name).unit, now.wall - BEHIND - timedelta(seconds=40),
                now.wall, "hl7:SIM") for name, value in (("bp_systolic", 124.0),
                                                         ("bp_diastolic", 78.0))], now)
    (message,) = _pcd01s(chair, last)
    assert {s[14] for s in segments(message) if s[0] == "OBX"} == {hl7_time(now.wall)}


def test_a_value_of_that_monitor_entered_in_error_is_withdrawn_where_it_went(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    _a_minute_of_the_monitor(chair)
    last = _last_id(chair)
    chair.t(10)
    now = chair.clock.now()
    chair.engine.ingest_message([Reading("resp_rate", 31.0, metric("resp_rate").unit,
                                         now.wall - BEHIND, now.wall, "hl7:SIM")], now)
    (sent,) = _pcd01s(chair, last)
    (row,) = chair.log.conn.execute(
        "SELECT max(id) FROM observations WHERE metric = 'resp_rate'").fetchone()
    last = _last_id(chair)
    chair.t(5)
    assert chair.engine.void(row, "resp_rate", NURSE, chair.clock.now(), "probe artefact").done
    (withdrawal,) = _pcd01s(chair, last)
    (obx,) = [s for s in segments(withdrawal) if s[0] == "OBX"]
    (sent_obx,) = [s for s in segments(sent) if s[0] == "OBX"]
    assert obx[11] == "W"
    assert [obx[i] for i in (3, 4, 5, 14)] == [sent_obx[i] for i in (3, 4, 5, 14)]
    (taken_back,) = read_pcd01(withdrawal, chair.clock.now().wall).withdrawn
    assert taken_back.measured_at == now.wall   # not two hours before the session


def test_a_monitor_whose_clock_is_right_keeps_its_own_times():
    at = START + timedelta(minutes=5)
    measured = at - timedelta(seconds=2)
    composer = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                           ManualClock(at), readings=lambda _s: (START, []))
    (message,) = composer.compose([ObservationRecord(1, "heart_rate", 72.0, "beats/min",
                                                     "hl7:SIM", measured, at, "engine")],
                                  lambda: "log-9")
    (obx,) = [s for s in segments(message.message) if s[0] == "OBX"]
    assert obx[14] == hl7_time(measured)
