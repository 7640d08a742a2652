"""P2 says what a flood commits: a hand-over's messages are one transaction, so its JSON gives the
commits as well as the messages, and the same run measures a monitor that waits for each ACK, as
an HL7 sender does, one message a commit (review 48: the README read "one message is one
transaction" under a figure of ~3 messages a commit). Tiny sizes: the tests judge what is
reported, not the figures."""

from __future__ import annotations

from benchmarks import p2_ingest
from devices.hl7.decoder import HL7Decoder
from tests.test_bench_none_lost import _losing_spo2


def test_p2_reports_its_commits_and_a_sender_waiting_for_each_ack(tmp_path):
    flood, waiting = p2_ingest.run({"messages": 300, "ack_waiting_messages": 40,
                                    "tmpdir": str(tmp_path)})
    d = flood.details
    assert flood.case == "" and d["none_lost"], d
    assert 0 < d["commits"] <= d["messages_committed"] == d["messages_written"], d
    assert d["messages_per_commit"] == d["messages_committed"] / d["commits"], d
    assert sum(int(k) * n for k, n in d["commits_by_messages"].items()) == d["messages_committed"]
    w = waiting.details
    assert waiting.id == "P2" and waiting.case == "sender waiting for each ACK", waiting
    assert w["messages_acknowledged"] == w["messages_committed"] == w["commits"] == 40, w
    assert w["commits_by_messages"] == {"1": 40}, w
    assert w["rows_lost"] == 0 and w["none_lost"] and waiting.passed is True, w


def test_p2_ack_waiting_row_fails_when_readings_go_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(HL7Decoder, "feed", _losing_spo2)
    _, waiting = p2_ingest.run({"messages": 60, "ack_waiting_messages": 20,
                                "tmpdir": str(tmp_path)})
    assert waiting.details["rows_lost"] == 20, waiting.details
    assert waiting.passed is False, waiting.details
