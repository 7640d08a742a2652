"""A session logged under a clinic esketamine file whose pre-dose checklist has
"device-instructions" (the patient shown how to use the spray: no device), which an older console
let load. The review and the REMS draft counted every tick whose item began "device-" as a device
given: the draft listed the instructions as a device, and the header's first dose stood at their
tick, before T0 (a review of the protocols). Only `device-<n>` is a device
(`device_rest.device_number`), as the engine counts it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.clock import ManualClock
from console.export import rems
from console.review import content as rc
from console.review.queries import load_session, open_readonly
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.model import Protocol
from tests.review.scenarios import Driver
from tests.session.test_item_named_device_is_no_nasal_device import logged_esketamine

START = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)


class _Logged(Driver):
    """A `Driver` of a protocol given whole (a text a session logged), not a shipped file's id."""

    def __init__(self, log: EventLog, protocol: Protocol) -> None:
        self.clock = ManualClock(START)
        self.nurse = "nurse.ben"
        self.protocol = protocol
        self.engine = SessionEngine.open(protocol, log, Patient("MRN-E7", 64.0), self.nurse,
                                         self.clock.now(), session_number=1, chosen_mg=56)
        self.origin = self.clock.now().mono


def instructed_session(path: Path) -> int:
    """Instructions ticked at 10:00, T0 10:10, device 1 10:20, device 2 10:25, discharged 12:25
    (with a reason: the test's checks are not all recorded); the session's id."""
    log = EventLog.open(path, "test")
    try:
        r = _Logged(log, logged_esketamine("rems-enrolment", "device-instructions",
                                           "Patient shown how to use the nasal spray device"))
        r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        assert r.engine.tick_item("device-instructions", r.nurse, r.clock.now()).done
        r.tick_required()
        r.at(10); r.advance()                                           # T0
        r.at(20)
        assert r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A").done
        r.at(25)
        assert r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A").done
        r.advance()                                                     # Observation
        r.at(145)
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="for the test").done
        return r.id
    finally:
        log.close()


def test_the_review_and_the_rems_draft_count_only_the_devices_from_device_1(
        tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    sid = instructed_session(path)
    conn = open_readonly(path)
    try:
        detail = load_session(conn, sid, with_observations=True)
    finally:
        conn.close()
    form = rems.rems_form(detail, UTC)
    assert [d.item for d in form.devices] == ["device-1", "device-2"]
    assert form.observation_start == datetime(2026, 3, 6, 10, 20, tzinfo=UTC)
    header = dict(rc.header_fields(detail, UTC))
    assert header["T0 (first dose)"] == "10:20", header
