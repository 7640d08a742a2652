"""A weight is named as typed, never in exponent form (review 45): `weight_text` was the
weight typed in plain decimals that the float's repr writes in exponent form reaches the nurse
in a form she never typed and may not read: "0.00001" (a slip of the decimal point) is refused
as "1e-05 kg is outside the allowed range 1–400 kg"; a barcode scanned into the weight field
("12345678901234567890") as "1.2345678901234567e+19 kg". The commit's own promise is that
"weights are named as typed"."""

from __future__ import annotations

import pytest

from console.session.start_checks import Field, StartEntry, check_start
from tests.ui.test_start_screen import protocols  # noqa: F401 - fixture


@pytest.mark.parametrize("typed", ["0.00001", "12345678901234567890"])
def test_a_refused_weight_is_named_as_the_nurse_typed_it(protocols, typed) -> None:
    check = check_start(StartEntry("MRN-7", typed, "iv-ketamine", "Ana", None), protocols)
    problem = check.about(Field.WEIGHT)
    assert problem is not None and "outside the allowed range" in problem.message
    assert problem.message.startswith(f"{typed} kg"), problem.message
