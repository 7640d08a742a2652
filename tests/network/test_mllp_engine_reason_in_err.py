"""An engine's reason for refusing a message reaches the failure the console records (the row
`network undelivered` lists, the status line's "last: ..."), wherever its ERR segment puts it:
ERR-8 (user message), ERR-7 (diagnostic information: IPF, IHE's reference engine, writes it
there, as the shared PCD-01 error ACK does) or ERR-3 (the HL7 error code). It had read only
"AR", and clinic IT had to search the engine's log for why an alarm's PCD-04 was refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network.mllp_sender import MllpSender, parse_ack
from tests.network.raw_mllp_peer import RawPeer, msh10, read_frame
from tests.network.test_mllp_engine_hiccups import Outcomes, drive, message

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "device-samples"
IPF_ERROR_ACK = SAMPLES / "ihe-pcd01-ipf-ack-error-response.hl7"
WHY = "Missing required OBR segment"
HEAD = "MSH|^~\\&|ENGINE|CLINIC|IC|CHAIR|20260105090001+0000||ACK^R01^ACK|N1|P|2.6\r"


@pytest.mark.skipif(not IPF_ERROR_ACK.exists(), reason="shared/device-samples is not beside the project")
def test_the_ihe_reference_engines_error_ack_gives_its_reason():
    ack = parse_ack(IPF_ERROR_ACK.read_bytes())
    assert ack is not None
    assert (ack.code, ack.text) == ("CE", WHY)


@pytest.mark.parametrize(("err", "why"), [
    (f"ERR|||100|E|||{WHY}", WHY),                                          # ERR-7
    (f"ERR|||100|E||||{WHY}", WHY),                                         # ERR-8
    ("ERR|||204^Unknown key identifier^HL70357|E", "Unknown key identifier"),   # ERR-3.2
    ("ERR|||207|E", "207"),                                                  # ERR-3's code alone
    ("ERR|||100|E|||Patient \\F\\ unknown", "Patient | unknown"),           # escapes undone
])
def test_err_words_are_read(err, why):
    ack = parse_ack(f"{HEAD}MSA|AR|MSG1\r{err}\r".encode())
    assert ack is not None and ack.text == why


def test_msa3_comes_first():
    ack = parse_ack(f"{HEAD}MSA|AE|MSG1|Busy\rERR|||100|E|||{WHY}\r".encode())
    assert ack is not None and ack.text == "Busy"


def test_an_ar_with_its_reason_in_err7_names_it_in_the_failure():
    def handler(n, conn, peer):
        buf = bytearray()
        while (frame := read_frame(conn, buf)) is not None:
            cid = msh10(frame)
            peer.got(cid)
            body = f"{HEAD}MSA|AR|{cid}\rERR|||100|E|||{WHY}\r"
            conn.sendall(b"\x0b" + body.encode() + b"\x1c\r")

    clock = ManualClock()
    peer = RawPeer(handler)
    outcomes = Outcomes()
    sender = MllpSender(peer.url, clock=clock, on_delivered=outcomes.ok, on_failed=outcomes.bad,
                        ack_timeout=10.0, poll_interval=0.01)
    sender.start()
    try:
        sender.submit(*message(1))
        drive(clock, outcomes.known, seconds=30)
        last = sender.status().last_failure
    finally:
        sender.stop()
        peer.close()
    (_, why), = outcomes.failed
    assert WHY in why
    assert last is not None and WHY in last
