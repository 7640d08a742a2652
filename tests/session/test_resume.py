"""A session left open by a crash resumes with its phase, timers, ticks, baseline and alarms."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.clock import Moment
from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.engine import SessionEngine
from dataclasses import replace

from protocols.model import Protocol, VitalsCheck
from tests.session.helpers import HIGH, Session, iv_protocol

MIN = 60


def resume(s: Session, after_seconds: float, clock_behind_s: float = 0.0,
           protocol: Protocol | None = None, reads_device: bool = False,
           reports_audio: bool = False) -> SessionEngine:
    """Drop the engine (the crash) and rebuild it from what was committed; `clock_behind_s`: the
    restarted station's wall clock is that much slow (its monotonic clock runs on)."""
    later = s.clock.advance(after_seconds)
    now = Moment(later.mono, later.wall - timedelta(seconds=clock_behind_s))
    s.clock._now = now   # the clock as the restarted console reads it
    records = s.recorder.records
    return SessionEngine.resume(
        protocol or iv_protocol(), s.recorder, 1, s.recorder.opened[0],
        [r for r in records if isinstance(r, ObservationRecord)],
        [r for r in records if isinstance(r, EventRecord)],
        [r for r in records if isinstance(r, AlarmTransition)], now,
        reads_device=reads_device, reports_audio=reports_audio,
    )


def test_resume_restores_phase_timers_ticks_and_baseline():
    s = Session()
    s.to_infusion(systolic=130)
    start = s.now().mono - s.origin
    s.t(start + 12 * MIN); s.bp(140, 85); s.manual("heart_rate", 80)
    engine = resume(s, 3 * MIN)
    assert engine.phase.id == "infusion"
    times = engine.times(s.now())
    assert times.since_t0_s == 15 * MIN
    assert times.phase_remaining_s == 25 * MIN
    assert set(engine.ticks("pre")) == {"consent", "baseline_bp"}
    assert engine.baseline["bp_systolic"] == 130
    assert engine.latest("bp_systolic").reading.value == 140
    # The T+10 check was done at T+12, before the crash: met late, the next is due one interval
    # after it, at T+22.
    assert round(engine.due(s.now())[0].due_in_s) == 7 * MIN
    assert s.recorder.events("session_resumed")[0].detail["phase"] == "infusion"


def occurrence_rows(s: Session, occurrence: int) -> list[str]:
    return [r.transition for r in s.recorder.records
            if isinstance(r, AlarmTransition) and r.occurrence == occurrence]


def test_alarm_still_holding_at_resume_carries_on_as_the_same_occurrence():
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60); s.device("spo2", 89)
    old = s.engine.alarms()[0].id
    engine = resume(s, 30)
    # Same occurrence, still active and sounding; nothing was closed or raised again.
    assert [(o.id, o.condition, o.priority.label, o.state.value) for o in engine.alarms()] == [
        (old, "spo2_low", "high", "active")]
    assert engine.audio(s.now()).priority is HIGH
    assert occurrence_rows(s, old) == ["raised"]
    restored = s.recorder.events("session_resumed")[-1].detail["restored_occurrences"]
    assert restored == [{"occurrence": old, "condition": "spo2_low", "state": "active",
                         "priority": "high"}]


def test_latched_high_alarm_survives_a_restart_until_the_nurse_resets_it():
    s = Session()
    s.to_infusion()
    # SpO2 85 raises a high alarm; it recovers before anyone acknowledges: latched.
    s.t(s.now().mono - s.origin + 60); s.device("spo2", 85)
    s.t(s.now().mono - s.origin + 5); s.device("spo2", 97)
    old = s.engine.alarms()[0].id
    assert s.shown() == [("spo2_low", "high", "latched")]
    engine = resume(s, 20)
    # After the restart: the same occurrence, latched, sounding; no cleared row, no second latch.
    assert [(o.id, o.state.value) for o in engine.alarms()] == [(old, "latched")]
    assert engine.audio(s.now()).priority is HIGH
    assert occurrence_rows(s, old) == ["raised", "latched"]
    # Only the nurse's reset ends it.
    assert engine.acknowledge(old, "nurse.bo", s.now()).done
    assert occurrence_rows(s, old) == ["raised", "latched", "reset", "cleared"]
    assert engine.alarms() == []


