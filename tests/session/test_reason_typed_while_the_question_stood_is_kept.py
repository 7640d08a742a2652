"""What the nurse types to answer a tick's question is logged with the tick, though what asked it
changed while she typed: the reason a device was given before its rest, the rest running out as
she typed it (device 2 recorded 5:10 after device 1 had dropped "patient had to leave" without a
word: an esketamine review), and the prescriber's decision on a BP over the gate, a BP under it
come in meanwhile. Nothing a nurse types is lost."""

from __future__ import annotations

from console.session.engine import EARLY_DEVICE, GATE_APPROVAL
from console.session.journal import describe
from console.review.model import describe_event
from tests.session.helpers import Session
from tests.session.test_device_rest import ESKETAMINE, MIN, at_devices
from tests.session.test_resume import resume

REASON = "patient had to leave for a taxi"


def test_the_reason_for_an_early_device_is_kept_when_the_rest_ends_while_it_is_typed():
    s, start = at_devices()
    s.t(start + 4 * MIN + 40)                          # device 2 ticked 4:40 after device 1
    asked = s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-2")
    assert not asked.done and asked.asks == EARLY_DEVICE
    s.t(start + 5 * MIN + 10)                          # the reason typed: 30 s, past the rest
    assert s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-2",
                              early_reason=REASON).done
    ticked = s.recorder.events("checklist_ticked")[-1]
    assert ticked.detail["early"] == {"after": "device-1", "seconds_after": 310,
                                      "rest_minutes": 5.0, "reason": REASON}
    # Said as it was: asked before the rest ended, recorded after it.
    said = (" — ticked before the 5-min rest ended, recorded 5:10 min after device 1: "
            f"{REASON}")
    assert describe_event("checklist_ticked", ticked.detail).endswith(said)
    assert said in describe(ticked)                    # the journal at the chair
    # A restart reads the tick back as it stands live.
    live = {item: (t.note, t.mono) for item, t in s.engine.ticks().items()}
    engine = resume(s, 60, protocol=ESKETAMINE)
    assert {item: (t.note, t.mono) for item, t in engine.ticks().items()} == live


def test_a_device_after_its_rest_with_no_reason_typed_says_nothing_of_one():
    s, start = at_devices()
    s.t(start + 5 * MIN + 10)
    assert s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-2").done
    assert "early" not in s.recorder.events("checklist_ticked")[-1].detail


def test_the_prescribers_decision_is_kept_when_a_bp_under_the_gate_came_while_it_was_typed():
    s = Session(ESKETAMINE)
    s.engine.details["dose_mg"] = 56
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done   # T0
    s.t(1 * MIN)
    s.manual("bp_systolic", 152); s.manual("bp_diastolic", 96)         # over the 140/90 gate
    asked = s.engine.tick_item("device-1", "nurse.ana", s.now(), note="LOT-1")
    assert not asked.done and asked.asks == GATE_APPROVAL
    s.t(1 * MIN + 40)
    s.manual("bp_systolic", 136); s.manual("bp_diastolic", 86)         # while the prescriber spoke
    assert s.engine.tick_item("device-1", "nurse.ana", s.now(), note="LOT-1",
                              gate_decision="Dr Lee: give it").done
    decided = s.recorder.events("gate_decision")
    assert [e.detail["decision"] for e in decided] == ["Dr Lee: give it"]
    # Nothing over the gate at the tick; the gate it passed is named, as the REMS draft reads it.
    assert {k: decided[0].detail[k] for k in ("item", "gate", "values")} == {
        "item": "device-1", "gate": "bp-before-dose", "values": []}
