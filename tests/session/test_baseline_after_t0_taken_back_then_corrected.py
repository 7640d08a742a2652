"""The pre-dose diastolic T0 logged as the baseline (80), entered in error after T0: the first
diastolic after T0 (80 too) is the baseline, as one with no baseline at T0; corrected to 100,
the baseline follows it (README: a correction of the value a baseline was taken from, the first
after T0, moves it), live as after a restart. The value did not change at the void, so nothing
logged that the baseline was no longer T0's: a restart took T0's 80 again, kept it at the
correction, and a later diastolic of 108 raised "+28 from baseline 80" there, nothing live
(found by a differential fuzzer, seed 2163)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_resume_as_live import NURSE, LoggedSession, restart


def manual_rows(s: LoggedSession, name: str) -> list[int]:
    return [row for row, kept in s.engine._state.rows[name] if kept.reading.source == "manual"]


def diastolic_baseline(log: EventLog, restart_at: str) -> tuple[object, list[tuple[str, str]]]:
    """Baseline 120/80 typed, ticked, T0; the first BP after T0 121/80 at T+1:30; the pre-dose
    diastolic entered in error at T+1:50; the diastolic of T+1:30 corrected to 100 at T+2:20;
    a restart where `restart_at` says; the next BP 125/108 at T+10."""
    s = LoggedSession(log)
    s.to_infusion()
    b = s.now().mono - s.origin
    s.t(b + 90); s.bp(121, 80)
    s.t(b + 110)
    pre_dose = manual_rows(s, "bp_diastolic")[0]
    assert s.engine.void(pre_dose, "bp_diastolic", NURSE, s.now(), "another patient's").done
    if restart_at == "after the void":
        restart(s, 1)
    s.t(b + 140)
    first = manual_rows(s, "bp_diastolic")[-1]
    assert isinstance(s.engine.correct(first, "bp_diastolic", 100, NURSE, s.now(),
                                       "typed 80 for 100", confirmed=True), Accepted)
    if restart_at == "after the correction":
        restart(s, 0)
    s.t(b + 600); s.bp(125, 108)
    s.t(b + 601)
    return (s.engine.baseline.get("bp_diastolic"),
            [(o.priority.label, o.message) for o in s.engine.alarms()
             if o.condition == "bp_diastolic_high"])


@pytest.mark.parametrize("restart_at", ["never", "after the void", "after the correction"])
def test_the_diastolic_baseline_follows_the_correction_of_the_first_after_t0(
        tmp_path: Path, restart_at: str) -> None:
    log = EventLog.open(tmp_path / "session.sqlite3", "test")
    try:
        assert diastolic_baseline(log, restart_at) == (100, [])
    finally:
        log.close()


def systolic_baseline_after_two_taken_back(log: EventLog, restarted: bool,
                                          ) -> tuple[object, list[tuple[str, str]]]:
    """Baseline 120/80 typed, ticked, T0; a systolic 150 typed at T+0:26; the pre-dose
    systolic entered in error (the 150 is the baseline, the first after T0), then the 150 too
    (none stands); perhaps a restart; the next systolic 130 at T+5 (the baseline now), then
    175 at T+15: 45 above it."""
    s = LoggedSession(log)
    s.to_infusion()
    b = s.now().mono - s.origin
    s.t(b + 26); s.manual("bp_systolic", 150)
    s.t(b + 98)
    pre_dose, typed = manual_rows(s, "bp_systolic")
    assert s.engine.void(pre_dose, "bp_systolic", NURSE, s.now(), "another patient's").done
    assert s.engine.baseline.get("bp_systolic") == 150
    s.t(b + 143)
    assert s.engine.void(typed, "bp_systolic", NURSE, s.now(), "another patient's").done
    assert s.engine.baseline.get("bp_systolic") is None
    if restarted:
        restart(s, 1)
    s.t(b + 300); s.manual("bp_systolic", 130)
    s.t(b + 900); s.manual("bp_systolic", 175)
    s.t(b + 901)
    return (s.engine.baseline.get("bp_systolic"),
            [(o.priority.label, o.message) for o in s.engine.alarms()
             if o.condition == "bp_systolic_high"])


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_the_first_after_t0_taken_back_too_leaves_the_next_one_the_baseline(
        tmp_path: Path, restarted: bool) -> None:
    log = EventLog.open(tmp_path / "session.sqlite3", "test")
    try:
        assert systolic_baseline_after_two_taken_back(log, restarted) == (130, [(
            "medium", "Systolic BP 175 mmHg (+45 from baseline 130), limit ≥180 or ≥40 above "
                      "baseline")])
    finally:
        log.close()
