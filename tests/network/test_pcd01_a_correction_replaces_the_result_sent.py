"""A value corrected at the chair replaces, on the network, the result it corrects. HL7 table 0085:
OBX-11 C "record coming over is a correction and thus replaces a final result"; a receiver finds
that result by its order (OBR-3), OBX-3 and OBX-4. The C went in an order of its own, under an
OBX-4 of its own, dated when the correction was typed: the interface engine kept the typed 250
as final and filed 150 as a second, later systolic. Now the correction goes alone, in the order
and under the OBX-4 and OBX-14 the corrected value went with (found in the outbox, as a value
entered in error is withdrawn: test_composer_withdrawn.py); a correction of a value that never
went out goes as a final result, dated at the measurement it stands for."""

from __future__ import annotations

from datetime import timedelta

from console.clock import ManualClock
from console.network.composer import PCD01, PcdComposer
from console.network.pcd import PatientShown, pcd01, segments
from console.network.pcd_read import read_pcd01
from console.records import ObservationRecord
from console.session.entry import Accepted
from devices.reading import Reading
from protocols.vitals import metric
from tests.central.helpers import Central, MemoryLog
from tests.network.test_composer_state import STATION, Chair
from tests.session.helpers import START

NURSE = "nurse.ana"


def _pcd01s(chair: Chair, after: int = 0) -> list[tuple[int, str]]:
    return [(i, m) for i, m in chair.log.conn.execute(
        "SELECT id, message FROM outbox WHERE kind = 'pcd01' AND id > ? ORDER BY id", [after])]


def _last_id(chair: Chair) -> int:
    (last,) = chair.log.conn.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()
    return int(last)


def _rows(message: str, name: str) -> tuple[list[str], list[list[str]]]:
    """OBR and the OBX rows of vital `name` (its MDC reference id) of one message."""
    obr = next(s for s in segments(message) if s[0] == "OBR")
    return obr, [s for s in segments(message) if s[0] == "OBX" and name in s[3]]


def _replaces(correction: str, sent: str, name: str) -> None:
    """`correction` is one C row that a receiver matches to `name`'s row in `sent`."""
    obr, (obx,) = _rows(correction, name)
    sent_obr, (sent_obx,) = _rows(sent, name)
    assert obx[11] == "C" and sent_obx[11] == "F"
    assert len([s for s in segments(correction) if s[0] == "OBX"]) == 1   # alone in its order
    got = (obr[3], obx[3], obx[4], obx[14])
    first = (sent_obr[3], sent_obx[3], sent_obx[4], sent_obx[14])
    assert got == first, f"C sent as {got}, the result it replaces was {first}"