def test_acknowledged_alarm_stays_silenced_and_its_reminder_keeps_its_clock():
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60); s.device("bp_systolic", 205)
    old = s.engine.alarms()[0].id
    assert s.engine.acknowledge(old, "nurse.ana", s.now()).done
    engine = resume(s, 100)   # 100 s after the acknowledgement
    assert [(o.id, o.state.value) for o in engine.alarms()] == [(old, "acknowledged")]
    assert engine.audio(s.now()).priority is None
    engine.tick(s.clock.advance(49))
    assert engine.audio(s.now()).priority is None
    engine.tick(s.clock.advance(1))   # 150 s after the acknowledgement: the reminder
    assert engine.audio(s.now()).priority is HIGH
    assert occurrence_rows(s, old) == ["raised", "acknowledged", "reminded"]


def test_acknowledged_alarm_whose_condition_ended_ends_by_the_normal_rule():
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60); s.device("spo2", 92)   # medium
    old = s.engine.alarms()[0].id
    s.engine.acknowledge(old, "nurse.ana", s.now())
    s.device("spo2", 97)   # back inside: it ends once inside 10 s (ACKNOWLEDGED_END_SECONDS)
    engine = resume(s, 5)   # killed before that: it comes back acknowledged, and then ends
    assert [(o.id, o.state.value) for o in engine.alarms()] == [(old, "acknowledged")]
    engine.tick(s.clock.advance(10))
    assert engine.alarms() == []
    assert occurrence_rows(s, old) == ["raised", "acknowledged", "cleared"]


def test_audio_pause_in_force_ends_at_restart_and_technical_alarms_are_evaluated_again():
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("disconnected", s.now(), "port lost: EIO")
    lost = s.engine.alarms()[0].id
    s.t(s.now().mono - s.origin + 30); s.device("spo2", 89)
    s.engine.pause_audio("nurse.ana", s.now())
    assert s.engine.audio(s.now()).priority is None
    engine = resume(s, 20)
    assert engine.audio(s.now()).priority is HIGH   # the pause did not survive the restart
    assert s.recorder.events("audio_resumed")[-1].detail["message"] == (
        "Audio pause ended: the console restarted")
    assert [o.condition for o in engine.alarms()] == ["spo2_low"]
    assert occurrence_rows(s, lost)[-1] == "cleared"
    assert s.recorder.events("session_resumed")[-1].detail["ended_occurrences"] == [lost]


def test_the_network_alarm_stands_through_a_restart_and_a_device_no_longer_read_ends_its_alarm():
    # The network alarm is about messages that wait in the log, not about the process: it comes
    # back as the same occurrence (the link then judges it: tests/network/test_link.py). The
    # device's ends when the restarted console reads no monitor (nothing would ever end it).
    from console.session.alarms import Raise
    from console.session.engine import NETWORK_UNCONFIRMED
    from protocols.model import Priority

    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("disconnected", s.now(), "port lost: EIO")
    s.engine.network_status(Raise(Priority.MEDIUM, "Clinic bus not confirming delivery"),
                            s.now(), "broker unreachable")
    network, lost = (next(o.id for o in s.engine.alarms() if o.condition == c)
                     for c in (NETWORK_UNCONFIRMED, "device_lost"))
    engine = resume(s, 20)
    assert [(o.id, o.condition, o.priority.label) for o in engine.alarms()] == [
        (network, NETWORK_UNCONFIRMED, "medium")]
    assert occurrence_rows(s, network) == ["raised"]
    assert occurrence_rows(s, lost)[-1] == "cleared"
    cleared = [t for t in s.recorder.records
               if isinstance(t, AlarmTransition) and t.occurrence == lost][-1]
    assert cleared.message.endswith("(ended by the restart: no monitor is read now)")


