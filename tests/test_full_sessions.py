"""Whole sessions through the engine on the shipped protocols and a real SQLite log, read back with
plain SQL as a clinician would: every reading and every alarm transition, in order."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime


from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.session.entry import Rejected
from console.store import EventLog
from tests.review.scenarios import typed_answer
from tests.session.helpers import type_attested
from protocols.vitals import metric
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, load_protocol

MIN = 60
NURSE = "nurse.ana"


class Run:
    def __init__(self, tmp_path, protocol_id: str, chosen_mg: float | None = None):
        self.db = tmp_path / "sessions.sqlite3"
        self.log = EventLog.open(self.db, "test")
        self.clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        self.protocol = load_protocol(builtin_protocols_dir() / f"{protocol_id}.toml")
        self.engine = SessionEngine.open(self.protocol, self.log, Patient("MRN-4711", 72.0), NURSE,
                                         self.clock.now(), session_number=2, chosen_mg=chosen_mg)
        self.origin = self.clock.now().mono
        self.entered: list[tuple[str, float]] = []

    def at(self, minutes: float) -> None:
        now = self.clock.advance(self.origin + minutes * MIN - self.clock.now().mono)
        self.engine.tick(now)

    def manual(self, **values: float) -> None:
        for name, value in values.items():
            verdict = self.engine.enter_manual(name, value, NURSE, self.clock.now())
            assert type(verdict).__name__ == "Accepted", verdict
            self.entered.append((name, value))

    def device(self, **values: float) -> None:
        now = self.clock.now()
        for name, value in values.items():
            self.engine.ingest(Reading(name, value, metric(name).unit, now.wall, now.wall, "hl7:MONITOR"), now)
            self.entered.append((name, value))

    def tick_required(self, gate_decision: str = "") -> None:
        for item in self.engine.phase.checklist:
            if item.required:   # the baseline vitals and scores it attests, if a story did not
                type_attested(self.engine, item, NURSE, self.clock.now())
            if item.required:
                outcome = self.engine.tick_item(item.id, NURSE, self.clock.now(),
                                                note=typed_answer(item.asks),
                                                gate_decision=gate_decision)
                assert outcome.done, outcome.message

    def advance(self) -> None:
        outcome = self.engine.advance_phase(NURSE, self.clock.now())
        assert outcome.done, outcome.message

    def ack_all(self) -> None:
        self.engine.acknowledge_all(NURSE, self.clock.now())

    def sql(self, query: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(query, params).fetchall()


def test_complete_iv_session_with_a_bp_surge(tmp_path):
    r = Run(tmp_path, "iv-ketamine")
    # Baseline before dosing.
    r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14, moaas=5, dissociation=0)
    r.tick_required()
    r.at(5); r.advance()                       # T0: infusion starts
    assert r.engine.phase.id == "infusion"
    r.at(5 + 10); r.manual(bp_systolic=145, bp_diastolic=85, heart_rate=78, spo2=97)
    r.at(5 + 15); r.manual(resp_rate=15, moaas=4)
    r.at(5 + 20); r.manual(bp_systolic=155, bp_diastolic=85, heart_rate=78, spo2=97)
    # T+30: surge to 182/104 — medium (≥180), a repeat is asked for.
    r.at(35); r.manual(bp_systolic=182, bp_diastolic=104, heart_rate=88, spo2=97, resp_rate=16, moaas=4)
    assert [(o.condition, o.priority.label) for o in r.engine.alarms() if o.category != "prompt"] == [
        ("bp_systolic_high", "medium")]
    r.ack_all()
    # T+35: the repeat confirms — escalates to high.
    r.at(40); r.manual(bp_systolic=186, bp_diastolic=100)
    assert r.engine.alarms()[0].priority.label == "high"
    r.ack_all()
    # T+40: end of infusion, BP falling. The alarm its reminder sounds again ends once the BP
    # has been back inside 10 s (seen, a wavering value would be one alarm).
    r.at(45); r.manual(bp_systolic=158, bp_diastolic=90, heart_rate=80, spo2=98)
    r.at(45 + 10 / MIN)
    assert [o for o in r.engine.alarms() if o.category != "prompt"] == []
    r.tick_required(); r.advance()               # observation
    for minute, systolic in ((15, 146), (30, 140), (32, 138)):
        r.at(45 + minute)
        r.manual(bp_systolic=systolic, bp_diastolic=84, heart_rate=74, spo2=98, resp_rate=14, moaas=5)
    r.advance()                                  # discharge phase
    refused = r.engine.discharge(NURSE, r.clock.now())
    assert not refused.done
    assert "No modified Aldrete score recorded (needs ≥9)" in refused.reasons
    r.manual(aldrete=10, dissociation=0)   # dissociation near baseline, scored after the dose
    r.tick_required()
    assert r.engine.discharge(NURSE, r.clock.now()).done

    # ---- the log, read with plain SQL ----
    session = r.sql("SELECT patient_id, protocol_id, protocol_version, session_number, nurse, weight_kg, "
                    "started_at, ended_at FROM sessions")
    assert session == [("MRN-4711", "iv-ketamine", r.protocol.version, 2, NURSE, 72.0,
                        "2026-03-02T09:00:00.000Z", "2026-03-02T10:17:00.000Z")]
    assert r.sql("SELECT metric, value FROM observations ORDER BY id") == [
        (n, float(v)) for n, v in r.entered]
    assert r.sql("SELECT DISTINCT source, entered_by FROM observations") == [("manual", NURSE)]
    transitions = r.sql("SELECT transition, priority, at FROM alarm_events "
                        "WHERE condition = 'bp_systolic_high' ORDER BY id")
    assert transitions == [
        ("raised", "medium", "2026-03-02T09:35:00.000Z"),
        ("acknowledged", "medium", "2026-03-02T09:35:00.000Z"),
        ("reminded", "medium", "2026-03-02T09:40:00.000Z"),   # still present 5 min later
        ("escalated", "high", "2026-03-02T09:40:00.000Z"),    # the repeat confirmed it
        ("acknowledged", "high", "2026-03-02T09:40:00.000Z"),
        ("reminded", "high", "2026-03-02T09:45:00.000Z"),
        ("cleared", "high", "2026-03-02T09:45:10.000Z"),
    ]
    assert r.sql("SELECT priority, raised_at, acknowledged_at, cleared_at FROM alarms "
                 "WHERE condition = 'bp_systolic_high'") == [
        ("high", "2026-03-02T09:35:00.000Z", "2026-03-02T09:35:00.000Z", "2026-03-02T09:45:10.000Z")]
    kinds = [k for (k,) in r.sql("SELECT kind FROM events ORDER BY id")]
    assert kinds[:2] == ["protocol_in_force", "phase_started"]   # the session's order, whole
    assert kinds.count("phase_started") == 4
    assert kinds[-2:] == ["discharged", "session_ended"]
    refused_row = r.sql("SELECT detail FROM events WHERE kind = 'discharge_refused'")
    assert "No modified Aldrete score recorded (needs ≥9)" in json.loads(refused_row[0][0])["reasons"]
    dose = json.loads(r.sql("SELECT details FROM sessions")[0][0])
    assert dose["dose_mg"] == 36.0 and dose["pump_rate_ml_h"] == 150.0
    assert r.log.verify().ok


def test_complete_esketamine_session_waits_120_minutes_from_the_first_device(tmp_path):
    r = Run(tmp_path, "esketamine", chosen_mg=84)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5, dissociation=0)
    r.tick_required()
    r.at(10); r.advance()                       # T0: first device
    assert r.engine.phase.kind.value == "dosing"
    assert r.engine.tick_item("device-1", NURSE, r.clock.now(), note="lot A1").done
    r.at(12)   # device 2 two minutes on: refused, the 5-minute rest after each device
    assert not r.engine.tick_item("device-2", NURSE, r.clock.now(), note="lot A1").done
    r.at(15)
    assert r.engine.tick_item("device-2", NURSE, r.clock.now(), note="lot A1").done
    r.at(20)   # 84 mg is three devices: device 3 after its rest, then the observation
    assert r.engine.tick_item("device-3", NURSE, r.clock.now(), note="lot A1").done
    r.advance()                                 # observation
    # A device feeds SpO2 and HR every minute; one dip to 92 (medium) recovers by itself.
    for minute in range(21, 131):
        r.at(minute)
        r.device(heart_rate=72, spo2=92 if minute == 60 else 97, resp_rate=14)
    # BP at T+40 is asked for and given.
    dips = r.sql("SELECT transition FROM alarm_events WHERE condition = 'spo2_low' ORDER BY id")
    assert dips == [("raised",), ("cleared",)]
    t40 = r.sql("SELECT priority, transition, at FROM alarm_events WHERE condition LIKE 'vitals_due:BP at T+40%' ORDER BY id")
    assert t40[0] == ("info", "raised", "2026-03-02T09:50:00.000Z")
    assert t40[1][0:2] == ("medium", "escalated")   # nobody took it within 5 minutes
    r.manual(bp_systolic=140, bp_diastolic=86, moaas=5, dissociation=2)
    r.ack_all()
    # 100 min after T0: discharge must wait.
    r.at(110)
    r.engine.advance_phase(NURSE, r.clock.now(), override_reason="checks done early")
    refused = r.engine.discharge(NURSE, r.clock.now())
    assert any(reason.startswith("Observation must reach 120 min after the first dose") for reason in refused.reasons)
    r.at(131)
    r.manual(bp_systolic=134, bp_diastolic=82, moaas=5, aldrete=10)
    r.tick_required()
    r.ack_all()
    outcome = r.engine.discharge(NURSE, r.clock.now())
    assert outcome.done, outcome.message
    minutes = json.loads(r.sql("SELECT detail FROM events WHERE kind = 'discharged'")[0][0])
    assert minutes["minutes_from_t0"] == 121.0
    assert json.loads(r.sql("SELECT details FROM sessions")[0][0])["dose_mg"] == 84
    device_rows = r.sql("SELECT count(*) FROM observations WHERE source = 'hl7:MONITOR'")
    assert device_rows == [(110 * 3,)]


def test_a_mistyped_value_is_corrected_by_a_new_row_pointing_at_the_old_one(tmp_path):
    r = Run(tmp_path, "iv-ketamine")
    r.manual(bp_systolic=128, bp_diastolic=82)
    r.tick_required(); r.at(5); r.advance()
    r.at(10); r.manual(bp_systolic=188)      # meant 138
    assert [o.condition for o in r.engine.alarms()] == ["bp_systolic_high"]
    wrong = r.sql("SELECT id FROM observations WHERE value = 188")[0][0]
    no_reason = r.engine.correct(wrong, "bp_systolic", 138, NURSE, r.clock.now(), reason="")
    assert no_reason == Rejected("bp_systolic", "Say why Systolic BP is corrected (e.g. 'typed 188, cuff read 138').")
    r.engine.correct(wrong, "bp_systolic", 138, NURSE, r.clock.now(), reason="typed 188, cuff read 138")
    # The alarm the typo raised clears; both rows stay, the new one points at the old one.
    assert [o.condition for o in r.engine.alarms() if o.category != "prompt"] == []
    assert r.sql("SELECT value, corrects FROM observations WHERE metric = 'bp_systolic' ORDER BY id") == [
        (128.0, None), (188.0, None), (138.0, wrong)]
    reason = r.sql("SELECT json_extract(detail, '$.reason') FROM events WHERE kind = 'correction'")
    assert reason == [("typed 188, cuff read 138",)]


def test_a_corrected_baseline_is_the_baseline_the_alarms_use(tmp_path):
    r = Run(tmp_path, "iv-ketamine")
    r.manual(bp_systolic=188, bp_diastolic=82)   # meant 128
    wrong = r.sql("SELECT id FROM observations WHERE value = 188")[0][0]
    r.engine.correct(wrong, "bp_systolic", 128, NURSE, r.clock.now(), reason="typed 188, cuff read 128")
    r.tick_required(); r.at(5); r.advance()
    assert r.engine.baseline["bp_systolic"] == 128
    # +40 over the corrected baseline alarms; it would not over the typo.
    r.at(10); r.manual(bp_systolic=168)
    assert [o.condition for o in r.engine.alarms() if o.category != "prompt"] == ["bp_systolic_high"]
