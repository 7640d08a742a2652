"""A held poll's final result that comes late, after the decoder gave up waiting and sent the
next poll, still ends that poll: its values are handed on with it, not held until the line's
quiet or the next reply, a low SpO2's alarm waiting for them (a review)."""
from __future__ import annotations

from devices.intellivue.codec import read_envelope
from tests.devices.test_intellivue_poll_parts_handed_on_together import VITALS, Parts


def test_a_late_final_result_hands_on_its_polls_held_values() -> None:
    link = Parts(lan=True, per_message=2, lose_finals=True)
    link.run(3.5)                     # the poll at 3 s: its parts held, its final result lost
    held = link.last_invoke
    late = [m for p, m in link.messages if p == "final" and read_envelope(m).invoke_id == held]
    assert late
    link.monitor_up = False
    sent = link.decoder.polls_sent
    link.run(3.0)                     # the decoder stops waiting and polls again
    assert link.decoder.polls_sent == sent + 1
    result = link.decoder.feed(late[-1], link.at)   # the lost final result after all
    assert len(result.readings) == VITALS
