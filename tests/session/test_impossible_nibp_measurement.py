"""An impossible device NIBP is one measurement, dropped whole and said once (review 46).

A monitor's NIBP whose diastolic is not below its systolic is not the patient's BP
(`_without_impossible_bp`), yet two gaps were left:
- the same measurement's mean pressure (and the cuff's pulse) was kept: an 80/125 artefact was
  logged, charted and exported as a patient's MAP of 110;
- a monitor repeats its last NIBP in every message with the measurement's own time (a plausible
  one is logged once, `_is_repeat`): the impossible one logged a `device_dropped` row per message,
  a row a second until the next cuff measurement, burying the drops that matter. Its alarm is
  still held while the monitor keeps sending it, and a restart knows the repeats too."""

from __future__ import annotations

from console.session import feed
from console.store import EventLog
from devices.hl7.decoder import decode_message
from devices.transport import DeviceEvent, EventKind
from tests.session.helpers import Session
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401


def _message(at: str, control_id: str, systolic: int, diastolic: int, mean: int) -> bytes:
    """An NIBP with its mean (OBX MDC_PRESS_BLD_NONINV_MEAN) and cuff pulse, and an SpO2."""
    def obx(n: int, code: str, value: int, unit: str) -> str:
        return f"OBX|{n}|NM|{code}|1.1.9.{n}|{value}|{unit}|||||R|||{at}\r"
    mmhg = "266016^MDC_DIM_MMHG^MDC"
    return (f"MSH|^~\\&|MON||||{at}||ORU^R01|{control_id}|P|2.6\r"
            f"OBR|1|||NIBP|||{at}\r"
            + obx(1, "150021^MDC_PRESS_BLD_NONINV_SYS^MDC", systolic, mmhg)
            + obx(2, "150022^MDC_PRESS_BLD_NONINV_DIA^MDC", diastolic, mmhg)
            + obx(3, "150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", mean, mmhg)
            + obx(4, "149546^MDC_PULS_RATE_NON_INV^MDC", 72, "264864^MDC_DIM_BEAT_PER_MIN^MDC")
            + obx(5, "150456^MDC_PULS_OXIM_SAT_O2^MDC", 97, "262688^MDC_DIM_PERCENT^MDC")).encode()


def _send(s: Session, text: bytes) -> bool:
    now = s.now()
    result = decode_message(text, now.wall)
    return feed.apply(s.engine, DeviceEvent(
        EventKind.DATA, "/dev/ttyUSB0", now.wall, now.mono, readings=tuple(result.readings),
        dropped=tuple(result.dropped), frames=result.frames), now)


def _on_the_monitor(s: Session) -> str:
    """The infusion started (typed 120/80), the monitor connected: its cuff's measurement time."""
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    return s.now().wall.strftime("%Y%m%d%H%M%S+0000")


def _repeats(s: Session, measured: str, pressures: tuple[int, int, int], seconds: range) -> None:
    """The monitor sends its one NIBP measurement once a second, in a new message each time."""
    start = s.now().mono - s.origin
    for i in seconds:
        s.t(start + 1)
        start += 1
        assert _send(s, _message(measured, f"M{i}", *pressures))


def _device(s: Session, name: str) -> list[float]:
    return [o.value for o in s.recorder.observations() if o.metric == name and o.source == "hl7:MON"]


def _dropped(s: Session, log: EventLog) -> list[object]:
    return [e for _, e in log.events(s.engine.session_id) if e.kind == "device_dropped"]


def test_the_mean_and_cuff_pulse_of_an_impossible_nibp_are_not_the_patients() -> None:
    s = Session()
    _repeats(s, _on_the_monitor(s), (80, 125, 110), range(1))
    assert [_device(s, m) for m in ("bp_systolic", "bp_diastolic", "bp_mean")] == [[], [], []]
    assert [o.value for o in s.recorder.observations() if o.metric == "pulse_rate"] == []
    assert _device(s, "spo2") == [97]   # the rest of the message is read
    [dropped] = s.recorder.events("device_dropped")
    assert dropped.detail["counts"] == {"impossible-bp": 4}   # the whole measurement
    assert "NIBP 80/125 mmHg" in str(dropped.detail["example"])


def test_a_plausible_nibp_with_its_mean_is_logged_once() -> None:
    s = Session()
    _repeats(s, _on_the_monitor(s), (125, 80, 95), range(5))
    assert [_device(s, m) for m in ("bp_systolic", "bp_diastolic", "bp_mean")] == [
        [125], [80], [95]]
    assert s.recorder.events("device_dropped") == []


def test_an_impossible_nibp_repeated_is_said_once_and_its_alarm_held(log: EventLog) -> None:
    s = LoggedSession(log)
    measured = _on_the_monitor(s)
    _repeats(s, measured, (80, 125, 110), range(90))   # 90 s: past the alarm's 60 s hold
    assert len(_dropped(s, log)) == 1
    assert [o.condition for o in s.engine.alarms()] == ["device_implausible"]   # held
    assert [o.value for _, o in log.observations(s.engine.session_id) if o.metric == "spo2"] == [
        97] * 90
    restart(s, 2, reads_device=True)
    s.engine.device_state_changed("connected", s.now())
    _repeats(s, measured, (80, 125, 110), range(90, 95))   # the same measurement, after it
    assert len(_dropped(s, log)) == 1
    assert [o.condition for o in s.engine.alarms()] == ["device_implausible"]
    # The next cuff measurement, plausible, is the patient's; the alarm ends a minute later.
    later = s.now().wall.strftime("%Y%m%d%H%M%S+0000")
    _repeats(s, later, (118, 76, 90), range(95, 160))
    assert [o.value for _, o in log.observations(s.engine.session_id)
            if o.metric == "bp_systolic" and o.source == "hl7:MON"] == [118]
    assert s.engine.alarms() == []
    # One alarm throughout: not ended at the restart and raised again by the next repeat.
    assert [t.transition for _, t in log.alarm_events(s.engine.session_id)
            if t.condition == "device_implausible"] == ["raised", "cleared"]
