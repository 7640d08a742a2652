"""The nurse's name is the actor of every record of the session: a name that shows nothing (a
zero-width space pasted from a form) or holds a character nobody sees (a tab, U+0001) is refused
as the patient identifier is, with the character and its place named. A name written in a
script that needs a joiner or a direction mark is kept, as staff accounts keep it."""

from __future__ import annotations

import pytest

from console.session.start_checks import (
    Field,
    Kind,
    StartEntry,
    check_nurse,
    check_start,
    command_line_text,
)
from protocols.loader import builtin_protocols_dir, load_protocols

PROTOCOLS = load_protocols([builtin_protocols_dir()]).protocols


def said_about_the_nurse(typed: str):
    check = check_start(StartEntry("MRN-1042", "72", "iv-ketamine", typed), PROTOCOLS)
    return check.ok, check.about(Field.NURSE)


@pytest.mark.parametrize(("typed", "hidden"), [
    ("\u200b", "U+200B at position 1"),
    ("\u200b\u200b", "U+200B at position 1"),
    ("\ufeff \u2060", "U+FEFF at position 1"),
])
def test_a_name_that_shows_nothing_is_missing(typed, hidden):
    ok, problem = said_about_the_nurse(typed)
    assert not ok
    assert problem.kind is Kind.MISSING
    assert problem.message == (f"The name shows nothing: it holds only invisible characters "
                               f"({hidden}). Type the name of the nurse running this session.")


@pytest.mark.parametrize(("typed", "hidden"), [
    ("\x01", "U+0001 at position 1"),
    ("Ana\tLima", "U+0009 at position 4"),
    ("Ana\u200bLima", "U+200B at position 4"),
    ("Ana Lima\u202e", "U+202E at position 9"),
])
def test_a_name_with_a_control_or_invisible_character_is_refused_naming_it(typed, hidden):
    ok, problem = said_about_the_nurse(typed)
    assert not ok
    assert problem.kind is Kind.REFUSED
    assert problem.message == (f"The name contains a control or invisible character ({hidden}); "
                               "only visible characters are allowed. Type the nurse's name again.")


def test_a_name_longer_than_64_characters_is_refused_saying_the_limit():
    ok, problem = said_about_the_nurse("A" * 65)
    assert not ok and problem.kind is Kind.REFUSED
    assert problem.message == ("The name is 65 characters long; at most 64 are allowed. Type the "
                               "nurse's name.")
    assert said_about_the_nurse("A" * 64) == (True, None)


@pytest.mark.parametrize("typed", [
    "Ana Lima", "  Ana Lima  ", "Zoë Ñúñez", "李娜",
    "مهر\u200cناز",   # a Persian name with its zero-width non-joiner
    "\u200fנועה",      # a right-to-left mark before a Hebrew name
])
def test_a_readable_name_starts(typed):
    assert said_about_the_nurse(typed) == (True, None)


def test_the_command_line_says_it_after_its_option():
    assert command_line_text([check_nurse("Ana\tLima")]) == (
        "--nurse: The name contains a control or invisible character (U+0009 at position 4); "
        "only visible characters are allowed. Type the nurse's name again.")


def test_a_name_not_required_is_still_refused_when_typed_showing_nothing():
    # A demo or a resume records a --nurse given, though none is required of it.
    assert check_nurse("", required=False) is None
    problem = check_nurse("\u200b", required=False)
    assert problem is not None and problem.blocks
