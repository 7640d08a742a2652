"""The chair's status line in words (NetworkLink.line_text): each transport's state, the messages
to send, UNENCRYPTED and the quiet-room state first, the causes last, so that a window too
narrow for the whole line cuts a cause and not what must stay in sight (a review at 1366x768:
the broker's long sentences pushed UNENCRYPTED and "quiet room: full volume" off the edge).

The link is not started: the bus's and the engine's statuses are given as their clients report
them, and nothing connects anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network.config import IN_CLEAR_NOTE, NetworkConfig, crosses_in_clear, load
from console.network.link import NetworkLink
from console.network.mllp_sender import SenderState, SenderStatus
from console.network.mqtt_bus import BusState, BusStatus
from console.network.pcd import Station
from console.store import EventLog
from tests.session.helpers import START

STATION = Station(equipment_id="console-test", equipment_id_type="UUID", room="Room 3",
                  bed="chair-3")
BROKER = "mqtt://10.20.30.40:1883"   # another machine, plain MQTT: allowed, said UNENCRYPTED

# The bus client's own words (console/network/mqtt_bus.py) for a broker that is down, one lost,
# one that refuses some messages, and one that refuses the connection.
DOWN = BusStatus(BusState.DISCONNECTED, f"cannot connect to the broker {BROKER}: connection "
                 "refused (is the broker running and listening on that port?); retrying",
                 0.0, 0, None)
LOST = BusStatus(BusState.DISCONNECTED, f"lost the connection to the broker {BROKER} (no answer "
                 "or the connection broke); reconnecting", 0.0, 0, None)
REFUSING = BusStatus(BusState.CONNECTED, f"connected to {BROKER} as chair-3; 2 messages refused "
                     "by the broker since the start (2 on this connection), the last to "
                     "infusion/chair/chair-3/pcd04: not authorised (check that this station's "
                     "name matches its account, and the broker's ACL)", 0.0, 0, None)
REFUSED = BusStatus(BusState.REFUSED, f"broker {BROKER} refused the connection: not authorised "
                    "(no user name was given: set username and password_file)", 0.0, 0, None)


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "log.sqlite3", "test")
    yield opened
    opened.close()


def quiet_chair(log: EventLog) -> NetworkLink:
    """A quiet-room chair on plain MQTT to another machine (the operator allowed it)."""
    return NetworkLink(NetworkConfig(broker=BROKER, chair="chair-3", allow_plaintext=True,
                                     quiet_room=True), log, ManualClock(START), station=STATION)


@pytest.mark.parametrize(("status", "state", "cause"), [
    (DOWN, "not connected, retrying",
     f"cannot connect to the broker {BROKER}: connection refused (is the broker running and "
     "listening on that port?)"),
    (LOST, "not connected, reconnecting",
     f"lost the connection to the broker {BROKER} (no answer or the connection broke)"),
    (REFUSING, f"connected to {BROKER} as chair-3",
     "2 messages refused by the broker since the start (2 on this connection), the last to "
     "infusion/chair/chair-3/pcd04: not authorised (check that this station's name matches its "
     "account, and the broker's ACL)"),
    (REFUSED, "not connected", REFUSED.detail),
], ids=["broker down", "connection lost", "broker refusing messages", "connection refused"])
def test_the_line_says_the_bus_state_unencrypted_and_the_quiet_room_before_the_cause(
        log: EventLog, status: BusStatus, state: str, cause: str) -> None:
    link = quiet_chair(log)
    # The bus client reports its status; the next pump judges it (no central station online:
    # full volume).
    link._on_bus_status(status)
    report = link.pump()
    assert report.line == f"{state}; {IN_CLEAR_NOTE}; quiet room: full volume; {cause}"
    # The log's `network_status` rows and the tooltip say all of it as before, the bus first.
    assert report.state == f"{status.detail}; {IN_CLEAR_NOTE}; quiet room: full volume"


def test_the_engine_state_and_its_count_come_before_its_errors(log: EventLog) -> None:
    link = NetworkLink(NetworkConfig(forward="mllp://192.0.2.10:6661", chair="chair-3",
                                     allow_plaintext=True), log, ManualClock(START),
                       station=STATION)
    error = ("cannot connect to the engine 192.0.2.10:6661: no route to host (check the "
             "engine's address and that its port is open to this console)")
    # The engine gave a message up, and now cannot be reached.
    link._on_engine_failed("c-0", "the MLLP peer answered AE to message 'c-0' 3 times")
    link._on_mllp_status(SenderStatus(SenderState.BACKING_OFF, failures=2, last_error=error,
                                      last_failure="AE 3 times"))
    report = link.pump()
    assert report.line == (
        "engine 192.0.2.10:6661: no connection, retrying in 2 s; 1 message not taken since the "
        f"start; {IN_CLEAR_NOTE}; engine: {error}; last not taken: AE 3 times")
    assert report.state == (
        f"engine 192.0.2.10:6661: no connection, retrying in 2 s ({error}); 1 message not taken "
        f"since the start (last: AE 3 times); {IN_CLEAR_NOTE}")


@pytest.mark.parametrize("pasted", ["\u00a0", " ", "\u2003"], ids=["no-break space", "space",
                                                                  "em space"])
def test_a_plain_address_pasted_with_a_space_before_it_is_said_unencrypted(
        tmp_path: Path, log: EventLog, pasted: str) -> None:
    """The bus and the engine read an address stripped, so one pasted from a web page with a
    no-break space before "mqtt://" goes in clear to that machine: the status line says so (it
    had left UNENCRYPTED out, a review), for the broker, the engine and the central's line."""
    kit = tmp_path / "network.toml"
    kit.write_text(f'[network]\nbroker = "{pasted}{BROKER}"\nchair = "chair-3"\n'
                   f'forward = "{pasted}mllp://10.20.30.41:6661"\nallow_plaintext = true\n',
                   encoding="utf-8")
    loaded = load(kit)
    link = NetworkLink(loaded, log, ManualClock(START), station=STATION)
    assert IN_CLEAR_NOTE in link.pump().state
    assert loaded.forward is not None and crosses_in_clear(loaded.forward)
    assert crosses_in_clear(f"{pasted}{BROKER}")   # what the central station's line asks
