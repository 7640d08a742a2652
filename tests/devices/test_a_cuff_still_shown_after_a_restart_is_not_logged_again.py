"""A cuff without a time still on the monitor after "Restart and resume" is the one the log holds,
for every decoder that keeps the connection's NIBP memory (devices.stream.UnplacedNibp `resume`):
an Ivy's (devices/ansar_b.py) and an IntelliVue's with its clock never set
(devices/intellivue/numerics.py), as the HL7 decoder's. They compared it with nothing logged: the
Ivy's cuff was logged a second time "measured at an unknown time" after the restart, where a
replug (live) logs nothing (tests/devices/test_nibp_memory.py)."""

from __future__ import annotations

from pathlib import Path

from console.store import EventLog
from devices.formats import FORMATS
from devices.intellivue.decoder import IntelliVueDecoder
from devices.stream import UnplacedNibp
from tests.devices.test_cuff_pulse import CUFF_STAMP, RX, sample_with_a_cuff_measurement
from tests.devices.test_nibp_memory import IVY, deliver, ivy_frame
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401

CUFF = "NIBP=4;150;95;113;80;;"


def monitor_systolic(log: EventLog, s: LoggedSession) -> list[float]:
    return [o.value for _, o in log.observations(s.engine.session_id)
            if o.metric == "bp_systolic" and o.source != "manual"]


def ivy_cuff_seen_come_then_restarted(log: EventLog) -> tuple[LoggedSession, UnplacedNibp]:
    """An Ivy's cuff 150/95 seen come at 20 s and shown after; "Restart and resume" at 60 s: the
    new connection's memory from the log, as `SessionController.attach_device` makes it."""
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    decoder = FORMATS["ansar-b"].new_decoder(IVY, UnplacedNibp())
    for n in range(1, 40):   # no cuff yet, then 150/95
        s.t(n)
        deliver(s, decoder, IVY, ivy_frame("NIBP=4;;;;;;" if n < 20 else CUFF))
    assert monitor_systolic(log, s) == [150]
    s.t(60)
    restart(s, 0, reads_device=True)
    s.engine.device_state_changed("connected", s.now())
    nibp = UnplacedNibp()
    nibp.resume(r for _, r in log.observations(s.engine.session_id))
    return s, nibp


def test_an_ivy_cuff_still_shown_after_a_restart_is_not_logged_again(
        log: EventLog) -> None:  # noqa: F811
    s, nibp = ivy_cuff_seen_come_then_restarted(log)
    decoder = FORMATS["ansar-b"].new_decoder(IVY, nibp)
    # 61-69 s: the same cuff still on the monitor: no second row.
    for n in range(61, 70):
        s.t(n)
        deliver(s, decoder, IVY, ivy_frame(CUFF))
    assert monitor_systolic(log, s) == [150]
    # 70 s: a new cuff, seen come: logged.
    s.t(70)
    deliver(s, decoder, IVY, ivy_frame("NIBP=4;135;85;102;78;;"))
    assert monitor_systolic(log, s) == [150, 135]


def test_an_ivy_cuff_whose_pulse_field_changed_is_still_the_cuff_logged_after_a_restart(
        log: EventLog) -> None:  # noqa: F811
    # The pulse field (f4) is no part of the Ivy's rule (`NibpRepeats`: the simulator sends the
    # current pulse there): after the restart as live, the same pressures are the same cuff.
    s, nibp = ivy_cuff_seen_come_then_restarted(log)
    decoder = FORMATS["ansar-b"].new_decoder(IVY, nibp)
    s.t(61)
    deliver(s, decoder, IVY, ivy_frame("NIBP=4;150;95;113;84;;"))
    assert monitor_systolic(log, s) == [150]


def test_an_intellivue_cuff_without_a_usable_time_still_polled_after_a_restart_is_a_repeat(
        samples_dir: Path) -> None:
    # The monitor's clock never set: the NBP (handle 0x8272) and its cuff pulse (0x8275) are
    # reported once, of unknown age; the session logged them before the restart.
    message = sample_with_a_cuff_measurement(samples_dir).replace(CUFF_STAMP, b"\xff" * 8)
    logged = IntelliVueDecoder("lan", lan=True).feed(message, RX).readings
    assert len(logged) == 4
    # After "Restart and resume" the new connection's memory starts from the log: the same
    # cuff polled again is a repeat, each handle's rows compared with the logged rows of its
    # vitals.
    nibp = UnplacedNibp()
    nibp.resume(logged)
    again = IntelliVueDecoder("lan", lan=True, unplaced=nibp).feed(message, RX)
    assert again.readings == []
    assert [d.detail.split(" handle ")[1][:6] for d in again.dropped
            if d.reason == "nibp-repeat"] == ["0x8272", "0x8275"]
