"""A vital gone missing while the monitor sends the others: its last value no longer counts.

Review 47: "No SpO2 for 30 s" (medium) lost to the acknowledged SpO2 86 of a minute before (high),
so a probe off after an acknowledged desaturation was never alarmed, the row reading "SpO2 86 %
· acknowledged" and reminded "(reminder: still present)". And RR 26 (medium, a condition with no
absence rule of its own) stood beside "No respiratory rate for 20 s" for as long as the apnoea
lasted, reminded as still present. Once an absence rule of a vital holds, no condition of that
vital holds on its last value (conditions.py `ConditionTracker.held`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from console.records import AlarmTransition, SessionOpened
from console.session.alarm_area import compact_row, row_text
from console.session.engine import SessionEngine
from console.store import EventLog
from protocols.loader import load_protocol
from protocols.model import Protocol
from tests.session.helpers import HIGH, Session, default_rules, iv_protocol, rule
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401

PROTOCOLS = Path(__file__).parents[2] / "protocols"
NURSE = "nurse.ana"


def _monitor(s: Session, start: int, end: int, **values: float) -> None:
    """The monitor's frames each second from `start` to `end` (excluded): these vitals only."""
    for second in range(start, end):
        s.t(second)
        for name, value in values.items():
            s.device(name, value)


def _rows(s: Session) -> list[tuple[str, str, str, str]]:
    return [(o.condition, o.priority.label, o.state.value, o.message) for o in s.engine.alarms()]


def _restart(s: LoggedSession, protocol: Protocol) -> None:
    """`restart` at once, the session run by `protocol` (`restart` reads it by the test
    protocol, which has no absence rule of SpO2 and no pulse rate rule)."""
    log: EventLog = s.recorder   # type: ignore[assignment]
    row = log.session(s.engine.session_id)
    logged = log.observations(row.id)
    s.engine = SessionEngine.resume(
        protocol, log, row.id,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                      row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
        [r for _, r in logged], [r for _, r in log.events(row.id)],
        [r for _, r in log.alarm_events(row.id)], s.now(),
        observation_ids=[i for i, _ in logged])


def _ended(s: Session, occurrence: int) -> tuple[str, str]:
    last = [r for r in s.recorder.records
            if isinstance(r, AlarmTransition) and r.occurrence == occurrence][-1]
    return last.transition, last.message


def _probe_off_after(spo2: float) -> tuple[Session, int]:
    """SpO2 `spo2` acknowledged; then the probe comes off for 30 s, HR and RR still sent."""
    s = Session(load_protocol(PROTOCOLS / "iv-ketamine.toml"))
    s.engine.device_state_changed("connected", s.now())
    _monitor(s, 60, 70, spo2=97, heart_rate=80, resp_rate=14)
    _monitor(s, 70, 71, spo2=spo2, heart_rate=80, resp_rate=14)
    (desaturation,) = s.engine.alarms()
    assert s.engine.acknowledge(desaturation.id, NURSE, s.now()).done
    assert s.sounding() is None
    _monitor(s, 71, 101, heart_rate=80, resp_rate=14)   # 30 s with no SpO2 at all
    return s, desaturation.id


@pytest.mark.parametrize("spo2", [86, 92], ids=["high acknowledged", "medium acknowledged"])
def test_a_probe_off_after_an_acknowledged_desaturation_is_a_new_sounding_alarm(spo2: float):
    # The medium SpO2 92 was the control: its probe-off was alarmed; after the high 86 nothing.
    s, desaturation = _probe_off_after(spo2)
    assert _rows(s) == [("spo2_low", "medium", "active", "No SpO2 for 30 s")]
    assert s.sounding() == "medium"
    # The acknowledged desaturation ended (seen: nothing to latch), saying what followed it.
    transition, message = _ended(s, desaturation)
    assert transition == "cleared"
    assert message.endswith("(a new alarm: No SpO2 for 30 s)")
    # Its reminder, 150 s on, says the absence, not a value of minutes ago "still present".
    (absence,) = s.engine.alarms()
    assert s.engine.acknowledge(absence.id, NURSE, s.now()).done
    _monitor(s, 101, 252, heart_rate=80, resp_rate=14)
    assert _rows(s) == [("spo2_low", "medium", "active", "No SpO2 for 181 s")]
    assert not any("SpO2 86" in r.message for r in s.recorder.records
                   if isinstance(r, AlarmTransition) and r.transition == "reminded")


