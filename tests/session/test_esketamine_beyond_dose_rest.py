"""The label's 5-minute rest after each nasal device holds for a device beyond the planned dose
too (review 45): 56 mg raised to 84 mg by the prescriber, device 3 ticked one minute after
device 2 with the reason for the extra device was recorded with no rest asked and no "given
early" note. Both questions are now asked, the dose's first, before the tick is recorded."""

from __future__ import annotations

from console.session import device_rest
from console.session.engine import EARLY_DEVICE, EXTRA_DEVICE
from console.session.journal import describe
from tests.session.test_esketamine_dose import ESKETAMINE, MIN, give, in_devices

RAISED = "prescriber raised the dose to 84 mg"


def test_a_device_beyond_the_dose_asks_why_then_waits_for_the_rest() -> None:
    s, t0 = in_devices(56)
    give(s, t0, 1, 2)                                   # device 2 at T0+5
    s.t(t0 + 6 * MIN)                                   # 1 min after device 2
    first = s.engine.tick_item("device-3", "nurse.ana", s.now(), note="LOT-1")
    assert not first.done and first.asks == EXTRA_DEVICE   # the dose's question first
    outcome = s.engine.tick_item("device-3", "nurse.ana", s.now(), note="LOT-1",
                                 extra_reason=RAISED)
    assert not outcome.done and outcome.asks == EARLY_DEVICE
    assert outcome.message.startswith("Device 3 now would be 1:00 min after device 2")
    assert "device-3" not in s.engine.ticks()
    assert s.engine.tick_item("device-3", "nurse.ana", s.now(), note="LOT-1",
                              extra_reason=RAISED, early_reason="patient had to leave").done
    ticked = s.recorder.events("checklist_ticked")[-1]
    assert ticked.detail["early"] == {"after": "device-2", "seconds_after": 60,
                                      "rest_minutes": 5.0, "reason": "patient had to leave"}
    assert ticked.detail["beyond_dose"]["reason"] == RAISED
    assert (" — given 1:00 min after device 2, before the 5-min rest ended: patient had to leave"
            f" — beyond the 56 mg dose of 2 devices: {RAISED}") in describe(ticked)


def test_a_device_beyond_the_dose_after_the_rest_asks_only_why() -> None:
    s, t0 = in_devices(56)
    give(s, t0, 1, 2)
    s.t(t0 + 10 * MIN)                                  # the rest after device 2 has run
    assert s.engine.tick_item("device-3", "nurse.ana", s.now(), note="LOT-1",
                              extra_reason=RAISED).done
    assert "early" not in s.recorder.events("checklist_ticked")[-1].detail


def test_the_row_of_a_device_beyond_the_dose_counts_no_rest_down() -> None:
    # The countdown is the rows the dose needs: on "Device 3 (84 mg only)" of a 56 mg session
    # it would invite a device the dose does not need. The tick asks the rest all the same.
    s, t0 = in_devices(56)
    ticked = {"device-2": s.now()}
    assert device_rest.rest_before(ESKETAMINE, {"dose_mg": 56}, ticked, "device-3") is None
    assert device_rest.rest_before(ESKETAMINE, {"dose_mg": 56}, ticked, "device-3",
                                   beyond_dose_too=True) is not None
