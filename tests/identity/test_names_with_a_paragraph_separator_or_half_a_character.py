"""A staff name holding a paragraph separator (U+2029: pasted from a word processor, it breaks
the signature's line as a line separator does) or half a surrogate pair (bytes that are not
UTF-8, from a badge reader or a broken import: no character at all, and the log cannot store
it) is refused, naming the character by its code point, as a line separator is."""

from __future__ import annotations

import pytest

from console.identity import Account, IdentityError, SecretKind, Staff

from .conftest import NURSE_PIN, t


@pytest.mark.parametrize(("name", "said"), [
    ("Ana\u2029Nurse", "a line or paragraph separator (U+2029) at character 4"),
    ("Ana\ud800Nurse", "a character that is not text (U+D800) at character 4"),
    ("Ana Nurse\udfff", "a character that is not text (U+DFFF) at character 10"),
], ids=["paragraph separator", "high surrogate", "low surrogate"])
def test_a_name_with_a_paragraph_separator_or_half_a_surrogate_pair_is_refused(
        staff: Staff, admin: Account, name: str, said: str) -> None:
    with pytest.raises(IdentityError) as refused:
        staff.add(name, "nurse", NURSE_PIN, SecretKind.PIN, admin, t(1))
    assert str(refused.value) == f"the name holds {said}: type the name again without it"
    assert staff.find("Ana Nurse") is None


def test_a_private_use_character_is_a_name_character(staff: Staff, admin: Account) -> None:
    # A clinic's own font glyph (private use, U+E000) harms nothing: kept, as it was typed.
    assert staff.add("Ana \ue000 Nurse", "nurse", NURSE_PIN, SecretKind.PIN, admin,
                     t(1)).name == "Ana \ue000 Nurse"
