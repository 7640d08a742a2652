"""Review queries over sessions the real engine wrote: the list, its filters, one session, a course.

The expected values come from what tests/review/scenarios.py did, and where the log already has an
independent answer (the `alarms` view, plain SQL) the read model is compared with it.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from console.review import content as rc
from console.review.model import SessionFilter
from console.review.queries import (
    MissingLogError,
    annotate,
    list_sessions,
    load_course,
    load_session,
    open_readonly,
    patients,
)
from console.store import EventLog, LogError, UnknownSessionError


def at(day: int, hour: int, minute: int, second: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def conn(scenario_log):
    c = open_readonly(scenario_log.path)
    yield c
    c.close()


@pytest.fixture
def ids(scenario_log):
    return scenario_log.facts.ids


def listed(conn, **filters):
    return [s.id for s in list_sessions(conn, SessionFilter(**filters), tz=UTC)]


# ---- the list ----------------------------------------------------------------------------------


def test_list_is_newest_first_and_leaves_demo_sessions_out(conn, ids):
    assert listed(conn) == [ids["open"], ids["quiet"], ids["esketamine"], ids["surge"]]
    assert listed(conn, include_demo=True) == [ids["open"], ids["quiet"], ids["demo"],
                                               ids["esketamine"], ids["surge"]]


def test_list_line_shows_what_the_session_did(conn, ids):
    rows = {s.id: s for s in list_sessions(conn, tz=UTC)}
    surge = rows[ids["surge"]]
    assert (surge.patient_id, surge.protocol_id, surge.session_number, surge.nurse) == (
        "MRN-4711", "iv-ketamine", 1, "nurse.ana")
    assert surge.started_at == at(2, 9, 0)
    assert surge.ended_at == surge.discharged_at == at(2, 10, 20)
    assert surge.duration == timedelta(minutes=80)
    assert surge.dose_mg == 36.0           # 0.5 mg/kg x 72 kg
    assert surge.highest_priority == "high"
    assert rows[ids["esketamine"]].dose_mg == 84.0
    assert rows[ids["esketamine"]].highest_priority == "medium"   # the SpO2 dip


def test_alarm_figures_of_the_list_equal_the_alarms_view(conn, scenario_log):
    for summary in list_sessions(conn, SessionFilter(include_demo=True), tz=UTC):
        by_priority = dict(sqlite3.connect(scenario_log.path).execute(
            "SELECT priority, count(*) FROM alarms WHERE session_id = ? GROUP BY priority",
            [summary.id]).fetchall())
        assert summary.alarm_count == sum(by_priority.values())
        assert {k: v for k, v in summary.alarms_by_priority.items() if v} == by_priority


def test_an_open_session_is_listed_without_end_duration_or_discharge(conn, ids):
    [running] = [s for s in list_sessions(conn, tz=UTC) if s.id == ids["open"]]
    assert (running.ended_at, running.duration, running.discharged_at) == (None, None, None)
    assert running.highest_priority is None and running.alarm_count == 0


def test_patient_filter_is_a_case_insensitive_substring(conn, ids):
    assert listed(conn, patient="mrn-47") == [ids["quiet"], ids["surge"]]
    assert listed(conn, patient="MRN-99") == [ids["open"]]       # logged as "mrn-9999"
    assert listed(conn, patient="  5820 ") == [ids["esketamine"]]
    assert listed(conn, patient="nobody") == []


def test_dates_are_whole_days_in_the_given_zone(conn, ids):
    assert listed(conn, since=date(2026, 3, 6), until=date(2026, 3, 9)) == [
        ids["quiet"], ids["esketamine"]]
    assert listed(conn, since=date(2026, 3, 9)) == [ids["open"], ids["quiet"]]
    assert listed(conn, until=date(2026, 3, 2)) == [ids["surge"]]
    # 09:00 UTC on 2 March is still 1 March (23:00) in Honolulu (UTC-10).
    honolulu = timezone(timedelta(hours=-10))
    assert [s.id for s in list_sessions(conn, SessionFilter(until=date(2026, 3, 1)),
                                        tz=honolulu)] == [ids["surge"]]
    assert [s.id for s in list_sessions(conn, SessionFilter(since=date(2026, 3, 2),
                                                            until=date(2026, 3, 2)),
                                        tz=honolulu)] == []


def test_protocol_and_high_alarm_filters(conn, ids):
    assert listed(conn, protocol_id="esketamine") == [ids["open"], ids["esketamine"]]
    assert listed(conn, high_alarm_only=True) == [ids["surge"]]
    assert listed(conn, protocol_id="esketamine", high_alarm_only=True) == []


def test_limit_keeps_the_newest(conn, ids):
    assert [s.id for s in list_sessions(conn, SessionFilter(), limit=2, tz=UTC)] == [
        ids["open"], ids["quiet"]]


# ---- one session -------------------------------------------------------------------------------


def test_alarm_episodes_equal_the_alarms_view_for_every_session(conn, ids, scenario_log):
    view = sqlite3.connect(scenario_log.path)
    for session_id in ids.values():
        detail = load_session(conn, session_id)
        expected = view.execute(
            "SELECT occurrence, condition, category, priority, raised_at, acknowledged_at, "
            "cleared_at, seconds_to_acknowledge, value, threshold, message FROM alarms "
            "WHERE session_id = ? ORDER BY raised_at, occurrence", [session_id]).fetchall()

        def text(t):
            return t.isoformat(timespec="milliseconds").replace("+00:00", "Z") if t else None

        got = [(a.occurrence, a.condition, a.category, a.priority, text(a.raised_at),
                text(a.acknowledged_at), text(a.cleared_at), a.seconds_to_acknowledge, a.value,
                a.threshold, a.message) for a in detail.alarms]
        assert got == expected
        steps = view.execute("SELECT count(*) FROM alarm_events WHERE session_id = ?",
                             [session_id]).fetchone()[0]
        assert sum(len(a.steps) for a in detail.alarms) == steps


def test_the_bp_surge_alarm_tells_its_whole_story(conn, ids):
    detail = load_session(conn, ids["surge"])
    surge = next(a for a in detail.alarms if a.condition == "bp_systolic_high")
    assert (surge.priority, surge.raised_at, surge.acknowledged_at, surge.cleared_at) == (
        "high", at(2, 9, 35), at(2, 9, 35, 30), at(2, 9, 45, 10))
    assert surge.seconds_to_acknowledge == 30.0
    assert surge.value == 182.0 and surge.threshold.startswith("≥180")
    assert [(s.at, s.transition, s.priority, s.actor) for s in surge.steps] == [
        (at(2, 9, 35), "raised", "medium", "engine"),
        (at(2, 9, 35, 30), "acknowledged", "medium", "nurse.ana"),
        (at(2, 9, 40), "reminded", "medium", "engine"),
        (at(2, 9, 40), "escalated", "high", "engine"),
        (at(2, 9, 40, 20), "acknowledged", "high", "nurse.ana"),
        (at(2, 9, 45), "reminded", "high", "engine"),
        (at(2, 9, 45, 10), "cleared", "high", "engine"),   # back inside 10 s (seen)
    ]
    [pause] = detail.audio_pauses
    assert (pause.paused_at, pause.paused_by, pause.resumed_at) == (
        at(2, 9, 35, 30), "nurse.ana", at(2, 9, 40))
    assert pause.message == "Audio paused for 120 s"


def test_a_corrected_value_is_left_out_of_the_series_and_its_correction_kept(conn, ids, scenario_log):
    detail = load_session(conn, ids["surge"])
    systolic = detail.vitals["bp_systolic"]
    assert 250.0 not in systolic.values
    assert systolic.values == (146.0, 150.0, 160.0, 182.0, 186.0, 158.0, 150.0, 140.0, 140.0)
    assert systolic.unit == "mmHg" and all(systolic.manual)
    [correction] = detail.corrections
    assert (correction.corrects, correction.value, correction.reason, correction.who) == (
        scenario_log.facts.corrected_id, 150.0, "typed 250, cuff read 150", "nurse.ana")
    # With the stored rows, the 250 is there and flagged.
    rows = load_session(conn, ids["surge"], with_observations=True).observations
    wrong = next(o for o in rows if o.id == scenario_log.facts.corrected_id)
    assert (wrong.value, wrong.corrected) == (250.0, True)
    assert next(o for o in rows if o.corrects == wrong.id).value == 150.0


def test_series_hold_device_and_manual_values_with_their_times(conn, ids, scenario_log):
    detail = load_session(conn, ids["surge"])
    hr = detail.vitals["heart_rate"]
    sql = sqlite3.connect(scenario_log.path).execute(
        "SELECT value, received_at, source = 'manual' FROM observations "
        "WHERE session_id = ? AND metric = 'heart_rate' ORDER BY id", [ids["surge"]]).fetchall()
    assert list(hr.values) == [v for v, _, _ in sql]
    assert list(hr.manual) == [bool(m) for _, _, m in sql]
    assert hr.manual.count(False) == 30 and hr.manual.count(True) == 5
    assert hr.times[0] == at(2, 9, 0) and hr.seconds[0] == 0.0
    assert hr.seconds[-1] == (hr.times[-1] - detail.summary.started_at).total_seconds()
    assert list(detail.vitals) == ["bp_systolic", "bp_diastolic", "heart_rate", "resp_rate", "spo2"]


def test_phases_dose_time_and_baseline(conn, ids):
    detail = load_session(conn, ids["surge"])
    assert [(p.id, p.kind, p.started_at, p.ended_at) for p in detail.phases] == [
        ("pre", "pre", at(2, 9, 0), at(2, 9, 5)),
        ("infusion", "dosing", at(2, 9, 5), at(2, 9, 45)),
        ("observation", "observation", at(2, 9, 45), at(2, 10, 10)),
        ("discharge", "discharge", at(2, 10, 10), at(2, 10, 20)),
    ]
    assert detail.t0 == at(2, 9, 5)
    assert detail.baseline["bp_systolic"] == 146.0 and detail.baseline["heart_rate"] == 72.0
    assert detail.discharge == {"minutes_from_t0": 75.0, "minutes_total": 80.0}


def test_checklist_overrides_notes_and_decisions(conn, ids, scenario_log):
    detail = load_session(conn, ids["surge"])
    ticked = sqlite3.connect(scenario_log.path).execute(
        "SELECT count(*) FROM events WHERE session_id = ? AND kind = 'checklist_ticked'",
        [ids["surge"]]).fetchone()[0]
    assert len(detail.ticks) == ticked
    assert {t.phase for t in detail.ticks} == {"pre", "infusion", "discharge"}
    [override] = detail.overrides
    assert (override.at, override.what, override.phase, override.reason) == (
        at(2, 10, 10), "end_phase", "observation", "Dr Lee reviewed: BP settled, patient alert")
    assert override.blockers == ("Observation must last 5:00 min more",)
    [note] = detail.notes
    assert (note.at, note.who, note.text) == (
        at(2, 9, 40, 20), "nurse.ana", "Prescriber informed of BP 186/100, infusion continued")
    [gate] = detail.gate_decisions
    assert gate.decision == "Dr Lee: proceed, BP 146/88 acceptable today"
    [refused] = detail.discharge_refusals
    assert "No modified Aldrete score recorded (needs ≥9)" in refused.reasons
    assert [s.value for s in detail.scale_values("moaas")] == [5.0, 4.0, 4.0, 4.0, 5.0, 5.0]


def test_the_everything_view_holds_every_event_and_alarm_step_in_time_order(conn, ids, scenario_log):
    detail = load_session(conn, ids["surge"])
    timeline = detail.timeline()
    db = sqlite3.connect(scenario_log.path)
    count = sum(db.execute(f"SELECT count(*) FROM {t} WHERE session_id = ?",
                           [ids["surge"]]).fetchone()[0] for t in ("events", "alarm_events"))
    assert len(timeline) == count == len(detail.events) + sum(len(a.steps) for a in detail.alarms)
    assert [e.at for e in timeline] == sorted(e.at for e in timeline)
    texts = [e.text for e in timeline]
    assert "Phase observation ended against its checklist or rules: Dr Lee reviewed: BP " \
           "settled, patient alert " \
           "(refused because: Observation must last 5:00 min more)" in texts
    assert any(e.kind == "alarm_escalated" and "bp_systolic_high" in e.text for e in timeline)


def test_an_unknown_session_is_a_readable_key_error(conn):
    with pytest.raises(UnknownSessionError, match="session 999 is not in the session log"):
        load_session(conn, 999)


# ---- read-only ---------------------------------------------------------------------------------


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_review_never_writes_to_the_log(scenario_log, ids):
    before = _digest(scenario_log.path)
    c = open_readonly(scenario_log.path)
    list_sessions(c, SessionFilter(include_demo=True))
    load_session(c, ids["surge"], with_observations=True)
    load_course(c, "MRN-4711")
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
        c.execute("INSERT INTO meta(key, value) VALUES ('x', 'y')")
    c.close()
    assert _digest(scenario_log.path) == before


def test_opening_something_that_is_not_a_log_says_so(tmp_path):
    with pytest.raises(MissingLogError, match="no session log at"):
        open_readonly(tmp_path / "absent.sqlite3")
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(LogError) as excinfo:
        open_readonly(other)
    assert excinfo.value.cause == "not-a-log"
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, but long enough to be read as a header " * 20)
    with pytest.raises(LogError) as excinfo:
        open_readonly(text)
    assert excinfo.value.cause == "not-a-log"


# ---- annotations -------------------------------------------------------------------------------


def test_a_review_note_on_an_ended_session_is_added_without_changing_any_row(scenario_log, ids, tmp_path):
    path = tmp_path / "copy.sqlite3"
    shutil.copy(scenario_log.path, path)
    db = sqlite3.connect(path)
    tables = ("sessions", "observations", "alarm_events", "events")
    before = {t: db.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in tables}
    db.close()
    written = at(20, 14, 0)
    with EventLog.open(path, "test") as log:
        event_id = annotate(log, ids["surge"], "Dr Kim", "  BP surge handled per protocol  ",
                            written)
        assert log.verify().ok
        with pytest.raises(ValueError, match="empty"):
            annotate(log, ids["surge"], "Dr Kim", "   ", written)
        with pytest.raises(ValueError, match="who writes"):
            annotate(log, ids["surge"], " ", "text", written)
        with pytest.raises(UnknownSessionError):
            annotate(log, 999, "Dr Kim", "text", written)
    db = sqlite3.connect(path)
    after = {t: db.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in tables}
    for table in tables:
        assert after[table][:len(before[table])] == before[table]   # nothing recorded changed
    assert len(after["events"]) == len(before["events"]) + 1
    assert all(len(after[t]) == len(before[t]) for t in tables if t != "events")
    c = open_readonly(path)
    detail = load_session(c, ids["surge"])
    [note] = detail.annotations
    assert (note.at, note.who, note.text, note.kind) == (
        written, "Dr Kim", "BP surge handled per protocol", "review_note")
    assert detail.events[-1].id == event_id
    assert note not in detail.notes          # the session's own notes stay apart
    assert detail.summary.ended_at == at(2, 10, 20)
    c.close()


# ---- a patient's course ------------------------------------------------------------------------


def test_course_rows_compare_the_sessions_of_one_patient(conn, ids):
    first, second = load_course(conn, "MRN-4711")
    assert (first.session_id, second.session_id) == (ids["surge"], ids["quiet"])
    assert (first.session_number, first.dose_mg, first.t0_minute) == (1, 36.0, 5.0)
    # 250 was a typo corrected to 150: the peak is the real 186 at T+35 (minute 40).
    assert (first.peak_systolic, first.peak_systolic_minute) == (186.0, 40.0)
    assert (first.peak_diastolic, first.peak_diastolic_minute) == (104.0, 35.0)
    assert (first.min_spo2, first.min_resp_rate) == (97.0, 14.0)
    assert (first.max_nausea, first.max_dissociation, first.max_hallucinations,
            first.min_moaas, first.max_fatigue) == (2.0, 12.0, 1.0, 4.0, 1.0)
    assert first.minutes_to_discharge == 80.0
    summary = {s.id: s for s in list_sessions(conn, tz=UTC)}[ids["surge"]]
    assert (first.alarms_high, first.alarms_medium, first.alarms_low, first.alarms_info) == tuple(
        summary.alarms_by_priority[p] for p in ("high", "medium", "low", "info"))
    assert first.alarms_high == 2
    assert (second.peak_systolic, second.peak_systolic_minute) == (141.0, 35.0)
    assert (second.max_hallucinations, second.max_fatigue, second.min_moaas) == (None, None, 5.0)
    assert second.minutes_to_discharge == 77.0


def test_a_course_marks_against_the_gate_only_a_discharge_that_overrode_it(conn, ids):
    """The surge session's observation was ended early by an override, and its discharge then
    passed the gate: its course column must not read "⚠ against the gate", as if the patient had
    been sent home early (a clinician comparing sessions reads that as a poor recovery). Only an
    override of the discharge itself marks it (the quiet session had no override at all)."""
    overrides = conn.execute(
        "SELECT json_extract(detail, '$.action') FROM events WHERE session_id = ? "
        "AND kind = 'override'", [ids["surge"]]).fetchall()
    assert overrides and ("discharge",) not in overrides, overrides
    first, second = load_course(conn, "MRN-4711")
    assert first.session_id == ids["surge"]
    assert (first.against_gate, second.against_gate) == (False, False)
    cell = rc.course_cells(first, UTC)["discharge"]
    assert cell.startswith("80") and "against the gate" not in cell, cell


def test_course_of_a_patient_without_sessions_is_empty_and_demo_is_left_out(conn):
    assert load_course(conn, "MRN-0000") == []
    assert load_course(conn, "DEMO-0001") == []
    assert [r.demo for r in load_course(conn, "DEMO-0001", include_demo=True)] == [True]
    assert patients(conn) == ["MRN-4711", "MRN-5820", "mrn-9999"]
