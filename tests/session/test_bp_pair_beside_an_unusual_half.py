"""A typed BP whose pulse pressure is unusual is asked about as a pair even when one half is
unusual alone: "255/40" (a slip for 255/140, a diastolic high) was asked only "Systolic BP 255
mmHg is unusual", and "140/20" (140/120 with its "1" dropped) only about the diastolic: the
slipped-digit check was never said. One question says both."""

from __future__ import annotations

import pytest

from console.session.entry import Accepted, NeedsConfirmation, check_bp


def questions(text: str) -> list[str]:
    return [v.message for v in check_bp(text) if isinstance(v, NeedsConfirmation)]


@pytest.mark.parametrize(("text", "asked"), [
    ("255/40", "BP 255/40 mmHg: systolic 255 mmHg is unusual (expected 60–250 mmHg), and a "
               "pulse pressure of 215 mmHg is unusual (expected 20–100 mmHg); check for a "
               "slipped digit. Confirm to record it as measured."),
    ("140/20", "BP 140/20 mmHg: diastolic 20 mmHg is unusual (expected 30–150 mmHg), and a "
               "pulse pressure of 120 mmHg is unusual (expected 20–100 mmHg); check for a "
               "slipped digit. Confirm to record it as measured."),
    ("260/20", "BP 260/20 mmHg: systolic 260 mmHg is unusual (expected 60–250 mmHg), "
               "diastolic 20 mmHg is unusual (expected 30–150 mmHg), and a pulse pressure of "
               "240 mmHg is unusual (expected 20–100 mmHg); check for a slipped digit. Confirm "
               "to record it as measured."),
])
def test_an_unusual_half_is_asked_about_with_its_pair(text, asked):
    verdicts = check_bp(text)
    assert set(questions(text)) == {asked}   # one question, whichever half carries it
    assert isinstance(verdicts[0], NeedsConfirmation)   # asked of the pair, on its systolic
    assert [v.value for v in verdicts] == [float(x) for x in text.split("/")]


@pytest.mark.parametrize(("text", "asked"), [
    # The pair alone: as before.
    ("250/40", ["BP 250/40 mmHg: a pulse pressure of 210 mmHg is unusual (expected 20–100 "
                "mmHg); check for a slipped digit. Confirm to record it as measured."]),
    # A half alone, its pulse pressure usual: its own question only.
    ("110/20", ["Diastolic BP 20 mmHg is unusual (expected 30–150 mmHg). Confirm to record it "
                "as measured."]),
    ("128/84", []),
])
def test_a_pair_that_is_usual_or_plausible_halves_are_asked_as_before(text, asked):
    assert questions(text) == asked


def test_a_usual_diastolic_beside_an_unusual_pair_is_not_asked_twice():
    systolic, diastolic = check_bp("255/40")
    assert isinstance(systolic, NeedsConfirmation) and diastolic == Accepted("bp_diastolic", 40)
