"""A correction entered in error before the dose counts nowhere, live as after a restart: the
baseline goes back to the value that stands again (review 44). The restart's replay left the
voided correction as the baseline (`_replay_void` did not do `void`'s `_baseline_without`), and
T0 then fixed and logged it: a CADSS baseline of 30, from a correction the nurse took back, let
a patient still dissociated at 12 pass the discharge gate."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, restart

NURSE = "nurse.ana"
MIN = 60


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_correction_entered_in_error_before_the_dose_is_not_the_baseline(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    e = s.engine
    # CADSS 0 before the dose: the baseline.
    s.t(10); e.enter_manual_row("dissociation", 0, NURSE, s.now())
    # A 3 typed, corrected to 30 (the form said so, the nurse thought).
    s.t(20); _, typed = e.enter_manual_row("dissociation", 3, NURSE, s.now())
    s.t(30)
    assert e.correct(typed, "dissociation", 30, NURSE, s.now(), reason="typed 3, form said 30")
    fixed = log.observations(e.session_id)[-1][0]
    # The correction was itself wrong (another patient's form): entered in error; 0 stands.
    s.t(40)
    assert e.void(fixed, "dissociation", NURSE, s.now(), reason="wrong patient's form").done
    assert e.latest("dissociation").reading.value == 0
    assert e.baseline.get("dissociation") == 0
    if restarted:
        restart(s, 0)
        assert s.engine.baseline.get("dissociation") == 0
    # On to the dose (T0 fixes the baseline), through observation to discharge.
    s.t(60); s.to_infusion()
    e = s.engine
    assert e.baseline.get("dissociation") == 0
    s.t(60 * MIN)
    assert e.advance_phase(NURSE, s.now(), override_reason="test").done
    s.t(100 * MIN)
    assert e.advance_phase(NURSE, s.now(), override_reason="test").done
    # Still dissociated after the dose: CADSS 12 against a baseline of 0 blocks discharge.
    s.manual("dissociation", 12)
    blockers = e.discharge_blockers(s.now())
    assert any(b.startswith("Dissociation (CADSS) 12, baseline 0: not resolved")
               for b in blockers), blockers
