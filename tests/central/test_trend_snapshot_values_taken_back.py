"""The chair's trend snapshot (chair_status.TrendPoints) leaves out what the bedside took back
(review 45): a value entered in error counts nowhere and leaves the bedside's trend, but the
snapshot went on carrying it, so the central drew an HR 150 the nurse had taken back. A
correction of a correction stands for the first value too (it was dropped from the snapshot)."""

from __future__ import annotations

from console.network.chair_status import TrendPoints
from console.records import ObservationRecord
from tests.central.helpers import Central, MemoryLog

NURSE = "nurse.ana"


def _chair():
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    return central, chair


def _rows(chair):
    return [(i + 1, r) for i, r in enumerate(chair.s.recorder.records)
            if isinstance(r, ObservationRecord)]


def _hr(chair) -> list[float]:
    engine = chair.s.engine
    points = TrendPoints(engine.session_id).add(_rows(chair), engine.entered_in_error)
    return [value for name, _at, value in points if name == "heart_rate"]


def _typed(central, chair, value: float) -> int:
    verdict, row = chair.s.engine.enter_manual_row("heart_rate", value, NURSE, central.now(),
                                                   confirmed=True)
    assert row is not None, verdict
    return row


def test_a_value_entered_in_error_leaves_the_snapshot() -> None:
    central, chair = _chair()
    kept = _typed(central, chair, 72)
    central.t(60)
    typo = _typed(central, chair, 150)
    assert _hr(chair) == [70, 72, 150]   # 70: the baseline
    assert chair.s.engine.void(typo, "heart_rate", NURSE, central.now(), "meant 105").done
    assert _hr(chair) == [70, 72], "the central drew a value the bedside took back"
    assert kept in [i for i, _ in _rows(chair)]


def test_a_correction_taken_back_takes_its_value_off_and_a_correction_of_one_stands() -> None:
    central, chair = _chair()
    typo = _typed(central, chair, 150)
    central.t(30)
    assert chair.s.engine.correct(typo, "heart_rate", 105, NURSE, central.now(), "meant 105",
                                  confirmed=True).__class__.__name__ == "Accepted"
    assert _hr(chair) == [70, 105]
    fix = [i for i, r in _rows(chair) if r.corrects == typo][0]
    central.t(30)
    assert chair.s.engine.correct(fix, "heart_rate", 95, NURSE, central.now(), "cuff read 95",
                                  confirmed=True).__class__.__name__ == "Accepted"
    assert _hr(chair) == [70, 95], "a correction of a correction was left off the snapshot"
    again = [i for i, r in _rows(chair) if r.corrects == fix][0]
    assert chair.s.engine.void(again, "heart_rate", NURSE, central.now(), "wrong chair").done
    assert _hr(chair) == [70]
