"""A weight just outside a limit is named as typed, not rounded onto the limit: "400 kg is outside
the allowed range 1–400 kg" contradicted itself, and the tick box confirmed 30 kg for the 29.999
kg the dose is computed from (review 45)."""

from __future__ import annotations

import pytest

from console.session.start_checks import Field, StartEntry, check_start, weight_text
from protocols.loader import builtin_protocols_dir, load_protocols


@pytest.fixture(scope="module")
def protocols():
    return load_protocols([builtin_protocols_dir()]).protocols


@pytest.mark.parametrize(("typed", "message"), [
    ("400.004", "400.004 kg is outside the allowed range 1–400 kg. Enter the weight in kg."),
    ("0.996", "0.996 kg is outside the allowed range 1–400 kg. Enter the weight in kg."),
    ("29.999", "29.999 kg is unusual (below 30 kg): check it is in kg, then confirm it or "
               "correct it."),
    ("250,001", "250.001 kg is unusual (above 250 kg): check it is in kg, then confirm it or "
                "correct it."),
])
def test_the_message_names_the_weight_typed_not_the_limit(protocols, typed, message):
    check = check_start(StartEntry("MRN-1", typed, "iv-ketamine", "ana"), protocols)
    assert check.about(Field.WEIGHT).message == message


@pytest.mark.parametrize(("kg", "text"), [(72.0, "72"), (72.5, "72.5"), (29.999, "29.999"),
                                          (400.0004, "400.0004"), (0.5, "0.5")])
def test_a_weight_is_written_with_every_digit_typed(kg, text):
    assert weight_text(kg) == text
