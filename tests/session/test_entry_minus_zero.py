"""A vital typed "-0" (a slip on the number pad's minus key) is the 0 it reads as: it was asked
about as "SpO2 -0 % is unusual" and recorded as -0.0, which every screen and export writes "-0"
("Recorded: SpO2 -0%")."""

from __future__ import annotations

import math

import pytest

from console.session.entry import Accepted, NeedsConfirmation, check_value
from protocols.vitals import metric
from tests.session.helpers import Session


def _positive(value: float) -> bool:
    return math.copysign(1.0, value) > 0   # -0.0 == 0.0: only the sign tells them apart


@pytest.mark.parametrize(("name", "asked"), [
    ("spo2", "SpO2 0 % is unusual (expected 50–100 %). Confirm to record it as measured."),
    ("heart_rate", "Heart rate 0 beats/min is unusual (expected 30–220 beats/min). "
                   "Confirm to record it as measured."),
    ("resp_rate", "Respiratory rate 0 breaths/min is unusual (expected 4–60 breaths/min). "
                  "Confirm to record it as measured."),
])
def test_a_vital_typed_minus_zero_is_asked_about_as_zero(name, asked):
    verdict = check_value(name, "-0")
    assert verdict == NeedsConfirmation(name, 0.0, asked)
    assert _positive(verdict.value) and metric(name).format(verdict.value) == "0"


def test_a_score_typed_minus_zero_is_zero():
    verdict = check_value("moaas", "-0")
    assert verdict == Accepted("moaas", 0.0) and _positive(verdict.value)


def test_a_confirmed_minus_zero_is_logged_as_zero():
    s = Session()
    verdict = check_value("spo2", "-0,0")
    assert isinstance(verdict, NeedsConfirmation)
    s.engine.enter_manual("spo2", verdict.value, "nurse.ana", s.now(), confirmed=True)
    (row,) = [o for o in s.recorder.observations() if o.metric == "spo2"]
    assert _positive(row.value) and metric("spo2").format(row.value) == "0", row