def device_alarm(engine: SessionEngine) -> list[tuple[int, str, str, str]]:
    return [(o.id, o.condition, o.priority.label, o.state.value) for o in engine.alarms()
            if o.condition in ("device_lost", "device_stale")]


def test_a_lost_monitor_stays_the_same_acknowledged_alarm_through_a_restart_until_its_first_frame():
    # R10: none ended by the restart. The monitor was gone before the crash and is gone after
    # it: the nurse's acknowledgement stands, and nothing new sounds for the same loss.
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("disconnected", s.now(), "port lost: EIO")
    lost = s.engine.alarms()[0].id
    assert s.engine.acknowledge(lost, "nurse.ana", s.now()).done
    engine = resume(s, 20, reads_device=True)
    assert device_alarm(engine) == [(lost, "device_lost", "medium", "acknowledged")]
    engine.device_state_changed("disconnected", s.now(), "cannot open /dev/ttyUSB0")
    engine.device_state_changed("connecting", s.now(), "opened /dev/ttyUSB0")
    s.t(s.now().mono - s.origin + 5); engine.tick(s.now())
    assert device_alarm(engine) == [(lost, "device_lost", "medium", "acknowledged")]
    assert occurrence_rows(s, lost) == ["raised", "acknowledged"]
    engine.device_state_changed("connected", s.now())
    assert device_alarm(engine) == []
    assert occurrence_rows(s, lost) == ["raised", "acknowledged", "cleared"]


def test_a_silent_monitor_stays_the_same_alarm_at_its_priority_through_a_restart():
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connecting", s.now(), "opened /dev/ttyUSB0")
    s.engine.device_state_changed("stale", s.now(), "4 s without a frame")
    s.t(s.now().mono - s.origin + 11); s.engine.tick(s.now())
    [(silent, _, priority, _)] = device_alarm(s.engine)
    assert priority == "medium"
    engine = resume(s, 20, reads_device=True)
    engine.device_state_changed("connecting", s.now(), "opened /dev/ttyUSB0")
    assert device_alarm(engine) == [(silent, "device_stale", "medium", "active")]
    engine.device_state_changed("stale", s.now(), "4 s without a frame")
    assert device_alarm(engine) == [(silent, "device_stale", "medium", "active")]
    assert "cleared" not in occurrence_rows(s, silent)
    engine.device_state_changed("connected", s.now())
    assert device_alarm(engine) == []
    assert occurrence_rows(s, silent)[-1] == "cleared"


def test_an_unavailable_speaker_stays_the_same_alarm_through_a_restart_until_it_works():
    s = Session()
    s.to_infusion()
    s.engine.audio_status(False, s.now(), "no sound card")
    [speaker] = [o.id for o in s.engine.alarms()]
    engine = resume(s, 20, reports_audio=True)
    assert [o.id for o in engine.alarms()] == [speaker]
    engine.audio_status(False, s.now(), "no sound card")
    assert occurrence_rows(s, speaker) == ["raised"]
    engine.audio_status(True, s.now())
    assert occurrence_rows(s, speaker) == ["raised", "cleared"]


def repeat_prompt(engine: SessionEngine) -> list[tuple[str, str, str]]:
    return [(o.condition, o.priority.label, o.state.value) for o in engine.alarms()
            if o.condition.startswith("vitals_due:Repeat")]


def test_a_repeat_bp_due_before_a_restart_still_escalates_and_clears_after_it():
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 60); s.bp(185, 85)          # medium: confirm with a repeat in 5 min
    s.t(start + 60 + 5 * MIN + 1)           # due: the prompt is up
    assert repeat_prompt(s.engine) == [("vitals_due:Repeat Systolic BP", "info", "active")]
    s.engine = resume(s, 30)
    s.t(start + 60 + 11 * MIN)              # overdue by 6 min: medium, as without the restart
    assert repeat_prompt(s.engine) == [("vitals_due:Repeat Systolic BP", "medium", "active")]
    s.bp(150, 85)                           # the nurse takes it: the prompt ends
    assert repeat_prompt(s.engine) == []


