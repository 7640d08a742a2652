"""A bare HL7 message cut by the next message's header (the monitor started again mid-message, no
CR before the new MSH) is read without its cut row: that row's value is lost, so the console says
so ("Monitor message not read", as for the rest of a message its sender paused inside) and
answers AE, never AA, even once the rows it read are committed. It had been a count in "Device
data not used" and an AA: the monitor never sent the diastolic again."""

from __future__ import annotations

from datetime import datetime

from console.session import feed
from devices.hl7.decoder import HL7Decoder
from devices.stream import DecodeResult
from devices.transport import DeviceEvent, EventKind
from tests.session.helpers import Session


def _message(stamp: datetime, control_id: str, diastolic: str) -> bytes:
    at = stamp.strftime("%Y%m%d%H%M%S+0000")
    return (f"MSH|^~\\&|MON||||{at}||ORU^R01|{control_id}|P|2.6\r"
            f"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|97|"
            f"262688^MDC_DIM_PERCENT^MDC|||||R|||{at}\r"
            f"OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|128|"
            f"266016^MDC_DIM_MMHG^MDC|||||R|||{at}\r"
            f"OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|{diastolic}").encode()


def test_a_message_cut_by_the_next_ones_header_raises_not_read_and_is_answered_ae() -> None:
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    now = s.now()
    cut = _message(now.wall, "M1", "8")                    # the restart came inside "84"
    whole = _message(now.wall, "M2", "84|266016^MDC_DIM_MMHG^MDC|||||R\r")
    decoder = HL7Decoder("/dev/ttyUSB0")
    result = DecodeResult()
    result.extend(decoder.feed(cut + whole, now.wall))
    result.extend(decoder.quiet(now.wall))
    assert feed.apply(s.engine, DeviceEvent(
        EventKind.DATA, "/dev/ttyUSB0", now.wall, now.mono, readings=tuple(result.readings),
        dropped=tuple(result.dropped), frames=result.frames), now)
    # The first without its cut diastolic row, the second whole (its systolic is the cuff
    # measurement already logged).
    assert [(o.metric, o.value) for o in s.recorder.observations() if o.source == "hl7:MON"] == [
        ("spo2", 97), ("bp_systolic", 128), ("spo2", 97), ("bp_diastolic", 84)]
    [row] = [o for o in s.engine.alarms() if o.condition == "device_unreadable"]
    assert (row.priority.label, row.category) == ("medium", "technical")
    assert "MDC_PRESS_BLD_NONINV_DIA" in row.detail
    first, second = [reply.answer(True) for reply in result.replies]
    assert first.endswith(b"\rMSA|AE|M1\r") and second.endswith(b"\rMSA|AA|M2\r")
