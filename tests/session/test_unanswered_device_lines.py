"""A device that nobody answers never sends a line twice: each line is a new reading, however alike.

A Masimo (ASCII 1) line carries no message id and gets no ACK. With its clock stuck (devices.md:
"device clocks stuck years in the past") it stamps every line with the same time; with steady
values every line after the first was taken for a resend of the last (value and measured time
alike): not logged, not fed to the alarms, and "No SpO2" raised while SpO2 98 came every second.
"""

from __future__ import annotations

from console.session import feed
from devices.masimo import decode_line
from devices.transport import DeviceEvent, EventKind
from tests.session.helpers import Session
from tests.session.test_device_resend import RefusingLog

STUCK = b"01/01/00 00:00:00 SN=0000093112 SPO2=098% BPM=072 PI=03.20 ALARM=0000 EXC=000000"


def oximeter_sends(s: Session, line: bytes = STUCK) -> bool:
    now = s.now()
    result = decode_line(line, now.wall)
    assert [(r.metric, r.value) for r in result.readings] == [("spo2", 98.0), ("pulse_rate", 72.0)]
    return feed.apply(s.engine, DeviceEvent(
        EventKind.DATA, "/dev/ttyUSB0", now.wall, now.mono, readings=tuple(result.readings),
        dropped=tuple(result.dropped), frames=result.frames), now)


def test_steady_lines_of_an_oximeter_with_a_stuck_clock_are_each_a_reading() -> None:
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    start = s.now().mono - s.origin
    for second in range(45):
        s.t(start + second)
        assert oximeter_sends(s)
    assert [c for c, _, _ in s.shown() if c.startswith("spo2")] == []   # no "No SpO2"
    assert len([o for o in s.recorder.observations() if o.metric == "spo2"]) == 45
    assert s.recorder.events("device_resent") == []


def test_while_the_log_refuses_writes_each_line_is_held() -> None:
    # Nobody answers the oximeter AE, so nothing comes again: a line alike a held one had been
    # taken for its resend and lost.
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    log = RefusingLog(s)
    for second in range(1, 4):
        s.t(start + second)
        assert oximeter_sends(s) is False   # held in memory
    held = [r for r in s.engine.writes.held if getattr(r, "metric", "") == "spo2"]
    assert len(held) == 3
    log.refusing = False
    s.t(start + 10)
    assert len([o for o in s.recorder.observations() if o.metric == "spo2"]) == 3