def test_a_probe_off_after_an_unseen_desaturation_keeps_it_high_and_latching():
    # Nobody has seen the SpO2 86: the probe coming off does not end the excursion's alarm. It
    # stays high and sounding (IEC 60601-1-8 latching), and latches when the probe comes back.
    s = Session(load_protocol(PROTOCOLS / "iv-ketamine.toml"))
    s.engine.device_state_changed("connected", s.now())
    _monitor(s, 60, 70, spo2=97, heart_rate=80, resp_rate=14)
    _monitor(s, 70, 71, spo2=86, heart_rate=80, resp_rate=14)
    (desaturation,) = s.engine.alarms()
    _monitor(s, 71, 101, heart_rate=80, resp_rate=14)
    assert [(o.id, o.priority.label, o.state.value, o.message) for o in s.engine.alarms()] == [
        (desaturation.id, "high", "active", "SpO2 86 %, limit ≤90")]
    assert s.sounding() == "high"
    _monitor(s, 101, 102, spo2=97, heart_rate=80, resp_rate=14)
    assert [(o.id, o.state.value) for o in s.engine.alarms()] == [(desaturation.id, "latched")]
    assert s.sounding() == "high"


@pytest.mark.parametrize("acknowledged", [False, True], ids=["unseen", "acknowledged"])
def test_an_apnoea_ends_the_alarm_of_a_rate_no_longer_counted(acknowledged: bool):
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    _monitor(s, 60, 61, resp_rate=26, spo2=97)
    (fast,) = s.engine.alarms()
    assert (fast.condition, fast.priority.label) == ("resp_rate_high", "medium")
    if acknowledged:
        assert s.engine.acknowledge(fast.id, NURSE, s.now()).done
    _monitor(s, 61, 80, spo2=97)
    assert [r[0] for r in _rows(s)] == ["resp_rate_high"]
    _monitor(s, 80, 81, spo2=97)   # no RR for 20 s
    # At once, not ACKNOWLEDGED_END_SECONDS later: its values are not back inside its limits.
    assert _rows(s) == [("resp_rate_low", "high", "active", "No respiratory rate for 20 s")]
    assert s.sounding() == "high"
    assert _ended(s, fast.id) == (
        "cleared", "Respiratory rate 26 breaths/min, limit ≥25 (its value no longer counts: "
                   "no respiratory rate for 20 s)")
    _monitor(s, 81, 400, spo2=97)   # no "RR 26 (reminder: still present)" while it lasts
    assert [r[0] for r in _rows(s)] == ["resp_rate_low"]
    # Breathing counted again: RR 26 is a value now, its own alarm again.
    _monitor(s, 400, 401, resp_rate=26, spo2=97)
    assert [r[:2] for r in _rows(s)] == [("resp_rate_low", "high"), ("resp_rate_high", "medium")]


def test_an_unseen_high_of_a_rate_no_longer_counted_stays_latched():
    # A clinic's high limit on a fast rate (no absence rule of its own): RR 45 nobody saw, then
    # no RR. The excursion ended unseen: latched (IEC 60601-1-8), beside the apnoea.
    protocol = replace(iv_protocol(), alarms=(*default_rules(),
                                              rule("resp_rate", HIGH, "high", at_or_above=40)))
    s = Session(protocol)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    _monitor(s, 60, 61, resp_rate=45, spo2=97)
    (fast,) = s.engine.alarms()
    _monitor(s, 61, 81, spo2=97)
    assert sorted((o.condition, o.priority.label, o.state.value) for o in s.engine.alarms()) == [
        ("resp_rate_high", "high", "latched"), ("resp_rate_low", "high", "active")]
    assert s.sounding() == "high"
    assert [o.id for o in s.engine.alarms() if o.condition == "resp_rate_high"] == [fast.id]


@pytest.mark.parametrize("reads_device", [True, False], ids=["monitor-read", "no-monitor"])
def test_a_restart_during_the_apnoea_does_not_bring_back_the_rate_no_longer_counted(
        log: EventLog, reads_device: bool) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    start = int(s.now().mono - s.origin)
    _monitor(s, start + 1, start + 2, resp_rate=26, spo2=97)
    _monitor(s, start + 2, start + 30, spo2=97)
    live = _rows(s)
    assert [r[0] for r in live] == ["resp_rate_low"]
    restart(s, 0, reads_device=reads_device)
    assert _rows(s) == live
    if reads_device:
        s.engine.device_state_changed("connected", s.now())
    _monitor(s, start + 30, start + 60, spo2=97)
    assert [r[0] for r in _rows(s)] == ["resp_rate_low"]


