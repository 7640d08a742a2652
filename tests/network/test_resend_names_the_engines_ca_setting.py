"""`network resend` to an mllps:// engine whose certificate the CA it checks with does not accept
names the setting to fix, forward_ca_file, and the CA file used, as the console does in the same
case (tests/network/test_engine_certificate_words.py): it said OpenSSL's words alone, and the IT
person running it was not told which setting was wrong (a review)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from console.network.broker_setup import make_certificates
from tests.mosquitto import wait_until
from tests.network.mllp_peer import MllpPeer, Reply, reserve_port
from tests.network.test_link import Chair, engine_config
from tests.network.test_resend import deliveries, run



def test_resend_names_forward_ca_file_as_the_console_does(
        tmp_path: Path, reserved_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    refusing = MllpPeer(reserved_port, lambda cid, seen: Reply("AR", text="unknown patient"))
    db = tmp_path / "log.sqlite3"
    try:
        refusing.listen()
        chair = Chair(db, engine_config(reserved_port))
        chair.reading("heart_rate", 72)
        wait_until(lambda: (chair.pump(), len(deliveries(db, "engine"))
                            == len(chair.outbox_ids()))[1], "the AR logged")
        chair.close()
    finally:
        refusing.close()

    # The README's case: the kit's ca_file is the clinic's broker CA, the engine's certificate
    # the hospital's, forward_ca_file not set.
    (tmp_path / "hospital").mkdir()
    (tmp_path / "clinic").mkdir()
    _, cert, key = make_certificates(tmp_path / "hospital", "localhost")
    broker_ca, _, _ = make_certificates(tmp_path / "clinic", "localhost")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    with reserve_port() as port:
        engine = MllpPeer(port, lambda cid, seen: Reply("AA"), tls=server)
        try:
            engine.listen()
            settings = tmp_path / "network.toml"
            settings.write_text(f'[network]\nforward = "mllps://localhost:{port}"\n'
                                f'chair = "chair-3"\nca_file = "{broker_ca}"\n')
            code, out, err = run(capsys, "resend", "--all", "--db", db, "--network-config",
                                 settings, "--wait", "2")
        finally:
            engine.close()
    first = out.splitlines()[0]
    assert "TLS certificate not accepted" in first, first
    assert (f"check forward_ca_file (not set: ca_file {broker_ca} was used; set it to the CA "
            "of the engine's certificate)") in first, first
