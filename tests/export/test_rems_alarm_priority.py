"""The REMS draft's adverse-event evidence names an alarm's priority as it was at each time: a
BP alarm raised medium at 10:05 and escalated at 10:10 reads "medium at 10:05, high from 10:10".

Audit: the evidence read "… at 10:05 (high)", the highest priority reached put at the time the
alarm was raised, when at 10:05 it had sounded medium.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.export.rems import rems_form, render_text
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from protocols.loader import builtin_protocols_dir
from tests.review import scenarios
from tests.review.scenarios import Driver

START = datetime(2026, 3, 6, 9, 55, tzinfo=UTC)
MESSAGE = ("Systolic BP 182 mmHg (+50 from baseline 132), limit ≥180 or ≥40 above baseline")


def dosed(path: Path) -> tuple[EventLog, Driver]:
    """An esketamine session, baseline 132/84 at 09:55, device 1 given at T0 10:00."""
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, tzinfo=UTC))
    r = Driver(log, "esketamine", "MRN-7001", 64.0, "nurse.ben", START, 1, chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()                                        # T0 10:00
    r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A")
    return log, r


def pressure_evidence(path: Path, session: int) -> tuple[bool | None, str, list[str]]:
    conn = open_readonly(path)
    try:
        form = rems_form(load_session(conn, session), tz=UTC)
    finally:
        conn.close()
    event = next(e for e in form.adverse_events if e.name == "increased_blood_pressure")
    return event.present, event.evidence, render_text(form, tz=UTC).splitlines()


def test_an_alarm_raised_medium_and_escalated_names_both_priorities_with_their_times(tmp_path):
    path = tmp_path / "log.sqlite3"
    log, r = dosed(path)
    r.at(10); r.manual(bp_systolic=182, bp_diastolic=100)     # 10:05: medium
    r.at(10.5); r.ack_all()
    r.at(15); r.manual(bp_systolic=184, bp_diastolic=100)     # 10:10: the repeat escalates it
    r.at(15.5); r.ack_all()
    session = r.id
    log.close()
    present, evidence, lines = pressure_evidence(path, session)
    assert present is True
    assert evidence == f"{MESSAGE} at 10:05 (medium at 10:05, high from 10:10)"
    assert ("  Increased blood pressure (BP high alarm): Yes - "
            f"{MESSAGE} at 10:05 (medium at 10:05, high from 10:10)") in lines
    assert "(high)" not in "\n".join(lines)


def test_an_alarm_that_stayed_medium_reads_medium(tmp_path):
    path = tmp_path / "log.sqlite3"
    log, r = dosed(path)
    r.at(10); r.manual(bp_systolic=182, bp_diastolic=100)     # 10:05: medium
    r.at(10.5); r.ack_all()
    r.at(13); r.manual(bp_systolic=150, bp_diastolic=88)      # below the limit: cleared
    r.ack_all()
    session = r.id
    log.close()
    assert pressure_evidence(path, session)[:2] == (True, f"{MESSAGE} at 10:05 (medium)")


def test_an_alarm_raised_high_reads_high(tmp_path):
    path = tmp_path / "log.sqlite3"
    log, r = dosed(path)
    r.at(10); r.manual(bp_systolic=204, bp_diastolic=100)     # 10:05: ≥200 is high at once
    r.at(10.5); r.ack_all()
    session = r.id
    log.close()
    present, evidence, _ = pressure_evidence(path, session)
    assert present is True
    assert evidence.endswith(" at 10:05 (high)") and "medium" not in evidence


def test_a_clinics_low_blood_pressure_alarm_is_no_increased_blood_pressure(tmp_path, monkeypatch):
    """A clinic's own protocol may alarm on a low systolic (hypotension after the dose): that
    alarm is a BP alarm but no "Increased blood pressure", which the draft answers "No" from the
    pressures measured; counted, the form would tell the regulator the opposite of what
    happened."""
    edited = tmp_path / "protocols"
    edited.mkdir()
    text = (builtin_protocols_dir() / "esketamine.toml").read_text(encoding="utf-8")
    (edited / "esketamine.toml").write_text(text + (
        '\n[[alarms]]\nmetric = "bp_systolic"\npriority = "medium"\ndirection = "low"\n'
        'below = 90\nsource = "clinic protocol: hypotension after the dose"\n'),
        encoding="utf-8")
    monkeypatch.setattr(scenarios, "builtin_protocols_dir", lambda: edited)
    path = tmp_path / "log.sqlite3"
    log, r = dosed(path)
    r.at(10); r.manual(bp_systolic=84, bp_diastolic=52)       # 10:05: the low alarm
    assert "bp_systolic_low" in [a.condition for a in r.engine.alarms()]
    r.at(10.5); r.ack_all()
    r.at(20); r.manual(bp_systolic=118, bp_diastolic=76)
    session = r.id
    log.close()
    present, evidence, lines = pressure_evidence(path, session)
    assert present is False
    assert "84" not in evidence and "low" not in evidence.lower()
    assert any(line.startswith("  Increased blood pressure (BP high alarm): No") for line in lines)
