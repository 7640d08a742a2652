"""The start form's weight is read as a typed vital is (console/session/entry.py): digits with at
most one decimal point or comma. Python's `float` read "7_5" as 75 kg and "1e2" as 100 kg, and
the dose was computed from them without a question, where a vitals field refuses "9_8" and "1e2"
(review 37)."""

from __future__ import annotations

import pytest

from console.session.start_checks import Field, Kind, StartEntry, check_start, parse_weight
from tests.ui.test_start_screen import protocols  # noqa: F401 - fixture


@pytest.mark.parametrize("typed", ["7_5", "1e2", "1E2", ".5e2", "72."])
def test_a_weight_python_reads_but_a_nurse_does_not_write_is_refused(protocols, typed):
    check = check_start(StartEntry("MRN-1", typed, "iv-ketamine", "ana"), protocols)
    assert check.weight_kg is None
    problem = check.about(Field.WEIGHT)
    assert (problem.kind, problem.message) == (
        Kind.REFUSED, f"“{typed}” is not a number. Enter the weight in kg, 1–400 (e.g. 72 or 72.5).")


@pytest.mark.parametrize(("typed", "kg"), [
    ("72", 72.0), (" 72.5 ", 72.5), ("72,5", 72.5), ("７５", 75.0), ("+72", 72.0),
])
def test_a_weight_as_a_nurse_writes_it_is_read(typed, kg):
    assert parse_weight(typed) == kg
