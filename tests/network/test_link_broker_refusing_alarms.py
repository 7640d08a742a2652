"""A broker whose ACL takes a chair's observations (PCD-01) but refuses its alarm messages
(PCD-04): the central station never shows that chair's alarms. The bus's alarm for the refusal
had been its wait for a confirmation, which the next observation delivered ended: the bedside
said nothing while the central was blind to its alarms. It stands, counted from the refused
message, until that message is delivered, as an engine's refusal does.

Real Mosquitto with a password file and an ACL of its own (the project's fixtures)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network.config import NetworkConfig
from tests.mosquitto import Broker, wait_until
from tests.network.test_link import Chair, chairs  # noqa: F401
from tests.session.helpers import START

# chair-3 may write everything of its own but its alarm messages (no pcd04 line).
ACL = """\
user chair-3
topic readwrite infusion/chair/chair-3/status
topic write infusion/chair/chair-3/pcd01
topic write infusion/chair/chair-3/trend
topic read infusion/chair/chair-3/command
topic read infusion/chair/chair-3/confirm
topic read infusion/central/+/status
"""


@pytest.fixture
def refusing_alarms(tmp_path: Path) -> Iterator[Broker]:
    folder = tmp_path / "broker"
    folder.mkdir()
    passwd = folder / "passwd"
    passwd.write_text("chair-3:pw\n")
    subprocess.run(["mosquitto_passwd", "-U", str(passwd)], check=True)
    acl = folder / "acl"
    acl.write_text(ACL)
    broker = Broker(folder, passwd=passwd, acl=acl).start()
    yield broker
    broker.stop()


def outcomes(chair: Chair) -> list[str]:
    """The deliveries logged so far, once the link's news is pumped."""
    chair.pump()
    return sorted(outcome for _, _, outcome in chair.deliveries())


def test_an_alarm_message_the_broker_refuses_stays_the_bus_alarm_while_observations_go_through(
        chairs: Callable[..., Chair], refusing_alarms: Broker) -> None:
    clock = ManualClock(START)
    chair = chairs(NetworkConfig(broker=refusing_alarms.url, chair="chair-3", room="Room 3",
                                 username="chair-3", password="pw"), clock)
    wait_until(lambda: chair.link.bus is not None
               and chair.link.bus.status().state.name == "CONNECTED", "connected")
    chair.reading("bp_systolic", 205)   # its PCD-01 taken, its alarm's PCD-04 refused
    wait_until(lambda: outcomes(chair) == ["delivered", "failed"],
               "the observation delivered and the alarm message refused")
    clock.advance(11)
    chair.pump()
    assert chair.network_alarm() == ("low", "Clinic bus not confirming delivery")

    chair.reading("heart_rate", 72)   # the next observation gets through
    wait_until(lambda: outcomes(chair).count("delivered") == 2,
               "the next observation delivered")
    chair.pump()
    # The central station still lacks the alarm: the bus's alarm stands, and says why.
    assert chair.network_alarm() == ("low", "Clinic bus not confirming delivery")
    report = chair.link.pump()
    assert report.problem is not None
    assert report.problem.detail.startswith("the broker refused ")
    assert "the oldest handed over 11 s ago; the central station lacks" in report.problem.detail

    # A minute with the central blind to this chair's alarm: medium, as any bus problem.
    clock.advance(50)
    chair.pump()
    assert chair.network_alarm() == ("medium", "Clinic bus not confirming delivery")
