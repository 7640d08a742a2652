"""A value the nurse marks entered in error is withdrawn on the network: it went to the interface
engine (EHR) and the central as a final result (OBX-11 F), and nothing told them it was never
measured. The withdrawal is a PCD-01 that repeats the observation as first sent (its order, OBR-3;
OBX-3, OBX-4, OBX-14, value) with OBX-11 W, HL7 table 0085 "post original as wrong", committed
with the `entered_in_error` event through the outbox. The central reads it as the value taken
back, never as a new value."""

from __future__ import annotations

from datetime import timedelta

from console.clock import ManualClock
from console.network.composer import PCD01, PcdComposer
from console.network.pcd import PatientShown, pcd01, segments
from console.network.pcd_read import read_pcd01
from console.records import EventRecord, ObservationRecord
from tests.network.test_composer_state import STATION, Chair
from tests.session.helpers import START

NURSE = "nurse.ana"


def _pcd01s(chair: Chair, after: int = 0) -> list[tuple[int, str]]:
    return [(i, m) for i, m in chair.log.conn.execute(
        "SELECT id, message FROM outbox WHERE kind = 'pcd01' AND id > ? ORDER BY id", [after])]


def _rows(message: str, name: str) -> list[list[str]]:
    return [s for s in segments(message) if s[0] in ("OBR", "OBX") and (
        s[0] == "OBR" or name in s[3])]


def test_a_typed_value_entered_in_error_is_posted_as_wrong_as_it_was_sent(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    _, typo = chair.engine.enter_manual_row("bp_systolic", 250, NURSE, chair.clock.now())
    assert typo is not None
    ((last, sent),) = [(i, m) for i, m in _pcd01s(chair) if "|250|" in m]
    chair.t(5)
    assert chair.engine.void(typo, "bp_systolic", NURSE, chair.clock.now(), "typed 250").done
    after = [m for _, m in _pcd01s(chair, last)]
    assert len(after) == 1, after
    (obr, obx), (sent_obr, sent_obx) = (_rows(after[0], "NONINV_SYS"),
                                        _rows(sent, "NONINV_SYS"))
    assert obx[11] == "W" and sent_obx[11] == "F"
    # The same order and the same observation: OBR-3, OBX-3, OBX-4, value, OBX-14, who, how.
    assert obr[3] == sent_obr[3]
    assert [obx[i] for i in (3, 4, 5, 6, 14, 16, 17)] == \
        [sent_obx[i] for i in (3, 4, 5, 6, 14, 16, 17)]
    # Read at the central: the 250 taken back, no new value.
    report = read_pcd01(after[0], chair.clock.now().wall)
    assert report.observations == ()
    assert [(o.metric, o.value, o.measured_at, o.manual) for o in report.withdrawn] == [
        ("bp_systolic", 250, read_pcd01(sent, START).observations[0].measured_at, True)]


def test_the_withdrawal_names_the_value_among_others_sent_with_it():
    # A systolic and a diastolic in one message: the diastolic's OBX-4 was 1.0.0.2 there, and
    # the withdrawal must say 1.0.0.2 (OBX-3 + OBX-4 is what a receiver matches it by), whatever
    # the composer remembers (a restart: it remembers nothing).
    at = START + timedelta(minutes=3)
    systolic, diastolic = (
        ObservationRecord(1, name, value, "mmHg", "manual", at, at, NURSE)
        for name, value in (("bp_systolic", 128.0), ("bp_diastolic", 40.0)))
    first = pcd01([systolic, diastolic], control_id="log-7", sent_at=at, station=STATION,
                  patient=PatientShown("P-001"))
    composer = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                           ManualClock(at + timedelta(seconds=30)),
                           observation={12: diastolic}.get,
                           sent_observations=lambda _session: [first])
    voided = EventRecord(1, at + timedelta(seconds=30), "entered_in_error", NURSE,
                         {"observation": 12, "metric": "bp_diastolic", "value": 40.0,
                          "reason": "typed 40"})
    (message,) = composer.compose([voided], lambda: "log-9")
    assert message.kind == PCD01
    (obr, obx) = _rows(message.message, "NONINV_DIA")
    assert obr[3] == _rows(first, "NONINV_DIA")[0][3]             # the order first sent
    assert (obx[4], obx[5], obx[11]) == ("1.0.0.2", "40", "W")
    # Nothing went out (the network was not set up then): there is nothing to withdraw.
    quiet = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                        ManualClock(at), observation={12: diastolic}.get,
                        sent_observations=lambda _session: [])
    assert quiet.compose([voided], lambda: "log-9") == []


def test_the_central_reads_a_wrong_result_as_taken_back_beside_the_values_that_stand():
    # Another sender may put a W row beside results (HL7 lets any OBX of an order be posted
    # as wrong): the values stand, the W row is the value taken back, a scale still counted
    # as left out. D (delete) is read as W is.
    at = START + timedelta(minutes=3)
    records = [ObservationRecord(1, name, value, unit, "manual", at, at, NURSE)
               for name, value, unit in (("heart_rate", 72.0, "beats/min"),
                                         ("bp_systolic", 250.0, "mmHg"),
                                         ("spo2", 96.0, "%"), ("moaas", 4.0, "score"))]
    message = pcd01(records, control_id="X-1", sent_at=at, station=STATION,
                    patient=PatientShown("P-001"))
    rows = message.split("\r")
    for i, row in enumerate(rows):
        if "NONINV_SYS" in row or "SAT_O2" in row:
            fields = row.split("|")
            fields[11] = "W" if "NONINV_SYS" in row else "D"
            rows[i] = "|".join(fields)
    report = read_pcd01("\r".join(rows), at)
    assert [(o.metric, o.value) for o in report.observations] == [("heart_rate", 72)]
    assert [(o.metric, o.value, o.measured_at, o.manual) for o in report.withdrawn] == [
        ("bp_systolic", 250, at, True), ("spo2", 96, at, True)]
    assert report.dropped == 1