def test_a_corrected_typed_value_replaces_the_result_sent(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    _, typo = chair.engine.enter_manual_row("bp_systolic", 250, NURSE, chair.clock.now(),
                                            confirmed=True)
    assert typo is not None
    ((last, sent),) = [(i, m) for i, m in _pcd01s(chair) if "|250|" in m]
    # 90 s later the nurse corrects it: the cuff read 150.
    chair.t(90)
    verdict = chair.engine.correct(typo, "bp_systolic", 150, NURSE, chair.clock.now(),
                                   reason="typed 250, cuff read 150")
    assert isinstance(verdict, Accepted), verdict
    (correction,) = [m for _, m in _pcd01s(chair, last) if "|150|" in m]
    _replaces(correction, sent, "NONINV_SYS")
    _, (obx,) = _rows(correction, "NONINV_SYS")
    assert (obx[5], obx[16], obx[17].split("^")[0]) == ("150", NURSE, "MMEAS")
    # The central and a receiver read it at the measurement's time, not the correction's.
    (read,) = read_pcd01(correction, chair.clock.now().wall).observations
    assert read.measured_at == read_pcd01(sent, START).observations[0].measured_at


def test_a_monitors_bp_corrected_half_by_half_replaces_each_half_where_it_was_sent(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    chair.t(10)
    now = chair.clock.now()
    cuff = now.wall - timedelta(seconds=40)   # the cuff took 40 s
    readings = [Reading(name, value, metric(name).unit, cuff, now.wall, "hl7:SIM", path)
                for name, value, path in (("bp_systolic", 128.0, "1.1.9.1"),
                                          ("bp_diastolic", 84.0, "1.1.9.2"))]
    chair.engine.ingest_message(readings, now)
    ((last, sent),) = [(i, m) for i, m in _pcd01s(chair) if "|128|" in m]
    rows = dict(chair.log.conn.execute(
        "SELECT metric, max(id) FROM observations WHERE source = 'hl7:SIM' GROUP BY metric"))
    # The systolic was misread: the nurse corrects it, then the diastolic.
    chair.t(30)
    assert isinstance(chair.engine.correct(rows["bp_systolic"], "bp_systolic", 138, NURSE,
                                           chair.clock.now(), "cuff moved"), Accepted)
    chair.t(30)
    assert isinstance(chair.engine.correct(rows["bp_diastolic"], "bp_diastolic", 88, NURSE,
                                           chair.clock.now(), "cuff moved"), Accepted)
    after = [m for _, m in _pcd01s(chair, last)]
    (systolic,) = [m for m in after if "|138|" in m]
    (diastolic,) = [m for m in after if "|88|" in m]
    _replaces(systolic, sent, "NONINV_SYS")
    _replaces(diastolic, sent, "NONINV_DIA")
    assert _rows(systolic, "NONINV_SYS")[1][0][4] == "1.1.9.1"
    assert _rows(diastolic, "NONINV_DIA")[1][0][4] == "1.1.9.2"


def test_a_correction_corrected_again_replaces_the_same_result(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    _, typo = chair.engine.enter_manual_row("heart_rate", 150, NURSE, chair.clock.now(),
                                            confirmed=True)
    assert typo is not None
    ((last, sent),) = [(i, m) for i, m in _pcd01s(chair) if "|150|" in m]
    chair.t(20)
    assert isinstance(chair.engine.correct(typo, "heart_rate", 105, NURSE, chair.clock.now(),
                                           "meant 105", confirmed=True), Accepted)
    (first,) = chair.log.conn.execute(
        "SELECT max(id) FROM observations WHERE corrects = ?", [typo]).fetchone()
    chair.t(20)
    assert isinstance(chair.engine.correct(first, "heart_rate", 95, NURSE, chair.clock.now(),
                                           "read again: 95", confirmed=True), Accepted)
    (again,) = [m for _, m in _pcd01s(chair, last) if "|95|" in m]
    _replaces(again, sent, "HEART_RATE")


def test_a_correction_of_a_value_never_sent_goes_as_a_final_result_of_its_measurement():
    # The typo went nowhere (the network was set up after it): there is no result to replace.
    at = START + timedelta(minutes=3)
    typo = ObservationRecord(1, "bp_systolic", 250.0, "mmHg", "manual", at, at, NURSE)
    later = at + timedelta(minutes=2)
    correction = ObservationRecord(1, "bp_systolic", 150.0, "mmHg", "manual", later, later,
                                   NURSE, corrects=12)
    composer = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                           ManualClock(later), observation={12: typo}.get,
                           sent_observations=lambda _session: [])
    (message,) = composer.compose([correction], lambda: "log-9")
    assert message.kind == PCD01
    obr, (obx,) = _rows(message.message, "NONINV_SYS")
    assert obr[3].startswith("log-9^")          # an order of its own
    assert (obx[5], obx[11]) == ("150", "F")   # nothing to replace: a final result
    (read,) = read_pcd01(message.message, later).observations
    assert read.measured_at == at              # the measurement it stands for


def test_the_central_draws_the_corrected_value_in_place_of_the_typo():
    # The central places a typed value at its OBX-14 and takes one value per (vital, time),
    # the PCD-01's winning: the C at the typo's time replaces it (board.py `trend`).
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(120)
    central.deliver(chair.status())
    _, row = chair.s.engine.enter_manual_row("bp_systolic", 250, NURSE, central.now(),
                                             confirmed=True)
    assert row is not None
    typo = chair.observations()[-1]
    topic, first = chair.pcd01([typo])
    central.deliver((topic, first))
    central.t(150)
    central.deliver(chair.status())
    assert isinstance(chair.s.engine.correct(row, "bp_systolic", 150, NURSE, central.now(),
                                             "typed 250, cuff read 150"), Accepted)
    composer = PcdComposer(chair.station, lambda _s: PatientShown(chair.patient),
                           frozenset({"bus"}), central.clock, observation={row: typo}.get,
                           sent_observations=lambda _session: [first.decode()])
    (message,) = composer.compose([chair.observations()[-1]], lambda: "OBS-C")
    central.deliver((topic, message.message.encode()))
    drawn = [(t, v) for t, v, _ in central.board.trend("chair-1").series["bp_systolic"]]
    assert [v for _, v in drawn if v in (150, 250)] == [150], drawn
    assert central.board.ignored == 0
