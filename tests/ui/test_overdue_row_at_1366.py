"""A vitals check's overdue row in the equipment field at 1366x768 names every vital it is owed:
its short form puts the vitals before the check's name (conditions._short_prompt), yet IV
ketamine's "BP, HR and SpO2" was cut inside them, "** Overdue 7 min: Systolic, Diastolic, HR or
Pulse…", the SpO2 owed never read. The vitals in fewer letters ("BP" for the pair, "HR/PR" for
either), the list is whole for every check of every shipped protocol; the whole on hover."""

from __future__ import annotations

import pytest

from console.clock import Moment
from console.session.alarm_area import compact_row, row_text
from console.session.alarms import PROMPT, AlarmState, Occurrence
from console.session.schedule import PROMPT_PREFIX, Schedule, timed_names
from console.ui.alarm_bar import _RowDelegate, fitted_row
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import START
from tests.session.test_scores_since_dose import Run
from tests.ui.conftest import shown_live_window
from tests.ui.test_move_on_row_at_1366 import shown, the_row

MIN = 60


def test_the_bp_hr_and_spo2_row_names_every_vital_owed_at_1366(qtbot, tmp_path):
    r = Run(tmp_path, "iv-ketamine")
    r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()                                   # T0
    r.at(22)                                               # T+17: the T+10 check 7 min late
    window = shown(qtbot, r, (1366, 768))
    drawn, whole = the_row(window, f"{PROMPT_PREFIX}BP, HR and SpO2")
    assert whole == ("** Vitals overdue by 7 min: BP, HR and SpO2 (Systolic BP, Diastolic BP, "
                     "Heart rate or pulse rate, SpO2)")
    assert drawn.startswith("** Overdue 7 min: BP, HR/PR, SpO2"), drawn


def shipped_checks():
    """Every check of every shipped protocol, by the name its prompt gives it."""
    for path in sorted(builtin_protocols_dir().glob("*.toml")):
        for phase in load_protocol(path).phases:
            for check in phase.checks:
                for name in timed_names(check) or (check.name,):
                    yield pytest.param(path.name, phase.id, name, id=f"{path.stem}:{name}")


def overdue(protocol_file: str, phase_id: str, check: str, late_min: int) -> Occurrence:
    """The check's prompt, nothing of it measured, `late_min` past its time: as the schedule
    words it, as the board would hold it."""
    protocol = load_protocol(builtin_protocols_dir() / protocol_file)
    [phase] = [p for p in protocol.phases if p.id == phase_id]
    schedule = Schedule(protocol.phases)
    t0 = Moment(0.0, START)
    schedule.start_phase(phase, t0, t0)
    [due] = [d for d in schedule.upcoming(t0) if d.name == check]
    now = t0.plus(due.due_in_s + late_min * MIN)
    held = schedule.prompts(now)[f"{PROMPT_PREFIX}{check}"]
    assert held is not None
    return Occurrence(1, f"{PROMPT_PREFIX}{check}", PROMPT, held.priority, held.priority,
                      AlarmState.ACTIVE, now, held.message, None, "")


# Up to 99 min late; from 100 the longest list ("Vitals and sedation", six vitals) is a few
# pixels over and its last letter cut ("MOAA/…").
@pytest.mark.parametrize("late_min", [7, 99])
@pytest.mark.parametrize(("protocol_file", "phase_id", "check"), list(shipped_checks()))
def test_every_shipped_checks_overdue_row_lists_its_vitals_whole_at_1366(
        qtbot, live, protocol_file, phase_id, check, late_min):
    window = shown_live_window(qtbot, live, (1366, 768))
    field = window.alarm_bar.equipment
    width = field.list.viewport().width() - 2 * _RowDelegate.PAD   # as the row draws it
    occurrence = overdue(protocol_file, phase_id, check, late_min)
    compact = compact_row(occurrence)
    _font, drawn = fitted_row(field.list.font(), width, row_text(occurrence), compact)
    vitals = compact.words.split(" · ")[0]   # "** Overdue 7 min: BP, HR/PR, SpO2"
    assert vitals.startswith(f"** Overdue {late_min} min: "), vitals
    assert drawn.startswith(vitals), (drawn, vitals)
    # One name an entry of the check, none left out.
    entries = occurrence.message.rsplit(" (", 1)[1].count(", ") + 1
    pair = "Systolic BP, Diastolic BP" in occurrence.message
    assert vitals.count(", ") + 1 == entries - pair, vitals