def test_a_repeat_taken_before_the_restart_is_not_asked_again():
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 60); s.bp(185, 85)
    s.t(start + 60 + 5 * MIN + 1)
    s.bp(150, 85)
    s.engine = resume(s, 30)
    s.t(start + 60 + 20 * MIN)
    assert repeat_prompt(s.engine) == []


def test_a_clock_behind_the_log_at_restart_keeps_the_timers_and_says_so():
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 60); s.device("spo2", 92)          # medium, acknowledged: reminded 150 s later
    s.engine.acknowledge(s.engine.alarms()[0].id, "nurse.ana", s.now())
    s.engine = resume(s, 30, clock_behind_s=3600)
    conditions = {o.condition: o for o in s.engine.alarms()}
    assert conditions["clock_behind"].priority.label == "low"
    assert conditions["clock_behind"].message == ("Station clock is behind this session's log: "
                                                   "check its date and time")
    # An hour of wrong clock does not push the reminder an hour away. The restart's 30 s cannot
    # be known from a wrong clock: the timers count as if the console restarted at once.
    s.t(start + 60 + 30 + 150)
    spo2 = next(o for o in s.engine.alarms() if o.condition == "spo2_low")
    assert spo2.state.value == "active"
    assert round(s.engine.due(s.now())[0].due_in_s) <= 10 * MIN
    # Once the clock is set right (NTP), the alarm ends.
    s.clock._now = Moment(s.clock._now.mono + 1, s.clock._now.wall + timedelta(hours=1))
    s.engine.tick(s.clock.now())
    assert "clock_behind" not in {o.condition for o in s.engine.alarms()}


def test_a_clock_a_few_seconds_behind_is_no_alarm():
    s = Session()
    s.to_infusion()
    s.engine = resume(s, 1, clock_behind_s=3)
    assert "clock_behind" not in {o.condition for o in s.engine.alarms()}


def typed_185() -> tuple[Session, float, int]:
    """An infusion where the nurse types systolic 185 a minute in (medium: a repeat is asked for
    in 5 min): the session, the time it was typed and its row."""
    s = Session()
    s.to_infusion()
    typed_at = s.now().mono - s.origin + 60
    s.t(typed_at)
    return s, typed_at, s.engine.enter_manual_row("bp_systolic", 185, "nurse.ana", s.now())[1]


def test_a_typing_error_put_right_asks_for_no_repeat_before_or_after_a_restart():
    # A typed 185 asks for a repeat in 5 min to confirm it; corrected to 135 at once, nothing
    # is left to confirm: no "Repeat Systolic BP" prompt at 5 min, no medium alarm at 10 (the
    # review's surge scenario showed "Vitals overdue by 5 min: Repeat Systolic BP" after a
    # corrected 250).
    s, typed_at, wrong = typed_185()
    assert s.shown()[0][:2] == ("bp_systolic_high", "medium")
    assert s.engine.correct(wrong, "bp_systolic", 135, "nurse.ana", s.now(), "typed 185 for 135")
    s.t(typed_at + 5 * MIN + 1)
    assert repeat_prompt(s.engine) == []
    s.engine = resume(s, 30)
    s.t(typed_at + 11 * MIN)
    assert repeat_prompt(s.engine) == []


def test_a_correction_that_still_violates_keeps_its_repeat():
    s, typed_at, wrong = typed_185()
    s.engine.correct(wrong, "bp_systolic", 188, "nurse.ana", s.now(), "typed 185 for 188")
    s.t(typed_at + 5 * MIN + 1)
    assert repeat_prompt(s.engine) == [("vitals_due:Repeat Systolic BP", "info", "active")]
    s.engine = resume(s, 30)
    assert repeat_prompt(s.engine) == [("vitals_due:Repeat Systolic BP", "info", "active")]


def test_a_value_entered_in_error_asks_for_no_repeat():
    s, typed_at, wrong = typed_185()
    assert s.engine.void(wrong, "bp_systolic", "nurse.ana", s.now(), "mis-click").done
    s.t(typed_at + 11 * MIN)
    assert repeat_prompt(s.engine) == []


