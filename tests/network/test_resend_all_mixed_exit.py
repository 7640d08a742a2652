"""`network resend --all` exits 0 when it delivered every message of this chair, another chair's kept back (review 45). It
("nothing failed": they are not this station's to send). The same --all that also sends this
chair's own refused messages, every one delivered, still exits 1 because of those same kept
rows: IT's script sees a failure on the run that did the work and success on the next run that
did nothing."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import pytest

from console import cli
from console.clock import ManualClock
from console.network import resend as resend_mod
from console.network.config import NetworkConfig
from console.store.outbox import BUS, DELIVERED, FAILED, Delivery
from tests.network.test_other_chairs_refused_bus_rows import _chair2_refused_on_bus
from tests.network.test_link import Chair
from tests.session.helpers import START


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_resend_all_that_delivered_all_its_own_exits_0_beside_another_chairs_rows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "log.sqlite3"
    _chair2_refused_on_bus(db)
    port = _closed_port()
    chair = Chair(db, NetworkConfig(broker=f"mqtt://127.0.0.1:{port}", chair="chair-3",
                                    room="Room 3"), ManualClock(START + timedelta(hours=1)))
    chair.reading("bp_systolic", 205)
    done = {r[0] for r in chair.log.conn.execute(
        "SELECT outbox_id FROM deliveries")}
    own = [i for (i,) in chair.log.conn.execute("SELECT id FROM outbox ORDER BY id")
           if i not in done]
    chair.log.record_deliveries([Delivery(i, BUS, FAILED, START + timedelta(hours=1, seconds=1),
                                          "refused by the broker: not authorised") for i in own])
    chair.close()
    settings = tmp_path / "network.toml"
    resend_password = tmp_path / "resend-password"
    resend_password.write_text("secret\n")
    resend_password.chmod(0o600)
    settings.write_text(f'[network]\nbroker = "mqtt://127.0.0.1:{port}"\nchair = "chair-3"\n'
                        'resend_username = "chair-3.resend"\n'
                        'resend_password_file = "resend-password"\n')

    def delivered_all(chosen, config, clock, wait_s):   # the broker took every one
        return ({(g.outbox_id, g.destination): resend_mod.Answer(DELIVERED, "", START)
                 for g in chosen}, {})

    monkeypatch.setattr(resend_mod, "resend", delivered_all)
    code = cli.main(["network", "resend", "--all", "--db", str(db), "--network-config",
                     str(settings), "--wait", "1"])
    first = capsys.readouterr().out
    code_again = cli.main(["network", "resend", "--all", "--db", str(db), "--network-config",
                           str(settings), "--wait", "1"])
    again = capsys.readouterr().out
    print(first, "\n---\n", again)
    assert own and "not sent from here" in first
    assert code_again == 0 and "Nothing sent." in again
    assert code == 0, f"--all delivered every message of this chair, exit {code}:\n{first}"
