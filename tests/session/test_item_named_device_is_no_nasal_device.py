"""A checklist item whose id begins "device-" but is no nasal device ("device-instructions": the
patient shown how to use the spray, before the dose) was taken for a device wherever the console
counted devices by the prefix: the label's 2 hours and "BP at T+40" counted from the wrong tick,
the prescriber's gate before device 1 was skipped, and 56 mg read as 84 mg given (a review of the
protocols). A clinic file with such an id is now refused (tests/protocols/
test_device_prefix_reserved.py); a session logged under one still runs under its text, so these
sessions read the text as a restart and the review do (`authoring=False`), and only `device-<n>`
counts as a device (`device_rest.device_number`)."""

from __future__ import annotations

from console.session.dosing import devices_ticked, dose_line
from console.session.engine import EARLY_DEVICE, GATE_APPROVAL
from console.session.trend_feed import TrendFeed
from protocols.loader import builtin_protocols_dir, protocol_from_text
from protocols.model import PhaseKind, Protocol
from tests.session.helpers import START, Session

MIN = 60


def with_item(text: str, before: str, item_id: str, words: str) -> str:
    """`text` with an optional checklist item `item_id` put just before the item `before`."""
    head, tail = text.split(f'id = "{before}"', 1)
    head = head[: head.rindex("[[phases.checklist]]")]
    return (f'{head}[[phases.checklist]]\nid = "{item_id}"\ntext = "{words}"\nrequired = false\n\n'
            f'[[phases.checklist]]\nid = "{before}"{tail}')


def logged_esketamine(before: str, item_id: str, words: str) -> Protocol:
    """The shipped esketamine protocol with an item named like a device, as a session logged it
    under a clinic file of an older console, which let such an id load."""
    text = (builtin_protocols_dir() / "esketamine.toml").read_text(encoding="utf-8")
    text = text.replace('id = "esketamine"', 'id = "clinic-esketamine"', 1)
    return protocol_from_text(with_item(text, before, item_id, words),
                              "session 1's logged protocol", authoring=False)


def instructed() -> tuple[Protocol, Session, float]:
    """A 56 mg session whose "device-instructions" (a pre-dose item) was ticked before the move
    to the devices; (protocol, session, T0 in seconds from the start)."""
    protocol = logged_esketamine("rems-enrolment", "device-instructions",
                                 "Patient shown how to use the nasal spray device")
    s = Session(protocol)
    s.engine.details["dose_mg"] = 56
    assert s.engine.tick_item("device-instructions", "nurse.ana", s.now()).done
    s.t(60)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done
    return protocol, s, s.now().mono - s.origin


def devices_given(s: Session, t0: float) -> None:
    """Device 1 at T0 + 10 min, device 2 after its 5-min rest."""
    for k, device in enumerate((1, 2)):
        s.t(t0 + 10 * MIN + k * 5 * MIN)
        assert s.engine.tick_item(f"device-{device}", "nurse.ana", s.now(), note="LOT-1").done


def test_the_two_hours_count_from_device_1_after_a_pre_dose_item_named_device() -> None:
    _, s, t0 = instructed()
    devices_given(s, t0)
    assert s.engine.advance_phase("nurse.ana", s.now()).done          # Observation
    s.t(t0 + 121 * MIN)                                                # 111 min after device 1
    # As the shipped protocol counts them (tests/session/test_esketamine_dose.py): from device 1.
    assert s.engine.discharge_wait_s(s.now()) == 9 * MIN


def test_bp_at_t40_is_due_40_min_after_device_1_after_a_pre_dose_item_named_device() -> None:
    _, s, t0 = instructed()
    devices_given(s, t0)
    due = {d.name: d.due_at.mono - s.origin for d in s.engine.due(s.now())}
    assert (due["BP at T+40"] - t0) / MIN == 50                        # device 1 at T0 + 10


def test_the_dose_line_reads_56_mg_given_after_a_pre_dose_item_named_device() -> None:
    protocol, s, t0 = instructed()
    devices_given(s, t0)
    ticked = [item for (_, item) in s.engine._state.ticks]
    assert devices_ticked(protocol, ticked) == 2
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    line = dose_line(protocol, s.engine.details, PhaseKind.OBSERVATION,
                     devices_ticked=devices_ticked(protocol, ticked))
    assert line.startswith("Dose given: 56 mg: 2 devices"), line


def test_device_1_on_a_bp_over_the_gate_asks_the_prescriber_after_a_pre_dose_item_named_device(
        ) -> None:
    # As the shipped protocol does (tests/session/test_esketamine_gate_before_first_device.py):
    # a BP over 140/90 typed on the devices' screen before device 1 asks the prescriber.
    _, s, t0 = instructed()
    s.t(t0 + 3 * MIN)
    s.bp(152, 96)
    s.t(t0 + 5 * MIN)
    refused = s.engine.tick_item("device-1", "nurse.ana", s.now(), note="LOT-1")
    assert not refused.done and refused.asks == GATE_APPROVAL, refused.reasons


def primed() -> tuple[Session, float]:
    """A 56 mg session whose devices phase lists "device-primed" before device 1, ticked at T0;
    (session, T0)."""
    protocol = logged_esketamine("device-1", "device-primed", "Spray device primed and checked")
    s = Session(protocol)
    s.engine.details["dose_mg"] = 56
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done
    t0 = s.now().mono - s.origin
    assert s.engine.tick_item("device-primed", "nurse.ana", s.now()).done
    return s, t0


def test_device_1_after_an_item_named_device_waits_for_no_rest() -> None:
    s, t0 = primed()
    s.t(t0 + 1 * MIN)
    given = s.engine.tick_item("device-1", "nurse.ana", s.now(), note="LOT-1")
    assert given.done and given.asks != EARLY_DEVICE, given.reasons


def test_the_trend_marks_the_dose_at_device_1_not_at_an_item_named_device() -> None:
    s, t0 = primed()
    s.t(t0 + 10 * MIN)
    assert s.engine.tick_item("device-1", "nurse.ana", s.now(), note="LOT-1").done
    feed = TrendFeed(START)
    feed.add(s.recorder.records)
    assert [(m.minutes, m.text) for m in feed.markers() if m.kind == "dose"] == [
        (t0 / MIN + 10, "T0 dose")]