def apnoea_unseen() -> tuple[Session, float, int]:
    """A connected monitor's RR 14, then no RR for 20 s: apnoea (high), not yet acknowledged.
    Returns the session, the infusion's start (seconds) and the alarm's occurrence."""
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    start = s.now().mono - s.origin
    s.t(start + 60); s.device("resp_rate", 14)
    s.t(start + 80)
    apnoea = s.engine.alarms()[0]
    assert (apnoea.condition, apnoea.message) == ("resp_rate_low", "No respiratory rate for 20 s")
    return s, start, apnoea.id


def apnoea_acknowledged() -> tuple[Session, float, int]:
    """`apnoea_unseen`, acknowledged."""
    s, start, apnoea = apnoea_unseen()
    assert s.engine.acknowledge(apnoea, "nurse.ana", s.now()).done
    return s, start, apnoea


def test_an_acknowledged_apnoea_alarm_stands_through_a_restart_until_a_breath_is_counted():
    # No RR is the patient's condition, not the process's: a restart neither ends it nor starts
    # its 20 s again (it was "ended by the restart" and raised anew 20 s after the monitor was
    # back, the log saying the apnoea had ended). IEC 60601-1-8: an alarm condition stands
    # until it has ceased.
    s, start, apnoea = apnoea_acknowledged()
    s.engine = resume(s, 15)
    assert [(o.id, o.state.value) for o in s.engine.alarms()] == [(apnoea, "acknowledged")]
    assert s.engine.alarms()[0].message == "No respiratory rate for 35 s"
    s.engine.device_state_changed("connecting", s.now(), "opened /dev/ttyUSB0")
    s.t(start + 80 + 17)
    s.engine.device_state_changed("connected", s.now())
    s.t(start + 80 + 30)       # 10 s after the monitor is back: still the same apnoea
    assert [(o.id, o.state.value) for o in s.engine.alarms()] == [(apnoea, "acknowledged")]
    assert occurrence_rows(s, apnoea) == ["raised", "acknowledged"]
    s.device("resp_rate", 12)  # breathing counted again: it ends by the normal rule
    s.t(start + 80 + 41)
    assert s.engine.alarms() == []
    assert occurrence_rows(s, apnoea) == ["raised", "acknowledged", "cleared"]


@pytest.mark.parametrize("device", ["stale", "disconnected"])
def test_an_acknowledged_apnoea_stands_when_the_monitor_then_goes_quiet(device):
    """The alarm audit: no RR for 20 s (high), acknowledged, then the monitor stale or lost:
    within a second the apnoea was logged "cleared" and a cyan "No data" stood in its place,
    though no breath had been counted; after the monitor came back a new apnoea took another
    20 s. It stands until a breath is counted."""
    s, _, apnoea = apnoea_acknowledged()
    s.engine.device_state_changed(device, s.now())
    for _ in range(30):
        s.engine.tick(s.clock.advance(1))
    assert ("resp_rate_low", "acknowledged") in [(o.condition, o.state.value)
                                                 for o in s.engine.alarms()]
    s.engine.device_state_changed("connected", s.now())
    s.engine.tick(s.clock.advance(5))
    (standing,) = [o for o in s.engine.alarms() if o.condition == "resp_rate_low"]
    assert standing.id == apnoea and standing.message.startswith("No respiratory rate for")
    assert occurrence_rows(s, apnoea) == ["raised", "acknowledged"]


def test_an_apnoea_alarm_carried_through_a_restart_stands_beside_a_lost_monitor():
    # The monitor lost after the breathing went missing says nothing of the breathing: both
    # stand, the apnoea until a breath is counted (the alarm audit: it was logged "cleared", as
    # if breathing had come back; clinical-defaults.md alarm behaviour 7).
    s, _, apnoea = apnoea_acknowledged()
    s.engine = resume(s, 15)
    s.engine.device_state_changed("disconnected", s.now(), "port lost: EIO")
    s.engine.tick(s.clock.advance(1))
    assert [(o.condition, o.state.value) for o in s.engine.alarms()] == [
        ("resp_rate_low", "acknowledged"), ("device_lost", "active")]
    assert "cleared" not in occurrence_rows(s, apnoea)
    s.engine.device_state_changed("connected", s.now())
    s.device("resp_rate", 13)   # a breath counted: the apnoea ends (acknowledged: 10 s on)
    s.engine.tick(s.clock.advance(11))
    assert occurrence_rows(s, apnoea)[-1] == "cleared"


