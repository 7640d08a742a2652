"""A monitor's NIBP whose diastolic is not below its systolic is an impossible value, not the
patient's blood pressure (clinical-defaults.md, alarm behaviour 7: an implausible value is a
technical alarm). Typed, the same pair is refused (`check_bp`); from the monitor, 80/125 (a cuff
artefact, or swapped rows) was logged, charted and alarmed as a high "Diastolic 125"."""

from __future__ import annotations

from datetime import datetime

from console.session import feed
from devices.hl7.decoder import decode_message
from devices.transport import DeviceEvent, EventKind
from tests.session.helpers import Session
from tests.session.test_resume import resume


def _nibp(stamp: datetime, systolic: int, diastolic: int, control_id: str,
          mean: int | None = None) -> bytes:
    at = stamp.strftime("%Y%m%d%H%M%S+0000")
    mean_row = "" if mean is None else (
        f"OBX|4|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.1.9.150023|{mean}|"
        f"266016^MDC_DIM_MMHG^MDC|||||R|||{at}\r")
    return (f"MSH|^~\\&|MON||||{at}||ORU^R01|{control_id}|P|2.6\r"
            f"OBR|1|||NIBP|||{at}\r"
            f"OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|{systolic}|"
            f"266016^MDC_DIM_MMHG^MDC|||||R|||{at}\r"
            f"OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|{diastolic}|"
            f"266016^MDC_DIM_MMHG^MDC|||||R|||{at}\r{mean_row}"
            f"OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|97|"
            f"262688^MDC_DIM_PERCENT^MDC|||||R|||{at}\r").encode()


def monitor_sends(s: Session, systolic: int, diastolic: int, control_id: str,
                  mean: int | None = None) -> bool:
    now = s.now()
    result = decode_message(_nibp(now.wall, systolic, diastolic, control_id, mean), now.wall)
    return feed.apply(s.engine, DeviceEvent(
        EventKind.DATA, "/dev/ttyUSB0", now.wall, now.mono, readings=tuple(result.readings),
        dropped=tuple(result.dropped), frames=result.frames), now)


def logged(s: Session, name: str) -> list[float]:
    return [o.value for o in s.recorder.observations()
            if o.metric == name and o.source == "hl7:MON"]


def test_a_device_bp_with_the_diastolic_above_the_systolic_is_an_impossible_value() -> None:
    s = Session()
    s.to_infusion()   # typed 120/80
    s.engine.device_state_changed("connected", s.now())
    start = s.now().mono - s.origin
    assert monitor_sends(s, 80, 125, "M1")    # committed: its AA is due
    # Not the patient's BP: not logged as an observation, not charted, no BP alarm ...
    assert logged(s, "bp_systolic") == [] and logged(s, "bp_diastolic") == []
    latest = s.engine.latest("bp_diastolic")
    assert latest is not None and latest.reading.value == 80
    assert logged(s, "spo2") == [97]           # the rest of the message is read
    # ... but a technical alarm naming the pair, and the values as sent in the log.
    assert [(c, p) for c, p, _ in s.shown()] == [("device_implausible", "medium")]
    [row] = s.engine.alarms()
    assert row.message == "Impossible value from the monitor, not used: check the sensor"
    assert "NIBP 80/125 mmHg" in row.detail and "diastolic 125 not below systolic 80" in row.detail
    [dropped] = s.recorder.events("device_dropped")
    assert dropped.detail["counts"] == {"impossible-bp": 2}
    assert "NIBP 80/125 mmHg from hl7:MON" in str(dropped.detail["example"])
    # A restart keeps it; it ends a minute after the last impossible pair.
    s.t(start + 5)
    engine = resume(s, 10)
    assert [o.condition for o in engine.alarms()] == ["device_implausible"]
    engine.tick(s.clock.advance(50))
    assert engine.alarms() == []


def test_a_plausible_device_bp_is_logged_as_before() -> None:
    s = Session()
    s.to_infusion()
    assert monitor_sends(s, 125, 80, "M1")
    assert logged(s, "bp_systolic") == [125] and logged(s, "bp_diastolic") == [80]
    assert s.shown() == [] and s.recorder.events("device_dropped") == []


def test_a_device_cuff_whose_mean_is_not_between_its_pressures_is_an_impossible_value() -> None:
    """Rows each timed by their own OBX-14 are judged here, not by the decoder: a mean equal to
    the diastolic (120/80, mean 80: a digit lost, a cuff artefact) was logged and charted as
    the patient's MAP, where the same cuff timed by its OBR-7 is dropped as impossible."""
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    assert monitor_sends(s, 120, 80, "M1", mean=80)
    assert logged(s, "bp_mean") == [] and logged(s, "bp_systolic") == []
    assert [(c, p) for c, p, _ in s.shown()] == [("device_implausible", "medium")]
    [row] = s.engine.alarms()
    assert "NIBP 120/80 (80) mmHg" in row.detail and "not diastolic < mean < systolic" in row.detail
    s.t(s.now().mono - s.origin + 60)
    assert monitor_sends(s, 122, 78, "M2", mean=93)   # the next cuff, whole: logged as sent
    assert logged(s, "bp_mean") == [93] and logged(s, "bp_systolic") == [122]
