"""The 5-minute rest after each nasal device (Spravato label): a device ticked before it has run
is refused unless the nurse says why it was given now, and the record keeps that reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.clock import Moment
from console.session import device_rest
from console.session.engine import EARLY_DEVICE
from console.session.journal import describe
from console.review.model import describe_event
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import Session
from tests.session.test_resume import resume

MIN = 60
ESKETAMINE = load_protocol(builtin_protocols_dir() / "esketamine.toml")


def at_devices(mg: float = 56) -> tuple[Session, float]:
    """An esketamine session of `mg` in its devices phase, device 1 given; (session, its time)."""
    s = Session(ESKETAMINE)
    s.engine.details["dose_mg"] = mg   # as opened with that dose
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done
    start = s.now().mono - s.origin
    assert s.engine.tick_item("device-1", "nurse.ana", s.now(), note="LOT-1").done
    return s, start


def test_device_2_three_seconds_after_device_1_is_refused_and_says_until_when():
    s, start = at_devices()
    s.t(start + 3)
    refused = s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-2")
    assert not refused.done and refused.asks == EARLY_DEVICE
    assert refused.message.startswith("Device 2 now would be 0:03 min after device 1")
    assert "5-minute rest after each device, until 09:05:00" in refused.message
    assert "device-2" not in s.engine.ticks()


def test_device_2_after_the_rest_is_ticked_without_a_question():
    s, start = at_devices()
    s.t(start + 5 * MIN)
    assert s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-2").done
    ticked = s.recorder.events("checklist_ticked")[-1]
    assert "early" not in ticked.detail


def test_a_device_given_early_is_recorded_with_why_and_the_review_says_it():
    s, start = at_devices()
    s.t(start + 2 * MIN + 12)
    assert s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-2",
                              early_reason="patient had to leave the chair").done
    ticked = s.recorder.events("checklist_ticked")[-1]
    assert ticked.detail["early"] == {"after": "device-1", "seconds_after": 132,
                                      "rest_minutes": 5.0,
                                      "reason": "patient had to leave the chair"}
    said = (" — given 2:12 min after device 1, before the 5-min rest ended: patient had to "
            "leave the chair")
    assert describe_event("checklist_ticked", ticked.detail).endswith(said)
    assert said in describe(ticked)   # the journal at the chair


def test_a_device_refused_at_the_end_of_the_rest_never_reads_as_the_whole_rest_after():
    # Device 2 at 4 min 59.4 s was refused with "5:00 min after device 1 … Wait for the rest"
    # (the time since rounded up, as the countdown's time left is): an esketamine review.
    s, start = at_devices()
    s.t(start + 5 * MIN - 0.6)
    refused = s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-2")
    assert not refused.done and refused.asks == EARLY_DEVICE
    assert refused.message.startswith("Device 2 now would be 4:59 min after device 1")


def test_a_device_recorded_early_at_the_end_of_the_rest_says_its_time_to_the_second():
    # Recorded early at 4:58, the log read "given 5 min after device 1, before the 5-min rest
    # ended" (rounded to a tenth of a minute): an esketamine review.
    s, start = at_devices()
    s.t(start + 5 * MIN - 2)
    assert s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-2",
                              early_reason="patient leaving").done
    ticked = s.recorder.events("checklist_ticked")[-1]
    said = " — given 4:58 min after device 1, before the 5-min rest ended: patient leaving"
    assert describe_event("checklist_ticked", ticked.detail).endswith(said)
    assert said in describe(ticked)


def test_an_early_device_logged_before_its_time_was_kept_to_the_second_still_reads():
    # Logs written before: the time after the device before, in tenths of a minute.
    old = {"after": "device-1", "minutes_after": 2.2, "rest_minutes": 5.0, "reason": "leaving"}
    assert device_rest.early_text(old) == (
        " — given 2.2 min after device 1, before the 5-min rest ended: leaving")
    # A tenth rounded up to the rest itself (4:58 logged as 5.0) does not read as the rest.
    assert device_rest.early_text({**old, "minutes_after": 5.0}) == (
        " — given under 5 min after device 1, before the 5-min rest ended: leaving")


def test_device_3_rests_after_device_2_not_device_1():
    s, start = at_devices(84)
    s.t(start + 5 * MIN)
    assert s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-2").done
    s.t(start + 6 * MIN)
    refused = s.engine.tick_item("device-3", "nurse.ana", s.now(), note="LOT-3")
    assert not refused.done and "after device 2" in refused.message


def test_the_rest_survives_a_restart():
    s, start = at_devices()
    engine = resume(s, 60, protocol=ESKETAMINE)
    refused = engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-2")
    assert not refused.done and refused.asks == EARLY_DEVICE


def test_the_next_device_counts_its_rest_down():
    s, start = at_devices()
    ticked = {i: Moment(t.mono, t.at) for i, t in s.engine.ticks().items()}
    rest = device_rest.rest_before(ESKETAMINE, s.engine.details, ticked, "device-2")
    assert rest is not None
    s.t(start + 1 * MIN + 48.5)
    assert device_rest.countdown(rest, s.now()) == "Rest 3:12 more (until 09:05:00) · "
    s.t(start + 5 * MIN)
    assert device_rest.countdown(rest, s.now()) == ""
    assert device_rest.rest_before(ESKETAMINE, s.engine.details, ticked, "device-1") is None   # ticked already


def test_a_device_beyond_the_dose_waits_for_no_rest():
    # 56 mg is two devices: device 3 ("84 mg only") neither counts down nor asks why.
    s, start = at_devices()
    ticked = {"device-1": s.now()}
    assert device_rest.rest_before(ESKETAMINE, {"dose_mg": 56}, ticked, "device-3") is None
    assert device_rest.rest_before(ESKETAMINE, {"dose_mg": 84}, ticked, "device-3") is not None


@pytest.mark.parametrize("step_min", [-60, 60])
def test_the_rest_runs_on_the_monotonic_clock_when_the_wall_clock_steps(step_min: int) -> None:
    # Timed by wall times, NTP stepping the station clock back an hour after device 1 asked a
    # reason for device 2 for 65 minutes; a step forward let device 2 through 3 s after device
    # 1 without a word (the clock's review).
    s, start = at_devices()
    s.t(start + 3)
    now = s.clock.now()
    s.clock._now = Moment(now.mono, now.wall + timedelta(minutes=step_min))   # the wall clock only
    refused = s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-2")
    assert not refused.done and refused.asks == EARLY_DEVICE
    assert refused.message.startswith("Device 2 now would be 0:03 min after device 1")
    ends = (s.now().wall + timedelta(seconds=5 * MIN - 3)).astimezone()
    assert f"until {ends:%H:%M:%S}" in refused.message   # on the clock as it reads now
    s.t(start + 5 * MIN)
    assert s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-2").done
    assert "early" not in s.recorder.events("checklist_ticked")[-1].detail
