"""Vitals due and overdue prompts."""

from __future__ import annotations

from tests.session.helpers import Session

MIN = 60


def test_bp_check_prompts_at_10_minutes_and_escalates_when_5_minutes_overdue():
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 10 * MIN - 1)
    assert s.shown() == []
    # Due at T+10: an information prompt, not red, not flashing, silent.
    s.t(start + 10 * MIN)
    assert s.shown() == [("vitals_due:BP and HR", "info", "active")]
    assert not s.engine.alarms()[0].flashing
    assert s.sounding() is None
    # Overdue by 5 minutes: medium, sounding.
    s.t(start + 15 * MIN)
    assert s.shown() == [("vitals_due:BP and HR", "medium", "active")]
    assert s.engine.alarms()[0].message.startswith("Vitals overdue by 5 min")
    assert s.sounding() == "medium"
    # The nurse takes them: the prompt clears and the next one is due one interval after
    # them (met late, the slots move with it), at T+25.
    s.bp(130, 85); s.manual("heart_rate", 80)
    assert s.shown() == []
    due = s.engine.due(s.now())
    assert due[0].name == "BP and HR"
    assert round(due[0].due_in_s) == 10 * MIN


def test_a_check_taken_two_minutes_early_counts():
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 8 * MIN)
    s.bp(125, 82); s.manual("heart_rate", 75)
    s.t(start + 10 * MIN)
    assert s.shown() == []
    assert round(s.engine.due(s.now())[0].due_in_s) == 10 * MIN


def test_a_partial_check_keeps_prompting_for_what_is_missing():
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 10 * MIN)
    s.bp(125, 82)
    assert s.shown() == [("vitals_due:BP and HR", "info", "active")]
    assert s.engine.due(s.now())[0].missing == ("heart_rate",)


def test_a_check_owed_when_its_phase_ends_stays_until_its_vitals_come():
    # The T+10 BP missed, medium at T+16; the infusion is stopped at T+17 for nausea. The BP is
    # still owed: the alarm stays, not "cleared" with nothing measured and the next prompt at
    # T+32 (the observation phase's first check, 15 min after it opened).
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 16 * MIN)
    assert s.shown() == [("vitals_due:BP and HR", "medium", "active")]
    s.t(start + 17 * MIN)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="nausea, stopped").done
    s.t(start + 18 * MIN)
    assert s.shown() == [("vitals_due:BP and HR", "medium", "active")]
    assert s.engine.alarms()[0].message.startswith("Vitals overdue by 8 min: BP and HR")
    # Taken: it ends, and the observation's own check is due 15 min after the phase opened.
    s.bp(130, 85); s.manual("heart_rate", 80)
    assert s.shown() == []
    assert [round(d.due_in_s) for d in s.engine.due(s.now())
            if "bp_systolic" in d.metrics] == [14 * MIN]


def test_a_check_not_yet_due_when_its_phase_ends_gives_way_to_the_next_phases():
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 5 * MIN)
    s.bp(125, 82); s.manual("heart_rate", 75)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="nausea, stopped").done
    assert s.shown() == []
    assert [round(d.due_in_s) for d in s.engine.due(s.now())
            if "bp_systolic" in d.metrics] == [15 * MIN]


def test_observation_checks_replace_infusion_checks_every_15_minutes():
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    for minute in (10, 20, 30, 40):
        s.t(start + minute * MIN); s.bp(125, 82); s.manual("heart_rate", 75)
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    assert s.engine.phase.id == "observation"
    assert round(s.engine.due(s.now())[0].due_in_s) == 15 * MIN


def test_a_vital_named_with_brackets_is_not_bracketed_twice_in_a_prompt():
    # A nurse walk on X: "Vitals due: RR and sedation (Respiratory rate, Sedation (MOAA/S))".
    from protocols.loader import builtin_protocols_dir, load_protocol

    s = Session(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"))
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done
    s.t(60 * MIN)
    texts = [o.message for o in s.engine.alarms() if "MOAA/S" in o.message]
    assert texts and all("(MOAA/S)" not in t and "Sedation: MOAA/S" in t for t in texts), texts


def test_a_check_named_for_its_time_is_not_named_twice():
    """Esketamine's "BP at T+40": the header read "Next vitals: BP at T+40 at T+40 34:33 min"."""
    from protocols.loader import builtin_protocols_dir, load_protocol

    s = Session(load_protocol(builtin_protocols_dir() / "esketamine.toml"))
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done   # T0
    start = s.now().mono - s.origin
    while s.engine.phase.name.split()[0] != "Observation":
        assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done
    s.t(start + 40 * MIN)
    assert ("vitals_due:BP at T+40", "info", "active") in s.shown()
    names = [d.name for d in s.engine.due(s.now())]
    assert "BP at T+40" in names and not any("T+40 at T+40" in n for n in names), names


def test_a_check_every_2_minutes_with_a_shorter_early_window_keeps_every_slot():
    # With the 2-min default early window such a file loaded, and a reading taken on time at
    # T+2 also met the T+4 slot: the next prompt came at T+6 (review 40). The loader now refuses
    # it unless the file writes a shorter early_minutes (tests/protocols/test_loader.py).
    from protocols.loader import builtin_protocols_dir, protocol_from_text

    text = (builtin_protocols_dir() / "iv-ketamine-titration.toml").read_text(encoding="utf-8")
    assert "every_minutes = 5\n" in text
    protocol = protocol_from_text(
        text.replace("every_minutes = 5\n", "every_minutes = 2\nearly_minutes = 1\n", 1),
        "clinic.toml")
    check = next(c for c in protocol.phase("infusion").checks if c.every_minutes == 2)
    s = Session(protocol)
    s.bp(120, 80); s.manual("heart_rate", 70); s.manual("spo2", 98); s.manual("resp_rate", 14)
    s.manual("moaas", 5); s.manual("dissociation", 0)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="paper").done
    t0 = s.now().mono - s.origin
    s.t(t0 + 2 * MIN)   # the first slot, taken right on time
    for name, *_ in check.metrics:   # of alternatives, the first
        s.manual(name, {"bp_systolic": 120, "bp_diastolic": 80, "heart_rate": 70, "spo2": 98,
                        "resp_rate": 14, "moaas": 5}[name])
    due = next(d for d in s.engine.due(s.now()) if d.name == check.name)
    assert round(due.due_in_s) == 2 * MIN   # T+4, not T+6
