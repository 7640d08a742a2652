"""The discharge gate holds a systolic far below its baseline as one far above, and counts the
whole wait after an infusion still running. No test held either (a review)."""

from __future__ import annotations

from dataclasses import replace

from tests.session.helpers import Session, iv_protocol

MIN = 60


def test_a_systolic_far_below_baseline_holds_the_discharge() -> None:
    """The observation's exit band is "back near baseline (±20 mmHg)" (clinical-defaults.md):
    a systolic 40 below the baseline holds the discharge as one 40 above does."""
    s = Session(iv_protocol())
    s.to_infusion(systolic=130)          # baseline 130/80, T0
    s.t(5 * MIN)
    s.bp(90, 60)                         # 40 below the baseline
    blockers = s.engine.discharge_blockers(s.now())
    assert any("more than 20 mmHg from baseline" in b for b in blockers), blockers


def test_the_wait_after_the_infusion_counts_whole_while_it_still_runs() -> None:
    """An infusion still running at T+60 (paused for nausea) leaves the whole 30 min after its
    end to wait, not the 10 min left to T0+70, and the override names that reason."""
    base = iv_protocol(min_from_t0=70)
    protocol = replace(base, discharge=replace(base.discharge, min_minutes_after_dosing=30))
    s = Session(protocol)
    s.to_infusion()
    now = s.t(60 * MIN)                 # still in the Infusion phase
    wait = s.engine.discharge_wait_s(now)
    assert wait is not None and wait >= 30 * MIN, wait
    assert any("30 min after Infusion ended" in b for b in s.engine.discharge_blockers(now))
