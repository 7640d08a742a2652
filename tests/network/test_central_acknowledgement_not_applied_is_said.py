"""The window's bridge hands every central acknowledgement the link reads to the session
(console/ui/network_bridge.py `pump`), and says the ones it does not apply: a refusal by the
engine is in the session's record with why (engine `acknowledge_from_central`), one for another
session than the one open, or come while no session is open, is said in the console's log (not
in this patient's record), as the link says a command too old to apply (link.py). They had been
dropped without a word (a review)."""

from __future__ import annotations

import logging
import types
from collections.abc import Iterator

import pytest

from console.network.link import Command, LinkReport
from console.ui.controller import SessionController
from console.ui.network_bridge import NetworkBridge
from tests.session.helpers import LockedLog, Session


class _Link:
    """The link's side the bridge reads: each pump reports the commands queued by the test."""

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.held: bool | None = None   # what the last pump was told of records held back
        self.status_seq = 1
        self.published: list[object] = []
        self.config = types.SimpleNamespace(chair="chair-1", room="Room 1", patient_shown="id",
                                            quiet_room=False)
        self.log = types.SimpleNamespace(observations=lambda *_, **__: [],
                                         events=lambda *_, **__: [])

    def pump(self, held: bool = False) -> LinkReport:
        self.held = held
        commands, self.commands = self.commands, []
        return LinkReport(None, "connected", commands)

    def publish_status(self, status: object) -> None:
        self.published.append(status)

    def publish_trend(self, trend: object) -> None:
        self.published.append(trend)


@pytest.fixture
def chair(qtbot) -> Iterator[tuple[Session, SessionController, _Link, NetworkBridge]]:
    s = Session()
    s.to_infusion()
    controller = SessionController(s.engine, s.clock)
    link = _Link()
    bridge = NetworkBridge(link, s.clock)   # type: ignore[arg-type]   # the link's side it reads
    bridge.controller = controller
    yield s, controller, link, bridge
    bridge.deleteLater()
    controller.deleteLater()


def _command(number: int, session: int, occurrence: int, priority: str = "medium") -> Command:
    return Command(f"desk-mem-{number}", session, occurrence, "B. Central", "desk", priority)


def test_a_central_acknowledgement_the_chair_refuses_is_in_the_sessions_record(chair, caplog):
    s, _, link, bridge = chair
    # RR 9: medium, acknowledged at the central; RR 8 (high) before the command arrives.
    s.t(60); s.device("resp_rate", 9)
    [rr] = s.engine.alarms()
    s.t(61); s.device("resp_rate", 8)
    link.commands.append(_command(1, s.engine.session_id, rr.id))
    with caplog.at_level(logging.WARNING, logger="console.ui.network_bridge"):
        bridge.pump()
    assert s.shown() == [("resp_rate_low", "high", "active")]   # not applied
    [event] = s.recorder.events("central_ack_not_applied")
    assert (event.detail["command"], event.detail["reasons"]) == ("desk-mem-1", [
        "the alarm rose to high after the central nurse acknowledged it at medium"])
    assert "desk-mem-1" in caplog.text and "not applied" in caplog.text


def test_a_central_acknowledgement_for_another_session_is_said_and_not_applied(chair, caplog):
    s, _, link, bridge = chair
    s.t(60); s.device("resp_rate", 9)
    [rr] = s.engine.alarms()
    # A command for the session before this one (same alarm number): not this patient's alarm.
    link.commands.append(_command(2, s.engine.session_id + 1, rr.id))
    written = len(s.recorder.records)
    with caplog.at_level(logging.WARNING, logger="console.ui.network_bridge"):
        bridge.pump()
    assert s.shown() == [("resp_rate_low", "medium", "active")]   # not applied
    assert len(s.recorder.records) == written                      # nor in this record
    said = caplog.text
    assert "desk-mem-2" in said and "B. Central" in said and "desk" in said, said
    assert f"session {s.engine.session_id + 1}" in said and "not applied" in said, said


def test_a_central_acknowledgement_while_no_session_is_open_is_said(chair, caplog):
    s, _, link, bridge = chair
    bridge.controller = None   # the session ended and its window went (`detach`)
    link.commands.append(_command(3, s.engine.session_id, 1))
    with caplog.at_level(logging.WARNING, logger="console.ui.network_bridge"):
        bridge.pump()
    assert "desk-mem-3" in caplog.text and "no session is open" in caplog.text, caplog.text


def test_the_pump_tells_the_link_of_records_the_log_cannot_take(chair):
    # The link allows quiet-room soft tones only while nothing is held back (an alarm held in
    # memory is in no outbox): the bridge must say so at each pump (a review).
    s, _, link, bridge = chair
    bridge.pump()
    assert link.held is False
    s.engine.writes.recorder = LockedLog()
    s.t(60); s.device("spo2", 84)    # held: the log is locked
    bridge.pump()
    assert link.held is True
