"""Staff text (a name, a badge, a reason) with characters Python's `isprintable()` rejects.

Every one was refused as "a control character": a no-break space (a name pasted from the HR list
or a spreadsheet, "Ana\u00a0Nurse") and the zero-width non-joiner Persian spelling needs
("\u0645\u0647\u0631\u200c\u0627\u0646\u06af\u06cc\u0632") too, the administrator told to remove
a control character she could not see and that was not there. Now only what can harm is
refused, naming the character: a control character, a line or paragraph separator, and a text
direction override or isolate (it makes a name read other than it is stored). A no-break space
is a space; a zero-width joiner or non-joiner is kept, and names compare without them.
"""

from __future__ import annotations

import pytest

from console.clock import ManualClock
from console.identity import Account, IdentityError, Outcome, SecretKind, Staff
from console.session.chair_identity import ChairIdentity

from .conftest import NURSE, NURSE_PIN, t

MEHRANGIZ = "\u0645\u0647\u0631\u200c\u0627\u0646\u06af\u06cc\u0632 Karimi"   # with a ZWNJ
MEHRANGIZ_PIN = "30571946"


def add(staff: Staff, admin: Account, name: str, badge: str | None = None) -> Account:
    return staff.add(name, "nurse", NURSE_PIN, SecretKind.PIN, admin, t(1), badge=badge)


def test_a_name_pasted_with_a_no_break_space_is_kept_with_a_space(
        staff: Staff, admin: Account) -> None:
    ana = add(staff, admin, "Ana\u00a0Nurse\u00a0")
    assert ana.name == NURSE
    # Typed either way at a sign-in, it reaches her account.
    assert staff.find("Ana Nurse") == ana and staff.find("ana\u00a0nurse") == ana
    result = staff.sign_in("Ana\u00a0Nurse", NURSE_PIN, t(10), "chair 3")
    assert result.ok and result.account == ana
    with pytest.raises(IdentityError, match="already named 'Ana Nurse'"):
        add(staff, admin, NURSE)


def test_a_persian_name_keeps_its_zero_width_non_joiner(staff: Staff, admin: Account) -> None:
    added = staff.add(MEHRANGIZ, "nurse", MEHRANGIZ_PIN, SecretKind.PIN, admin, t(1))
    assert added.name == MEHRANGIZ
    assert staff.find(MEHRANGIZ) == added
    # Typed without the non-joiner (a keyboard without it) it is the same name.
    assert staff.find(MEHRANGIZ.replace("\u200c", "")) == added
    result = staff.sign_in(MEHRANGIZ, MEHRANGIZ_PIN, t(10), "chair 3")
    assert result.outcome is Outcome.OK and result.account == added


def test_a_name_that_reads_as_another_by_an_invisible_character_is_a_duplicate(
        staff: Staff, admin: Account) -> None:
    add(staff, admin, NURSE)
    with pytest.raises(IdentityError, match="already named 'Ana Nurse'"):
        add(staff, admin, "Ana Nur\u200dse")


def test_a_sign_in_at_the_chair_by_the_pasted_name_is_no_hand_over(
        staff: Staff, admin: Account) -> None:
    add(staff, admin, NURSE)
    clock = ManualClock(t(10))
    chair = ChairIdentity(staff, clock.now().mono, 600.0, "chair 3")
    answer = chair.sign_in("Ana\u00a0Nurse", NURSE_PIN, clock.now(), in_charge=NURSE)
    assert answer.ok and answer.hand_over_from is None
    assert answer.message == f"Signed in as {NURSE}."


@pytest.mark.parametrize(("name", "said"), [
    ("Ana\u0007Nurse", "a control character (U+0007) at character 4"),
    ("Ana\tNurse", "a control character (U+0009) at character 4"),
    ("Ana\u2028Nurse", "a line or paragraph separator (U+2028) at character 4"),
    ("Ana \u202eesruN", "a text direction control (U+202E) at character 5"),
    ("Ana \u2067Nurse\u2069", "a text direction control (U+2067) at character 5"),
], ids=["bell", "tab", "line separator", "right-to-left override", "right-to-left isolate"])
def test_a_name_with_a_harmful_character_is_refused_naming_it(
        staff: Staff, admin: Account, name: str, said: str) -> None:
    with pytest.raises(IdentityError) as refused:
        add(staff, admin, name)
    assert str(refused.value).startswith(f"the name holds {said}")
    assert staff.find("Ana Nurse") is None


def test_a_badge_and_a_reason_follow_the_same_rules(staff: Staff, admin: Account) -> None:
    with pytest.raises(IdentityError, match="a badge id may not contain spaces"):
        add(staff, admin, NURSE, badge="B\u00a00017")
    with pytest.raises(IdentityError, match=r"^the badge id holds a control character \(U\+001B\)"):
        add(staff, admin, NURSE, badge="B-\x1b0017")
    ana = add(staff, admin, NURSE)
    with pytest.raises(IdentityError, match=r"^the reason holds a control character \(U\+0000\)"):
        staff.disable(ana, admin, "left\x00", t(2))
    disabled = staff.disable(ana, admin, "left\u00a0the\u00a0clinic", t(2))
    assert disabled.reason == "disabled: left the clinic"
