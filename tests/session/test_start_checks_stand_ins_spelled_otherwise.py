"""A stand-in typed for the patient identifier is asked about however it is spelled: with dots,
spaces, another punctuation mark, or "patient" after it. Unasked, every patient typed so shares
one course, and a session left open under it is resumed for the next. A real identifier is
never asked about."""

from __future__ import annotations

import pytest

from console.session.start_checks import Field, Kind, StartEntry, check_start
from protocols.loader import builtin_protocols_dir, load_protocols

PROTOCOLS = load_protocols([builtin_protocols_dir()]).protocols


def said_about_the_patient(typed: str):
    problem = check_start(StartEntry(typed, "72", "iv-ketamine", "Ana Lima"),
                          PROTOCOLS).about(Field.PATIENT)
    return None if problem is None else (problem.kind, problem.message)


@pytest.mark.parametrize("typed", [
    "n/a", "N.A.", "n a", ".", "...", "?", "???", "-", "_", "*", "#", "xxx", "x x", "X.X",
    "unknown", "unknown patient", "Unknown  Patient", "test 1", "no name", "John Doe",
    "John.Doe", "000", "0 0"])
def test_a_stand_in_is_asked_about(typed):
    assert said_about_the_patient(typed) == (
        Kind.CONFIRM, f"“{typed.strip()}” looks like a placeholder: enter the MRN, or confirm it "
        "is this patient's identifier.")


@pytest.mark.parametrize("typed", [
    "P-001", "MRN 12345", "MRN-1042", "Zoë", "李", "NA-4711", "X1", "patient-7a", "Anna",
    "T.0815"])
def test_a_real_identifier_is_not_asked_about(typed):
    assert said_about_the_patient(typed) is None
