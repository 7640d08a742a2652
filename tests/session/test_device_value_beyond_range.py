"""A Dräger Infinity sends a value beyond what it measures as a structured-numeric limit: `<^5`
breaths/min, `<^50` % SpO2 (devices.md). That is the most severe reading it can send; it was
dropped as a "limit" the engine only counted, so a respiratory depression the monitor saw raised
nothing until the vital's absence rule, 20-30 s later and as "no value". The rule above all: the
alarm reaches the nurse. Kept as its limit, flagged, it is judged by the alarm limits."""

from __future__ import annotations

from console.session import feed
from console.session.journal import describe
from devices.hl7.decoder import decode_message
from devices.profiles import code_maps
from devices.transport import DeviceEvent, EventKind
from tests.session.helpers import Session


def infinity_sends(s: Session, obx: str, control_id: str) -> bool:
    now = s.now()
    at = now.wall.strftime("%Y%m%d%H%M%S+0000")
    message = (f"MSH|^~\\&|Infinity Gateway|DRAEGER|||{at}||ORU^R01|{control_id}|P|2.3\r"
               f"OBR|1|||MONITORING|||{at}\r{obx}\r")
    result = decode_message(message.encode(), now.wall, dialects=code_maps())
    return feed.apply(s.engine, DeviceEvent(
        EventKind.DATA, "/dev/ttyUSB0", now.wall, now.mono, readings=tuple(result.readings),
        dropped=tuple(result.dropped), frames=result.frames), now)


def test_a_respiratory_rate_below_the_monitors_range_raises_the_low_rr_alarm() -> None:
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    assert infinity_sends(s, "OBX|1|SN|RR^^local^9279-1&1^^LOINC||<^5|/min^^ISO+|||||F", "D1")
    [(condition, priority, _)] = s.shown()
    assert (condition, priority) == ("resp_rate_low", "high")
    [row] = s.engine.alarms()
    assert "Respiratory rate <5 breaths/min" in row.message   # as the tile says it
    # The log and the event list keep what the monitor said: below its range, not "5".
    [rr] = [o for o in s.recorder.observations() if o.metric == "resp_rate"
            and o.source != "manual"]
    assert rr.value == 5 and rr.flags == {"<"}
    assert "[below the monitor's range]" in describe(rr)
    assert not s.recorder.events("device_dropped")


def test_a_saturation_below_the_monitors_range_raises_the_low_spo2_alarm() -> None:
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    assert infinity_sends(s, "OBX|1|SN|SpO2^^local^59408-5&1^^LOINC||<^50|%^^ISO+|||||F", "D2")
    assert [(c, p) for c, p, _ in s.shown()] == [("spo2_low", "high")]
