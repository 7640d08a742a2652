"""The nurse's name is the actor of every record of the session: a name that shows nothing (a
zero-width space pasted from a form) or holds a character nobody sees (a tab, U+0001) is refused
as the patient identifier is, with the character and its place named. A name written in a
script that needs a joiner, a direction mark or a soft hyphen is kept, as staff accounts keep it,
up to a staff account's 80 characters: the nurse starts under the name her account holds (a
64-character limit and a refusal of every invisible character had refused names IT had made
accounts of, a review)."""

from __future__ import annotations

import unicodedata

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
    ("\x01", "a control character (U+0001 at position 1)"),
    ("Ana\tLima", "a control character (U+0009 at position 4)"),
    ("Ana\u2028Lima", "a line or paragraph separator (U+2028 at position 4)"),
    ("Ana Lima\u202e", "a text direction control (U+202E at position 9)"),
])
def test_a_name_with_a_character_a_staff_name_refuses_is_refused_naming_it(typed, hidden):
    ok, problem = said_about_the_nurse(typed)
    assert not ok
    assert problem.kind is Kind.REFUSED
    assert problem.message == (f"The name contains {hidden}. Type the nurse's name "
                               "again without it.")


def test_a_name_longer_than_a_staff_accounts_is_refused_saying_the_limit():
    ok, problem = said_about_the_nurse("A" * 81)
    assert not ok and problem.kind is Kind.REFUSED
    assert problem.message == ("The name is 81 characters long; at most 80 are allowed. Type the "
                               "nurse's name.")
    assert said_about_the_nurse("A" * 80) == (True, None)


@pytest.mark.parametrize("typed", [
    "Ana Lima", "  Ana Lima  ", "Zoë Ñúñez", "李娜",
    "مهر\u200cناز",   # a Persian name with its zero-width non-joiner
    "\u200fנועה",      # a right-to-left mark before a Hebrew name
    "Fernández-Villa\u00adverde",   # a soft hyphen pasted from a web page
    "\u061cمريم",      # the Arabic letter mark
    "María de los Ángeles Fernández-Villaverde y Gutiérrez de la Concha Ruiz",   # 71
])
def test_a_readable_name_starts(typed):
    assert said_about_the_nurse(typed) == (True, None)


def test_the_command_line_says_it_after_its_option():
    assert command_line_text([check_nurse("Ana\tLima")]) == (
        "--nurse: The name contains a control character (U+0009 at position 4). Type the "
        "nurse's name again without it.")


def test_a_name_not_required_is_still_refused_when_typed_showing_nothing():
    # A demo or a resume records a --nurse given, though none is required of it.
    assert check_nurse("", required=False) is None
    problem = check_nurse("\u200b", required=False)
    assert problem is not None and problem.blocks


def test_a_name_its_account_holds_starts_however_its_accents_were_typed():
    # An account counts its name composed (NFC); pasted decomposed ("e" + U+0301, from a macOS
    # document) this 76-character name is 83 code points, and was refused (a review).
    name = "María José de los Ángeles Fernández-Villaverde y Gutiérrez de la Concha Ruiz"
    typed = unicodedata.normalize("NFD", name)
    assert len(name) <= 80 < len(typed)
    assert said_about_the_nurse(typed) == (True, None)