def test_a_restart_before_the_tick_that_would_have_raised_the_apnoea_ends_that_rate_too(
        log: EventLog) -> None:  # noqa: F811
    # The console stopped after a frame 25 s into the silence, before its tick: the restart
    # raises the apnoea, as the tick would have, and RR 26 goes with it, as it would have.
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    start = int(s.now().mono - s.origin)
    _monitor(s, start + 1, start + 2, resp_rate=26, spo2=97)
    _monitor(s, start + 2, start + 19, spo2=97)
    s.clock.advance(6)
    s.device("spo2", 97)   # logged; no tick came after it
    assert [r[0] for r in _rows(s)] == ["resp_rate_high"]
    restart(s, 0)
    assert [r[:3] for r in _rows(s)] == [("resp_rate_low", "high", "active")]


def _unseen_desaturation_then_probe_off(s: Session) -> int:
    """SpO2 86 (high) nobody acknowledges; then the probe comes off for 39 s, HR and RR still
    sent: the alarm stays high (latching), what its condition holds now is "No SpO2"."""
    s.engine.device_state_changed("connected", s.now())
    _monitor(s, 60, 70, spo2=97, heart_rate=80, resp_rate=14)
    _monitor(s, 70, 71, spo2=86, heart_rate=80, resp_rate=14)
    (desaturation,) = s.engine.alarms()
    _monitor(s, 71, 110, heart_rate=80, resp_rate=14)
    return desaturation.id


def test_an_unseen_desaturation_held_high_says_the_probe_is_off() -> None:
    # Review 47: the row read "*** SpO2 86 %, limit ≤90" and nothing else, SpO2 not measured
    # for 39 s; a held value says "· now 92", a held absence said nothing.
    s = Session(load_protocol(PROTOCOLS / "iv-ketamine.toml"))
    _unseen_desaturation_then_probe_off(s)
    (row,) = s.engine.alarms()
    assert (row.priority.label, row.state.value) == ("high", "active")
    assert row_text(row) == "*** SpO2 86 %, limit ≤90 · now: no SpO2 for 39 s"
    compact = compact_row(row)
    assert (compact.words, compact.state) == ("*** SpO2 86 %, limit ≤90",
                                              " · now: no SpO2 for 39 s")


def test_acknowledging_an_unseen_desaturation_after_the_probe_came_off_sounds_it() -> None:
    # Review 47: acknowledged, the row became "** No SpO2 for 39 s · acknowledged", silent until
    # the reminder: the nurse had acknowledged the SpO2 86 she was shown, never the probe off.
    # Acknowledged a second before the probe came off, "No SpO2" was a new sounding alarm.
    s = Session(load_protocol(PROTOCOLS / "iv-ketamine.toml"))
    desaturation = _unseen_desaturation_then_probe_off(s)
    assert s.engine.acknowledge(desaturation, NURSE, s.now()).done
    assert _rows(s) == [("spo2_low", "medium", "active", "No SpO2 for 39 s")]
    assert s.sounding() == "medium"
    ends = [(r.transition, r.priority, r.actor, r.message) for r in s.recorder.records
            if isinstance(r, AlarmTransition) and r.occurrence == desaturation][-2:]
    assert ends == [
        ("acknowledged", "high", NURSE, "SpO2 86 %, limit ≤90"),
        ("cleared", "high", "engine", "SpO2 86 %, limit ≤90 (a new alarm: No SpO2 for 39 s)")]


@pytest.mark.parametrize("acknowledged", [False, True], ids=["held high", "acknowledged"])
def test_a_restart_after_an_unseen_desaturation_and_a_probe_off_gives_the_same_board(
        log: EventLog, acknowledged: bool) -> None:  # noqa: F811
    protocol = load_protocol(PROTOCOLS / "iv-ketamine.toml")
    s = LoggedSession(log, protocol)
    desaturation = _unseen_desaturation_then_probe_off(s)
    if acknowledged:
        assert s.engine.acknowledge(desaturation, NURSE, s.now()).done
    live = [(*row, row_text(o)) for row, o in zip(_rows(s), s.engine.alarms(), strict=True)]
    sounding = s.sounding()
    _restart(s, protocol)
    assert [(*row, row_text(o)) for row, o in zip(_rows(s), s.engine.alarms(), strict=True)] == live
    assert s.sounding() == sounding
    if not acknowledged:   # acknowledged after the restart, as live
        assert s.engine.acknowledge(desaturation, NURSE, s.now()).done
        assert _rows(s) == [("spo2_low", "medium", "active", "No SpO2 for 39 s")]
        assert s.sounding() == "medium"
