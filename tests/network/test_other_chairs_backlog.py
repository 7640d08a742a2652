"""Another chair's messages with no answer yet, on a log two chairs share or after a chair's
rename (README allows both): at start a console sends only its own chair's backlog (PV1-3.3,
link.py), so what the old name (or a chair taken out of service) left unanswered needs a way
out. `network undelivered` lists those rows saying whose they are; `network resend` sends the
engine's (same control id and text); the console's log says at start how many it left to whom.
Before: `resend --all` printed "nothing to resend" and `undelivered` said "the console sends
them itself", and nothing ever did.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from console import cli
from console.clock import ManualClock
from console.network.config import NetworkConfig
from console.network.pcd import Station
from console.network.resend import GivenUp, _not_misfiled, listing
from console.store.outbox import BUS, ENGINE
from tests.mosquitto import wait_until
from tests.network.raw_mllp_peer import RawPeer
from tests.network.test_link import Chair
from tests.network.test_mllp_engine_hiccups import accept_everything
from tests.session.helpers import START


class NamedChair(Chair):
    """A Chair whose station writes `chair` in PV1-3.3, as the console's station does."""

    def __init__(self, db: Path, chair: str, forward: str) -> None:
        import tests.network.test_link as helpers
        saved = helpers.STATION
        helpers.STATION = Station(equipment_id="console-test", equipment_id_type="UUID",
                                  room="Room 3", bed=chair)
        try:
            super().__init__(db, NetworkConfig(forward=forward, chair=chair, room="Room 3"),
                             ManualClock(START))
        finally:
            helpers.STATION = saved


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str]:
    code = cli.main(["network", *map(str, argv)])
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


def test_a_renamed_chairs_unsent_backlog_is_listed_and_sent_by_network_resend(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "log.sqlite3"
    down = RawPeer(lambda n, conn, peer: None)
    down_url = down.url
    down.close()                      # the engine is unreachable: nothing answers
    old = NamedChair(db, "chair-2", down_url)
    old.reading("heart_rate", 72)
    old.reading("bp_systolic", 205)   # a high alarm: a PCD-04 too
    stranded = old.outbox_ids()
    assert stranded and old.deliveries() == []
    old.close()

    # The kit is renamed chair-2 -> chair-3; the engine is back.
    engine = RawPeer(lambda n, conn, peer: accept_everything(conn, peer))
    try:
        settings = tmp_path / "network.toml"
        settings.write_text(f'[network]\nforward = "{engine.url}"\nchair = "chair-3"\n')
        with caplog.at_level(logging.WARNING, logger="console.network.link"):
            new = NamedChair(db, "chair-3", engine.url)
        assert (f"{len(stranded)} message(s) for the engine waiting in the log are another "
                f"chair's (chair-2: {len(stranded)}), not this chair's ('chair-3')") in caplog.text
        new.reading("heart_rate", 73)
        wait_until(lambda: (new.pump(), any(c not in stranded for c in engine.received))[1],
                   "chair 3's own message delivered")
        new.close()
        assert [c for c in stranded if c in engine.received] == []   # left to chair 2

        code, out = run(capsys, "undelivered", "--db", db, "--network-config", settings)
        assert code == 0
        assert "nothing to resend" not in out and "sends them itself" not in out
        assert (f"{len(stranded)} messages with no answer yet belong to another chair than this "
                "station's settings name ('chair-3'): chair 'chair-2'.") in out
        assert all(cid in out for cid in stranded)
        assert "network resend --all" in out

        code, out = run(capsys, "resend", "--all", "--db", db, "--network-config", settings,
                        "--wait", "3")
        missing = [cid for cid in stranded if cid not in engine.received]
        assert missing == [], (
            f"never sent by the console nor by `network resend` (exit {code}): {out.strip()!r}")
        assert code == 0 and out.endswith(f"{len(stranded)} of {len(stranded)} delivered\n")

        code, out = run(capsys, "undelivered", "--db", db, "--network-config", settings)
        assert out.startswith(f"No message was refused or given up in {db}: nothing to resend.")
        assert "another chair" not in out
    finally:
        engine.close()


def given(control_id: str, destination: str, chair: str, tries: int = 0) -> GivenUp:
    message = (f"MSH|^~\\&|IC|CLINIC|||20260105090000+0000||ORU^R01|{control_id}|P|2.6\r"
               f"PID|||P-001\rPV1||O|^Room 3^{chair}^CLINIC\r")
    return GivenUp(1, control_id, 1, "pcd01", message, destination, "2026-01-05T09:00:00+00:00",
                   "refused by the broker: not authorised" if tries else "no answer yet", tries)


def test_another_chairs_bus_messages_are_never_published_under_this_chairs_topics() -> None:
    """The bus topics name the chair: chair 2's message under chair 3's topics shows chair 2's
    patient on chair 3's card at the central station. `resend` keeps them back (that chair's
    console sends them); the engine's go."""
    chosen = [given("A", ENGINE, "chair-2"), given("A", BUS, "chair-2"),
              given("B", BUS, "chair-2", tries=1), given("C", BUS, "chair-3", tries=1)]
    sent, kept = _not_misfiled(chosen, "chair-3")
    assert [(g.control_id, g.destination) for g in sent] == [("A", ENGINE), ("C", BUS)]
    assert [(g.control_id, g.destination) for g in kept] == [("A", BUS), ("B", BUS)]

    words = listing([], 0, Path("log.sqlite3"), [given("A", ENGINE, "chair-2"),
                                                 given("A", BUS, "chair-2")], "chair-3")
    assert "1 of them is for the central station (bus): only that chair's console publishes" \
        in words
