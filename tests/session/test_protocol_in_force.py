"""A session runs under the protocol it started with, through a restart too
(console/session/protocol_record.py): the alarm audit edited the protocol file while the console
was stopped, and the restarted session took the new limits silently, and a removed rule's alarm
could never end."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.export.protocol_file import find_protocol
from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.review.model import describe_event
from console.session.engine import SessionEngine
from console.session.journal import describe
from console.session.protocol_record import PROTOCOL_IN_FORCE, ProtocolMissing
from protocols.loader import load_protocol, protocol_from_text
from protocols.model import Protocol
from tests.session.helpers import HIGH, Session

IV_FILE = Path(__file__).parents[2] / "protocols" / "iv-ketamine.toml"
SPO2_HIGH = 'priority = "high"\ndirection = "low"\nat_or_below = 90\n'
SHIPPED = load_protocol(IV_FILE).version   # the version installed today
EDITED = f"{SHIPPED}-clinic"                # the version a clinic's edit gives it


def edited(protocol: Protocol, old: str, new: str) -> Protocol:
    """The installed file as a clinic edited it while the console was stopped."""
    assert old in protocol.text
    text = protocol.text.replace(old, new).replace(f'version = "{SHIPPED}"', f'version = "{EDITED}"')
    return protocol_from_text(text, "edited iv-ketamine.toml")


def restart(s: Session, installed: Protocol | None, after_seconds: float = 30) -> SessionEngine:
    now = s.clock.advance(after_seconds)
    records = s.recorder.records
    s.engine = SessionEngine.resume(
        installed, s.recorder, 1, s.recorder.opened[0],
        [r for r in records if isinstance(r, ObservationRecord)],
        [r for r in records if isinstance(r, EventRecord)],
        [r for r in records if isinstance(r, AlarmTransition)], now)
    return s.engine


def spo2_89_alarm() -> tuple[Session, Protocol]:
    started = load_protocol(IV_FILE)
    s = Session(started)
    s.t(60); s.device("spo2", 89)
    assert s.shown() == [("spo2_low", "high", "active")]
    return s, started


def test_the_session_logs_its_protocol_whole_at_its_start():
    s, started = spo2_89_alarm()
    (logged,) = s.recorder.events(PROTOCOL_IN_FORCE)
    assert logged.detail["text"] == IV_FILE.read_text("utf-8")
    assert (logged.detail["protocol_id"], logged.detail["version"]) == ("iv-ketamine", SHIPPED)


def test_a_limit_edited_while_the_console_was_stopped_waits_for_the_next_session():
    s, started = spo2_89_alarm()
    # The clinic moves the high SpO2 limit to 85 while the console is down: under it 89 is a
    # medium alarm. The session keeps the limit it started with: still high, still sounding.
    engine = restart(s, edited(started, SPO2_HIGH, SPO2_HIGH.replace("90", "85")))
    assert engine.protocol.version == SHIPPED
    assert s.shown() == [("spo2_low", "high", "active")]
    assert engine.audio(s.now()).priority is HIGH
    said = s.recorder.events("session_resumed")[-1].detail
    assert said["protocol"].startswith(f"as started, version {SHIPPED}, from this session's log: "
                                       f"the installed file changed since (version {EDITED} now)")
    assert said["protocol_version_now"] == EDITED
    assert describe(s.recorder.events("session_resumed")[-1]) == (
        "Session resumed after a restart: protocol kept as started (its file changed since)")


def test_an_alarm_whose_rule_was_removed_while_stopped_still_ends():
    s, started = spo2_89_alarm()
    # The clinic removes both SpO2 rules (its monitor's own SpO2 alarms to be used instead).
    source = 'source = "NEWS2 SpO2 scale 1 [V]; monitor defaults [S]"\n'
    rules = ('[[alarms]]\nmetric = "spo2"\npriority = "medium"\ndirection = "low"\n'
             'at_or_below = 93\n' + source + '\n[[alarms]]\nmetric = "spo2"\n' + SPO2_HIGH + source)
    engine = restart(s, edited(started, rules, ""))
    # SpO2 back to 97: the alarm, unseen, latches and is reset: it ends (it could not before:
    # no rule left to see its condition cease).
    s.t(120); s.device("spo2", 97)
    (latched,) = engine.alarms()
    assert (latched.condition, latched.state.value) == ("spo2_low", "latched")
    assert engine.acknowledge(latched.id, "nurse.ana", s.now()).done
    assert engine.alarms() == []


def test_an_unchanged_file_is_said_as_such_and_a_session_without_a_logged_text_takes_the_file():
    s, started = spo2_89_alarm()
    restart(s, load_protocol(IV_FILE))
    assert (s.recorder.events("session_resumed")[-1].detail["protocol"]
            == "as started (the installed file is unchanged)")
    s.recorder.records = [r for r in s.recorder.records
                          if not (isinstance(r, EventRecord) and r.kind == PROTOCOL_IN_FORCE)]
    engine = restart(s, edited(started, SPO2_HIGH, SPO2_HIGH.replace("90", "85")))
    assert engine.protocol.version == EDITED
    assert s.recorder.events("session_resumed")[-1].detail["protocol"] == (
        "the installed file (no protocol text in this session's log)")


def test_the_review_and_exports_draw_the_limits_the_session_ran_under():
    # A session ran under a clinic's edit (EDITED, SpO2 high at ≤85); the file installed today
    # is the shipped one (≤90). Its review, PDF and REMS form read the session's own.
    s = Session(edited(load_protocol(IV_FILE), SPO2_HIGH, SPO2_HIGH.replace("90", "85")))
    logged = s.recorder.events(PROTOCOL_IN_FORCE)
    found = find_protocol("iv-ketamine", logged, 1)
    assert found is not None and found.version == EDITED
    assert [r.at_or_below for r in found.alarms if r.metric == "spo2" and r.absent_seconds is None
            ] == [93, 85]
    assert describe_event(PROTOCOL_IN_FORCE, logged[0].detail).startswith(
        f"Protocol in force: iv-ketamine version {EDITED}, as its file read at the start "
        "(SHA-256 ")


def test_a_session_whose_protocol_file_is_gone_resumes_under_its_logged_copy():
    # The clinic removed the protocol file while a session was open: the session comes back,
    # its alarm with it, under the copy in its log (a restart restores every alarm as it was).
    s, started = spo2_89_alarm()
    engine = restart(s, None)
    assert engine.protocol.version == SHIPPED
    assert [(o.condition, o.priority) for o in engine.alarms()] == [("spo2_low", HIGH)]
    assert s.recorder.events("session_resumed")[-1].detail["protocol"] == (
        f"as started, version {SHIPPED}, from this session's log: its protocol file is not "
        "installed on this console")


def test_a_session_with_neither_its_file_nor_a_logged_copy_is_refused_by_name():
    s, started = spo2_89_alarm()
    s.recorder.records = [r for r in s.recorder.records
                          if not (isinstance(r, EventRecord) and r.kind == PROTOCOL_IN_FORCE)]
    with pytest.raises(ProtocolMissing) as refused:
        restart(s, None)
    assert str(refused.value) == (
        "session 1 cannot be resumed on this console: its protocol 'iv-ketamine' is not "
        "installed here, and its log holds no copy of it (it started before the console kept "
        "one); install that protocol file and start the console again")
