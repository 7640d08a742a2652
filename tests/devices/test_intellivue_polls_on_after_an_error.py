"""A poll the monitor answers with an error is over: the next poll goes at the poll interval
(1 s), not POLL_REPLY_WAIT_SECONDS (3 s) after the failed one as if a reply were still awaited;
the nurse's vitals would pause 3 s after each error (a review)."""
from __future__ import annotations

from devices.intellivue import ids
from devices.intellivue.codec import envelope
from tests.devices.test_intellivue_poll_parts_handed_on_together import Parts


def test_after_an_error_answer_the_next_poll_goes_at_the_poll_interval() -> None:
    link = Parts(lan=True, per_message=2, lose_finals=True)
    link.run(3.5)
    sent = link.decoder.polls_sent
    link.decoder.feed(envelope(ids.RO_ERROR, link.last_invoke, 0x0001, b""), link.at)
    link.lose_finals = False
    link.run(1.0)   # to 4.5 s: the poll sent at 3.0 s was over at 3.5 s
    assert link.decoder.polls_sent == sent + 1
