"""Another chair's bus messages the broker refused are listed apart by `network undelivered`, as
`resend` does not take them (review 45). A chair renamed (chair-2 -> chair-3): its refused
PCD-04 was listed among the messages to send again with `network resend --all`, which then kept
it back, sent nothing and exited 1 however often IT ran it."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import pytest

from console import cli
from console.clock import ManualClock
from console.network.config import NetworkConfig
from console.network.pcd import Station
from console.store.outbox import BUS, FAILED, Delivery
from tests.session.helpers import START


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _chair2_refused_on_bus(db: Path) -> list[str]:
    import tests.network.test_link as helpers
    saved = helpers.STATION
    helpers.STATION = Station(equipment_id="console-test", equipment_id_type="UUID",
                              room="Room 3", bed="chair-2")
    try:
        chair = helpers.Chair(db, NetworkConfig(broker=f"mqtt://127.0.0.1:{_closed_port()}",
                                                chair="chair-2", room="Room 3"),
                              ManualClock(START))
    finally:
        helpers.STATION = saved
    chair.reading("bp_systolic", 205)   # a high alarm: its PCD-04 for the central station
    rows = chair.log.conn.execute("SELECT id, control_id FROM outbox ORDER BY id").fetchall()
    chair.log.record_deliveries([Delivery(i, BUS, FAILED, START + timedelta(seconds=1),
                                          "refused by the broker: not authorised")
                                 for i, _ in rows])
    chair.close()
    return [c for _, c in rows]


def test_a_renamed_chairs_refused_bus_message_is_not_sent_to_resend_for_ever(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "log.sqlite3"
    refused = _chair2_refused_on_bus(db)
    settings = tmp_path / "network.toml"
    settings.write_text(f'[network]\nbroker = "mqtt://127.0.0.1:{_closed_port()}"\n'
                        'chair = "chair-3"\n')
    cli.main(["network", "undelivered", "--db", str(db), "--network-config", str(settings)])
    listed = capsys.readouterr().out
    code = cli.main(["network", "resend", "--all", "--db", str(db), "--network-config",
                     str(settings), "--wait", "1"])
    resent = capsys.readouterr().out
    print(listed, "\n---\n", resent, "\nexit", code)
    assert all(c in listed for c in refused)
    # What `undelivered` tells IT to do must be what `resend` does: it names the chair whose
    # message it is (as it does for another chair's unanswered ones), not "resend --all".
    assert "chair-2" in listed, listed
    head, _, apart = listed.partition("belong to another chair")
    assert apart and all(c in apart for c in refused), listed
    assert "`resend` here does not take them" in apart
    assert "nothing to resend" in head   # none of this station's own to send
    assert code == 0 and "Nothing sent." in resent, (code, resent)
