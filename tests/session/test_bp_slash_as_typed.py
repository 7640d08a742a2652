"""A BP typed with the slash an input method gives: with an East-Asian IME on, HR "７２" is
recorded as 72, but BP "１２０／８０" was refused as "not in the form systolic/diastolic, for
example 128/84", which it is (its slash is the full-width U+FF0F). A division slash (U+2215) or
a fraction slash (U+2044), as a symbol palette or an autocorrect gives, reads as "/" too."""

from __future__ import annotations

import pytest

from console.session.entry import Accepted, Rejected, check_bp, check_value


@pytest.mark.parametrize("typed", ["１２０／８０", "120／80", "120 ∕ 80", "120⁄80"])
def test_a_bp_typed_with_another_slash_reads_as_the_bp(typed):
    assert check_value("heart_rate", "７２") == Accepted("heart_rate", 72.0)
    assert check_bp(typed) == [Accepted("bp_systolic", 120.0), Accepted("bp_diastolic", 80.0)]


@pytest.mark.parametrize("typed", ["120／80／60", "120∕∕80", "１２０＼８０"])
def test_a_bp_that_is_not_one_pair_is_still_refused_naming_the_form(typed):
    assert check_bp(typed) == [Rejected("bp_systolic", f"Blood pressure {typed!r} is not in the "
                                        "form systolic/diastolic, for example 128/84.")]