def test_a_latched_apnoea_stays_latched_through_a_restart_not_raised_anew():
    # No RR for 20 s, unseen; breathing counted again before the kill (latched, waiting for its
    # reset). The restart's own silence is not the patient's: no new "No respiratory rate".
    s, start, apnoea = apnoea_unseen()
    s.t(start + 86); s.device("resp_rate", 13)
    assert s.shown() == [("resp_rate_low", "high", "latched")]
    s.engine = resume(s, 25)
    s.engine.device_state_changed("connecting", s.now(), "opened /dev/ttyUSB0")
    s.t(start + 86 + 25 + 15)
    assert [(o.id, o.state.value) for o in s.engine.alarms()] == [(apnoea, "latched")]
    assert occurrence_rows(s, apnoea) == ["raised", "latched"]


def prompts(engine: SessionEngine) -> list[tuple[str, str]]:
    return [(o.message, o.priority.label) for o in engine.alarms()
            if o.condition.startswith("vitals_due:")]


def test_a_fixed_time_check_carried_into_the_next_phase_stands_through_a_restart():
    # A check at T+45 set by Observation, not taken when the nurse moved on to Discharge: live
    # it stays (medium once 5 min overdue); the restart rebuilt only the current phase's checks
    # and ended it.
    base = iv_protocol()
    observation = replace(base.phases[2], checks=(
        VitalsCheck("Pre-discharge BP", (("bp_systolic",), ("bp_diastolic",)),
                    at_minutes_after_t0=(45,)),))
    protocol = replace(base, phases=(*base.phases[:2], observation, base.phases[3]))
    s = Session(protocol)
    s.to_infusion()
    t0 = s.now().mono - s.origin
    s.t(t0 + 40 * MIN)
    s.bp(125, 82); s.manual("heart_rate", 75)   # the infusion's checks met: none owed
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    s.t(t0 + 52 * MIN)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="escort waiting").done
    live = prompts(s.engine)
    assert live == [("Vitals overdue by 7 min: Pre-discharge BP at T+45 (Systolic BP, "
                     "Diastolic BP)", "medium")]
    s.engine = resume(s, 30, protocol=protocol)
    assert prompts(s.engine) == live
    s.bp(128, 80)
    assert prompts(s.engine) == []


def test_a_correction_is_no_new_measurement_for_a_due_check_after_a_restart():
    s = Session()
    s.to_infusion()
    t0 = s.now().mono - s.origin
    typed_hr = next(i for i, r in enumerate(s.recorder.records, start=1)
                    if isinstance(r, ObservationRecord) and r.metric == "heart_rate")
    s.t(t0 + 10 * MIN + 30); s.bp(122, 81)            # the T+10 check: BP taken, HR not yet
    assert s.engine.correct(typed_hr, "heart_rate", 76, "nurse.ana", s.now(), "typed 70, was 76")
    live = prompts(s.engine)
    assert live == [("Vitals due: BP and HR (Heart rate)", "info")]
    s.engine = resume(s, 10)
    assert prompts(s.engine) == live


def test_monitor_message_not_read_stands_through_a_restart_for_its_minute():
    # The values it says may be missing are missing after the restart too: it was ended "by the
    # restart" and never raised again.
    from devices.stream import DECODER_ERROR

    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    start = s.now().mono - s.origin
    s.t(start + 10)
    assert s.engine.ingest_message([], s.now(), dropped={DECODER_ERROR: 1},
                                   example="OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2", device="tty")
    unread = next(o.id for o in s.engine.alarms() if o.condition == "device_unreadable")
    s.engine = resume(s, 15)
    s.engine.device_state_changed("connected", s.now())
    s.t(start + 10 + 59)
    assert [o.id for o in s.engine.alarms()] == [unread]
    s.t(start + 10 + 60)          # a minute after the last such message, as live
    assert s.engine.alarms() == []


