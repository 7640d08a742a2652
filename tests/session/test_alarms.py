"""Alarm rules stepped through time: thresholds, latching, acknowledge, pause, escalation."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.records import AlarmTransition
from console.session.journal import describe
from protocols.loader import load_protocol
from tests.session.helpers import Session
from tests.session.test_correction_alarms import restart

PROTOCOLS = Path(__file__).parents[2] / "protocols"

MIN = 60


def infusing(systolic: float = 120) -> Session:
    s = Session()
    s.to_infusion(systolic)
    return s


def test_systolic_exactly_at_medium_limit_raises_medium():
    s = infusing(systolic=150)   # baseline 150: only the absolute limit can fire
    # 179 is inside the limit: nothing.
    s.t(60); s.device("bp_systolic", 179)
    assert s.shown() == []
    # 180 meets "≥180": medium, flashing, sounding.
    s.t(120); s.device("bp_systolic", 180)
    assert s.shown() == [("bp_systolic_high", "medium", "active")]
    assert s.sounding() == "medium"
    assert s.engine.alarms()[0].banner() == (
        "** Systolic BP 180 mmHg (+30 from baseline 150), limit ≥180 or ≥40 above baseline")


def test_medium_alarm_clears_when_value_flips_back_inside():
    s = infusing(systolic=135)
    s.t(60); s.device("bp_systolic", 185)
    # A normal value clears a medium alarm: medium does not latch, start and end are logged.
    s.t(180); s.device("bp_systolic", 150)
    assert s.shown() == []
    assert s.recorder.transitions("bp_systolic_high") == [
        ("bp_systolic_high", "raised", "medium"), ("bp_systolic_high", "cleared", "medium")]


def test_high_alarm_latches_until_reset_after_the_value_recovers():
    s = infusing()
    # SpO2 89: high priority.
    s.t(60); s.device("spo2", 89)
    assert s.shown() == [("spo2_low", "high", "active")]
    # Back to 97 before anyone acknowledged: the alarm stays on screen, latched, still sounding.
    s.t(70); s.device("spo2", 97)
    assert s.shown() == [("spo2_low", "high", "latched")]
    assert s.sounding() == "high"
    assert "latched" in s.engine.alarms()[0].banner()
    # The nurse resets it: gone, and the log has the reset and the clear.
    occurrence = s.engine.alarms()[0].id
    assert s.engine.acknowledge(occurrence, "nurse.ana", s.now()).done
    assert s.shown() == []
    assert s.recorder.transitions("spo2_low")[-2:] == [
        ("spo2_low", "reset", "high"), ("spo2_low", "cleared", "high")]


def test_an_unseen_latched_high_alarm_stays_high_when_its_condition_returns_lower():
    """SpO2 86 recovers before anyone looked (latched), then drifts to 92 (a medium value): the
    desaturation nobody saw is not over. It was cleared "(returned)" and a medium raised."""
    s = infusing()
    s.t(60); s.device("spo2", 86)
    s.t(65); s.device("spo2", 97)
    first = s.engine.alarms()[0].id
    assert s.shown() == [("spo2_low", "high", "latched")]
    s.t(70); s.device("spo2", 92)
    assert s.shown() == [("spo2_low", "high", "active")]
    assert s.sounding() == "high"
    alarm = s.engine.alarms()[0]
    assert alarm.id == first and alarm.message == "SpO2 86 %, limit ≤90" and alarm.value == 92
    # Logged: it ended (latched) and came back (returned), one occurrence.
    assert s.recorder.transitions("spo2_low") == [("spo2_low", "raised", "high"),
                                                  ("spo2_low", "latched", "high"),
                                                  ("spo2_low", "returned", "high")]
    # Seen now: acknowledged, it follows the value down to medium.
    assert s.engine.acknowledge(first, "nurse.ana", s.now()).done
    s.t(80); s.device("spo2", 92)
    assert s.shown() == [("spo2_low", "medium", "acknowledged")]



@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_acknowledging_a_held_high_alarm_says_the_condition_that_holds_now(restarted):
    # Review 40: SpO2 88 (high) unseen, then 92: held high until acknowledged. The
    # acknowledgement brought it down to medium but kept the high excursion's words: the row
    # logged "Alarm deescalated (medium): SpO2 88 %, limit ≤90" at value 92, and the bar said
    # the same until the next value. Every other deescalated row says what holds now.
    s = infusing()
    s.t(60); s.device("spo2", 88)
    s.t(61); s.device("spo2", 92)
    (alarm,) = s.engine.alarms()
    assert (alarm.priority.label, alarm.message) == ("high", "SpO2 88 %, limit ≤90")
    if restarted:
        restart(s, 5)
    assert s.engine.acknowledge(alarm.id, "nurse.ana", s.now()).done
    (row,) = [r for r in s.recorder.records
              if isinstance(r, AlarmTransition) and r.transition == "deescalated"]
    assert (row.priority, row.value, row.threshold) == ("medium", 92, "≤93")
    assert describe(row) == "Alarm deescalated (medium): SpO2 92 %, limit ≤93"
    assert [o.banner() for o in s.engine.alarms()] == ["** SpO2 92 %, limit ≤93"]

def test_a_rate_wavering_across_an_acknowledged_tier_stays_silent_until_it_rises_above_it():
    # RR 8/9 at the high tier's limit: one alarm condition that has not ceased. Before, every
    # return to 8 re-sounded high and wanted another acknowledgement (and latched if RR
    # recovered before it came): the nurse at the bedside heard the same alarm every few seconds.
    s = infusing()
    s.t(60); s.device("resp_rate", 9)                 # medium
    rr = s.engine.alarms()[0].id
    assert s.engine.acknowledge(rr, "nurse.ana", s.now()).done
    s.t(62); s.device("resp_rate", 8)                 # above what was acknowledged: news
    assert s.shown() == [("resp_rate_low", "high", "active")] and s.sounding() == "high"
    assert s.engine.acknowledge(rr, "nurse.ana", s.now()).done
    for second, value in ((64, 9), (66, 8), (68, 9), (70, 8)):
        s.t(second); s.device("resp_rate", value)
        assert s.sounding() is None, value
        assert s.shown() == [("resp_rate_low", "high" if value == 8 else "medium",
                              "acknowledged")]
    assert s.recorder.transitions("resp_rate_low")[-2:] == [
        ("resp_rate_low", "deescalated", "medium"), ("resp_rate_low", "escalated", "high")]
    s.t(72); s.device("resp_rate", 14)                # recovered: ends 10 s on, nothing latched
    assert s.shown() == [("resp_rate_low", "high", "acknowledged")]
    s.t(82)
    assert s.shown() == []
    s.t(90); s.device("resp_rate", 8)                 # a new occurrence sounds again
    assert s.shown() == [("resp_rate_low", "high", "active")] and s.sounding() == "high"


def test_acknowledge_while_active_silences_this_occurrence_only():
    s = infusing()
    s.t(60); s.device("spo2", 92)
    occurrence = s.engine.alarms()[0].id
    # Acknowledged: still shown (condition holds), steady, silent.
    s.engine.acknowledge(occurrence, "nurse.ana", s.now())
    assert s.shown() == [("spo2_low", "medium", "acknowledged")]
    assert not s.engine.alarms()[0].flashing
    assert s.sounding() is None
    # Back inside: it ends once it has been inside 10 s (ACKNOWLEDGED_END_SECONDS); back out
    # before that, it is the same alarm, still acknowledged and silent.
    s.t(70); s.device("spo2", 97)
    assert s.shown() == [("spo2_low", "medium", "acknowledged")]
    s.t(75); s.device("spo2", 93)
    assert [o.id for o in s.engine.alarms()] == [occurrence] and s.sounding() is None
    s.t(76); s.device("spo2", 97)
    s.t(86)
    assert s.shown() == []
    assert s.recorder.transitions("spo2_low")[-1][1] == "cleared"
    # Returning after that: a new occurrence that sounds again.
    s.t(90); s.device("spo2", 92)
    assert s.shown() == [("spo2_low", "medium", "active")]
    assert s.engine.alarms()[0].id != occurrence
    assert s.sounding() == "medium"


def test_single_high_nibp_escalates_only_when_a_repeat_after_5_minutes_confirms_it():
    s = infusing(systolic=135)
    s.t(60); s.device("bp_systolic", 185)
    assert s.shown()[0][:2] == ("bp_systolic_high", "medium")
    # A repeat is prompted 5 minutes later.
    s.t(60 + 5 * MIN)
    assert ("vitals_due:Repeat Systolic BP", "info", "active") in s.shown()
    # A repeat 3 minutes in (too early to confirm) keeps it medium.
    s.t(60 + 3 * MIN); s.device("bp_systolic", 186)
    assert s.shown()[0][:2] == ("bp_systolic_high", "medium")
    # The repeat 5 minutes after the first still high: escalated to high, sounds high.
    s.t(60 + 5 * MIN); s.device("bp_systolic", 184)
    assert s.shown()[0] == ("bp_systolic_high", "high", "active")
    assert s.sounding() == "high"
    assert ("bp_systolic_high", "escalated", "high") in s.recorder.transitions()
    assert "confirmed by a repeat reading" in s.engine.alarms()[0].message


def test_extreme_value_alarms_high_at_once():
    s = infusing()
    s.t(60); s.device("bp_systolic", 200)
    assert s.shown()[0] == ("bp_systolic_high", "high", "active")


def test_rise_of_40_above_baseline_raises_medium_below_the_absolute_limit():
    s = infusing()   # baseline systolic 120
    s.t(60); s.device("bp_systolic", 159)
    assert s.shown() == []
    s.t(120); s.device("bp_systolic", 160)
    assert s.shown() == [("bp_systolic_high", "medium", "active")]
    assert "+40 from baseline 120" in s.engine.alarms()[0].message


def test_baseline_limits_do_not_apply_before_dosing():
    s = Session()
    s.bp(120, 80)
    s.t(60); s.bp(165, 85)
    assert s.shown() == []
    # T0: baseline is the last value before dosing (165), so 170 is no rise of 40.
    s.engine.tick_item("consent", "nurse.ana", s.now())
    assert s.engine.baseline["bp_systolic"] == 165


def test_heart_rate_over_120_for_5_minutes_escalates_to_high():
    s = infusing()
    for second in range(0, 5 * MIN + 1, 10):
        s.t(100 + second); s.device("heart_rate", 125)
        if second < 5 * MIN:
            assert s.shown()[0][:2] == ("heart_rate_high", "medium"), second
    assert s.shown()[0][:2] == ("heart_rate_high", "high")
    # One value back at 118: the sustained rule resets, priority falls to medium only after
    # acknowledgement (an unacknowledged high alarm keeps showing high).
    s.t(100 + 5 * MIN + 10); s.device("heart_rate", 118)
    assert s.shown()[0][:2] == ("heart_rate_high", "high")
    s.engine.acknowledge(s.engine.alarms()[0].id, "nurse.ana", s.now())
    assert s.shown()[0] == ("heart_rate_high", "medium", "acknowledged")


def test_two_alarms_at_once_sound_the_highest_and_sort_first():
    s = infusing()
    s.t(60); s.device("resp_rate", 26)
    s.t(61); s.device("spo2", 89)
    assert [row[:2] for row in s.shown()] == [("spo2_low", "high"), ("resp_rate_high", "medium")]
    assert s.sounding() == "high"
    # Acknowledge the high one: the medium one is now what sounds.
    s.engine.acknowledge(s.engine.alarms()[0].id, "nurse.ana", s.now())
    assert s.sounding() == "medium"


def test_audio_pause_counts_down_and_a_higher_alarm_breaks_through():
    s = infusing()
    s.t(60); s.device("resp_rate", 26)
    s.engine.pause_audio("nurse.ana", s.now())
    assert s.sounding() is None
    assert s.engine.audio(s.now()).paused_seconds_left == 120
    # Another medium alarm during the pause stays silent.
    s.t(100); s.device("spo2", 93)
    assert s.sounding() is None
    assert s.engine.audio(s.now()).paused_seconds_left == 80
    # A high-priority alarm breaks through at once.
    s.t(110); s.device("spo2", 88)
    assert s.sounding() == "high"
    assert s.engine.audio(s.now()).paused_seconds_left is None
    assert [e.kind for e in s.recorder.events("audio_paused") + s.recorder.events("audio_resumed")] == [
        "audio_paused", "audio_resumed"]


def test_new_high_alarm_while_paused_for_an_alarm_since_acknowledged_and_ended():
    s = infusing()
    # F3 for a sounding high (SpO2 88); the nurse acknowledges it, and the SpO2 comes back.
    s.t(60); s.device("spo2", 88)
    assert s.sounding() == "high"
    s.engine.pause_audio("nurse.ana", s.now())
    s.engine.acknowledge(s.engine.alarms()[0].id, "nurse.ana", s.now())
    s.t(70); s.device("spo2", 97)
    # 40 s into the pause RR falls to 6: a new high alarm, nothing else silenced by the pause.
    # It sounds at once (review 37: the pause remembered the high it was pressed for, and the
    # RR alarm stayed silent for the 80 s left).
    s.t(100); s.device("resp_rate", 6)
    assert ("resp_rate_low", "high", "active") in s.shown()
    assert s.sounding() == "high"
    assert s.engine.audio(s.now()).paused_seconds_left is None
    assert s.recorder.events("audio_resumed")[0].detail["message"] == (
        "Audio pause ended: new high-priority alarm")


def test_new_medium_alarm_while_paused_stays_silent_under_a_medium_still_silenced():
    s = infusing()
    # F3 for a high (SpO2 88); a medium (RR 26) comes during the pause, silent under the high.
    s.t(60); s.device("spo2", 88)
    s.engine.pause_audio("nurse.ana", s.now())
    s.t(70); s.device("resp_rate", 26)
    assert s.sounding() is None
    # The nurse acknowledges the high; the RR medium is still silenced by the pause.
    s.engine.acknowledge(s.engine.alarms()[0].id, "nurse.ana", s.now())
    assert [row[:2] for row in s.shown()] == [("spo2_low", "high"), ("resp_rate_high", "medium")]
    # A second medium (HR 115): no higher than the RR medium the pause still silences, so it
    # stays silent too, and the pause runs on.
    s.t(80); s.device("heart_rate", 115)
    assert ("heart_rate_high", "medium", "active") in s.shown()
    assert s.sounding() is None
    assert s.engine.audio(s.now()).paused_seconds_left == 100


def test_audio_pause_ends_after_120_seconds():
    s = infusing()
    s.t(60); s.device("resp_rate", 26)
    s.engine.pause_audio("nurse.ana", s.now())
    s.t(60 + 119)
    assert s.sounding() is None
    s.t(60 + 120)
    assert s.sounding() == "medium"
    assert s.recorder.events("audio_resumed")[0].detail["message"] == "Audio pause ended"


def test_acknowledged_alarm_reminds_after_150_seconds_while_it_persists():
    s = infusing()
    s.t(60); s.device("resp_rate", 26)
    s.engine.acknowledge(s.engine.alarms()[0].id, "nurse.ana", s.now())
    s.t(60 + 149)
    assert s.sounding() is None
    s.t(60 + 150)
    assert s.sounding() == "medium"
    last = [r for r in s.recorder.records if getattr(r, "condition", "") == "resp_rate_high"][-1]
    assert (last.transition, last.message) == ("reminded", "Respiratory rate 26 breaths/min, limit ≥25 (reminder: still present)")
    assert s.shown() == [("resp_rate_high", "medium", "active")]


def test_no_respiratory_rate_for_20_seconds_from_a_connected_device_is_high():
    s = infusing()
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("resp_rate", 14)
    s.t(79)
    assert s.shown() == []
    s.t(80)
    assert s.shown() == [("resp_rate_low", "high", "active")]
    assert s.engine.alarms()[0].message == "No respiratory rate for 20 s"


@pytest.mark.parametrize("protocol_file", ["iv-ketamine.toml", "iv-ketamine-titration.toml",
                                           "esketamine.toml"])
def test_no_spo2_for_30_seconds_while_the_monitor_sends_the_rest_is_medium(protocol_file):
    # An oximeter probe off: the monitor keeps sending its frames (HR, RR, "---" for SpO2), so
    # the device never goes quiet; without this rule in the shipped protocols nothing at all
    # alarmed, however long SpO2 stayed away.
    s = Session(load_protocol(PROTOCOLS / protocol_file))
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("spo2", 97)
    for t in range(61, 90):
        s.t(t); s.device("resp_rate", 14)
    assert s.shown() == []
    s.t(90); s.device("resp_rate", 14)
    assert s.shown() == [("spo2_low", "medium", "active")]
    assert s.engine.alarms()[0].message == "No SpO2 for 30 s"
    s.t(95); s.device("spo2", 96)   # the probe back on
    assert s.shown() == []


def test_device_lost_is_technical_and_does_not_clear_a_physiological_alarm():
    s = infusing()
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("spo2", 92)
    s.engine.device_state_changed("disconnected", s.now(), "port closed")
    assert ("device_lost", "medium", "active") in s.shown()
    assert ("spo2_low", "medium", "active") in s.shown()
    s.t(65)
    s.engine.device_state_changed("connected", s.now())
    assert s.shown() == [("spo2_low", "medium", "active")]


def test_device_lost_holds_while_the_port_is_open_again_but_silent():
    # A cable plugged back: the port opens, the monitor has not spoken yet.
    s = infusing()
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("spo2", 97)
    s.engine.device_state_changed("disconnected", s.now(), "port closed")
    s.t(63)
    s.engine.device_state_changed("connecting", s.now(), "opened /dev/ttyUSB0")
    assert s.shown() == [("device_lost", "medium", "active")]
    s.t(67)
    s.engine.device_state_changed("stale", s.now(), "no good frame for 4 s")
    assert s.shown() == [("device_lost", "medium", "active")]
    s.t(70)
    s.engine.device_state_changed("connected", s.now(), "frames arriving")
    assert s.shown() == []


def test_demo_and_test_readings_are_logged_but_never_alarm():
    s = infusing()
    s.t(60); s.device("spo2", 85, flags=frozenset({"DEMO"}))
    assert s.shown() == []
    assert s.recorder.observations()[-1].flags == frozenset({"DEMO"})


def test_nibp_repeated_with_the_same_measured_time_is_one_reading():
    s = infusing()
    measured = s.now().wall
    s.t(60)
    assert s.device("bp_systolic", 130, measured_at=measured) is not None
    s.t(65)
    assert s.device("bp_systolic", 130, measured_at=measured) is None
    assert [o.value for o in s.recorder.observations() if o.source != "manual"] == [130]


def test_silence_while_the_device_was_away_does_not_count_as_no_respiratory_rate():
    s = infusing()
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("resp_rate", 14)
    s.engine.device_state_changed("disconnected", s.now())
    s.t(200)
    s.engine.device_state_changed("connected", s.now())
    s.t(219)
    assert s.shown() == []   # back for 19 s: no "no RR" yet, and the device alarm has cleared
    s.t(220)
    assert ("resp_rate_low", "high", "active") in s.shown()


def test_acknowledged_high_alarm_reminded_then_cleared_does_not_latch():
    s = infusing()
    s.t(60); s.device("spo2", 89)
    s.engine.acknowledge(s.engine.alarms()[0].id, "nurse.ana", s.now())
    # The reminder re-sounds it; then the value recovers: it was seen, so it does not latch.
    # Seen, it ends once back inside 10 s, as when acknowledged (a wavering value is one alarm).
    s.t(60 + 150)
    assert s.shown() == [("spo2_low", "high", "active")]
    s.t(60 + 160); s.device("spo2", 97)
    s.t(60 + 169)
    assert s.shown() == [("spo2_low", "high", "active")]
    s.t(60 + 170)
    assert s.shown() == []
    assert "latched" not in [t[1] for t in s.recorder.transitions("spo2_low")]


def test_one_device_message_is_one_commit_with_the_same_records_as_one_by_one():
    """A monitor message carries several values: they are decided one by one, as if ingested
    separately (same rows, same alarms, a repeated NIBP still dropped), and committed together."""
    from devices.reading import Reading
    from protocols.vitals import metric

    def message(s, values, measured):
        now = s.now()
        return [Reading(n, v, metric(n).unit, measured if n.startswith("bp_") else now.wall, now.wall, "hl7:SIM")
                for n, v in values.items()]

    one_by_one, together = infusing(), infusing()
    for s in (one_by_one, together):
        s.t(60)
    measured = one_by_one.now().wall
    values = {"heart_rate": 88, "spo2": 89, "resp_rate": 14, "bp_systolic": 205, "bp_diastolic": 101}
    for reading in message(one_by_one, values, measured):
        one_by_one.engine.ingest(reading, one_by_one.now())
    writes_before = len(together.recorder.writes)
    together.engine.ingest_message(message(together, values, measured) + message(together, {"bp_systolic": 205}, measured),
                               together.now())
    assert len(together.recorder.writes) == writes_before + 1
    assert together.recorder.records[-len(together.recorder.writes[-1]):] == together.recorder.writes[-1]
    assert together.shown() == one_by_one.shown() and ("spo2_low", "high", "active") in together.shown()
    strip = lambda recs: [(type(r).__name__, getattr(r, "metric", getattr(r, "condition", ""))) for r in recs]  # noqa: E731
    assert strip(together.recorder.writes[-1]) == strip(one_by_one.recorder.records[-len(together.recorder.writes[-1]):])


def test_a_wall_clock_stepped_back_after_t0_does_not_move_the_baseline():
    """No baseline gate ticked (an override), then the station's clock stepped back 5 min (NTP):
    every reading looked "before T0", became the baseline, and the rise above it never
    alarmed (alarm-path audit)."""
    from datetime import timedelta

    from console.clock import Moment
    from devices.reading import Reading

    s = Session()
    s.bp(120, 80); s.manual("heart_rate", 70)
    s.engine.tick_item("consent", "nurse.ana", s.now())
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="BP taken on paper").done
    for systolic in (150, 165):
        later = s.clock.advance(60)
        stepped = Moment(later.mono, later.wall - timedelta(minutes=5))
        s.engine.ingest(Reading("bp_systolic", systolic, "mmHg", stepped.wall, stepped.wall,
                                "hl7:MON"), stepped)
    assert s.engine.baseline["bp_systolic"] == 120
    assert ("bp_systolic_high", "medium", "active") in s.shown()   # +45 from 120


def test_an_acknowledged_alarm_wavering_on_its_limit_stays_one_silent_alarm():
    """The alarm audit: SpO2 93/94 each second raised 30 new medium alarms a minute, each
    sounding and bringing the window to the front; acknowledging them did nothing. Once
    acknowledged, the wavering is one alarm, silent, until its values stay inside 10 s."""
    s = infusing()
    s.t(60); s.device("spo2", 93)
    first = s.engine.alarms()[0].id
    assert s.sounding() == "medium"
    assert s.engine.acknowledge(first, "nurse.ana", s.now()).done
    for second in range(61, 121):
        s.t(second); s.device("spo2", 94 if second % 2 else 93)
        assert [o.id for o in s.engine.alarms()] == [first] and s.sounding() is None, second
    assert [t[1] for t in s.recorder.transitions("spo2_low")] == ["raised", "acknowledged"]
    for second in range(121, 132):   # steady at 95: it ends, saying since when
        s.t(second); s.device("spo2", 95)
    assert s.engine.alarms() == []
    cleared = [r for r in s.recorder.records if getattr(r, "transition", "") == "cleared"]
    assert "(back inside its limits since" in cleared[-1].message


def test_an_unacknowledged_alarm_wavering_on_its_limit_sounds_each_time_as_before():
    # Nobody has acknowledged it: each return is sounded (no alarm's start is delayed).
    s = infusing()
    for second, value in ((60, 93), (61, 94), (62, 93)):
        s.t(second); s.device("spo2", value)
    raised = [t for t in s.recorder.transitions("spo2_low") if t[1] == "raised"]
    assert len(raised) == 2 and s.sounding() == "medium"


def test_a_monitor_profile_found_again_no_longer_names_the_profile_while_the_monitor_is_silent():
    # A session resumed on a profile removed since: its loss names the profile. IT puts it back,
    # the port opens, but the monitor sends nothing readable: the reason is now the monitor,
    # not the profile (it sent IT back to the profiles: review 44). The loss holds, as ever.
    s = infusing()
    s.engine.device_state_changed("disconnected", s.now(),
                                  "unknown monitor 'chair3-pvm' for /dev/ttyUSB0: not known")
    lost = s.engine.board.occurrence_for("device_lost")
    assert lost is not None and lost.message == (
        "Device disconnected: profile not installed")
    s.t(65)
    s.engine.device_state_changed("connecting", s.now(), "opened /dev/ttyUSB0")
    s.t(70)
    s.engine.device_state_changed("stale", s.now(), "no good frame for 4 s")
    lost = s.engine.board.occurrence_for("device_lost")
    assert lost is not None and lost.message == (
        "Device disconnected: no valid frame yet")
    assert s.shown() == [("device_lost", "medium", "active")]