def test_an_apnoea_standing_when_the_monitor_was_lost_stands_through_a_restart():
    # The monitor lost after the breathing went missing: the apnoea stands (it had latched as
    # ended, the alarm audit), and through a restart it is the same occurrence, not a new one
    # (code review: it was ended "(returned)" and a new high raised).
    s, start, apnoea = apnoea_unseen()
    s.engine.device_state_changed("disconnected", s.now(), "port lost: EIO")
    s.t(start + 81)
    s.engine = resume(s, 25)
    s.engine.device_state_changed("connecting", s.now(), "opened /dev/ttyUSB0")
    s.engine.tick(s.clock.advance(1))
    assert [(o.id, o.state.value) for o in s.engine.alarms()
            if o.condition == "resp_rate_low"] == [(apnoea, "active")]
    assert occurrence_rows(s, apnoea) == ["raised"]


def test_vomiting_noted_before_a_restart_is_counted_after_it():
    s = Session()
    s.to_infusion()
    for minutes in (5, 9):
        s.t(s.now().mono - s.origin + minutes * MIN)
        assert s.engine.note("Vomiting", "nurse.ana", s.now(), kind="observation").done
    count, at = s.engine.observed("Vomiting")
    assert count == 2 and at == s.now().wall
    engine = resume(s, 3 * MIN)
    assert engine.observed("Vomiting") == (2, at)
    assert engine.observed("Rash") is None


def test_a_return_to_an_acknowledged_priority_is_still_acknowledged_after_a_restart():
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 60); s.device("resp_rate", 8)
    rr = s.engine.alarms()[0].id
    assert s.engine.acknowledge(rr, "nurse.ana", s.now()).done
    s.t(start + 62); s.device("resp_rate", 9)
    s.t(start + 64); s.device("resp_rate", 8)
    engine = resume(s, 10)
    assert [(o.id, o.priority.label, o.state.value) for o in engine.alarms()] == [
        (rr, "high", "acknowledged")]
    assert engine.audio(s.now()).priority is None


def test_a_scheduled_check_done_before_a_restart_is_done_after_it():
    """"REMS form fields complete … BP at T+40, pre-discharge BP" needs those checks done
    (`needs_checks`): their readings, replayed at a restart, still count."""
    from protocols.loader import builtin_protocols_dir, load_protocol

    esketamine = load_protocol(builtin_protocols_dir() / "esketamine.toml")
    s = Session(esketamine)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done   # T0
    start = s.now().mono - s.origin
    while s.engine.phase.kind.value != "discharge":
        assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done
    for minutes in (40, 115):
        s.t(start + minutes * MIN)
        s.bp(126, 82)
        s.manual("heart_rate", 70)
    resumed = resume(s, 60, protocol=esketamine)
    assert resumed.tick_item("rems-form", "nurse.ana", s.now()).done


def test_a_rise_above_the_baseline_stands_through_a_restart_after_the_clock_stepped_back():
    # NTP set the station clock back 10 min a minute after T0; a BP 45 above the baseline then
    # alarmed. The restart judged the readings stamped before T0's logged time as taken before
    # it (against no baseline), and the sounding alarm ended at the restart (the clock's review).
    s = Session()
    s.to_infusion(systolic=120)
    start = s.now().mono - s.origin
    s.t(start + 60)
    now = s.clock.now()
    s.clock._now = Moment(now.mono, now.wall - timedelta(minutes=10))   # the wall clock only
    s.t(start + 70)
    assert [e.detail["step_s"] for e in s.recorder.events("clock_stepped")] == [-600.0]
    s.bp(165, 90)
    assert ("bp_systolic_high", "medium", "active") in s.shown()
    s.engine = resume(s, 30)
    s.t(start + 110)
    assert ("bp_systolic_high", "medium", "active") in s.shown()
    assert s.engine.baseline["bp_systolic"] == 120

