"""A signature whose meaning needs a role, with that role taken away while the secret is checked.

The role was checked on the account as it was BEFORE the Argon2id check (~130 ms); an
administrator's `infusion-console staff roles` committed meanwhile was seen by the check's second
pass (a newer version), but no role was asked of it, so a prescriber's decision was signed by an
account that, at the signature's time, was no prescriber. Now the second pass asks the role too
and the signature is refused in the words of a missing role, its attempt logged as refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.identity import Account, Meaning, SecretKind, SignatureRefused, Signatures, Staff
from console.store import EventLog

from .conftest import ADMIN_PIN, NURSE, NURSE_PIN, t
from .test_sign_in_races import ChangedMeanwhile

PAT, PAT_PIN = "Pat Prescriber", "90517362"


@pytest.fixture
def elsewhere(db: Path, log: EventLog) -> Iterator[Staff]:
    """The administrator's `infusion-console staff`: its own connection to the same file."""
    with EventLog.open(db, "test") as other:
        yield Staff(other, ChangedMeanwhile())


@pytest.fixture
def hasher() -> ChangedMeanwhile:
    return ChangedMeanwhile()


@pytest.fixture
def staff(log: EventLog, hasher: ChangedMeanwhile) -> Staff:
    return Staff(log, hasher)


@pytest.fixture
def admin(staff: Staff) -> Account:
    return staff.add("Ada Admin", "administrator", ADMIN_PIN, SecretKind.PIN, None, t(0))


def last_attempt(log: EventLog) -> tuple[object, ...]:
    return log.conn.execute("SELECT outcome, purpose FROM sign_ins ORDER BY id DESC LIMIT 1"
                            ).fetchone()


@pytest.mark.parametrize("meaning", [Meaning.GATE_DECISION, Meaning.DISCHARGE_OVERRIDE])
def test_the_prescriber_role_taken_during_the_check_refuses_the_signature(
        log: EventLog, staff: Staff, hasher: ChangedMeanwhile, admin: Account,
        elsewhere: Staff, meaning: Meaning) -> None:
    pat = staff.add(PAT, "nurse prescriber", PAT_PIN, SecretKind.PIN, admin, t(1))
    # While Pat's PIN is checked, an administrator suspends her prescribing rights.
    hasher.during.append(lambda: elsewhere.change_roles(pat.id, "nurse", admin,
                                                        "prescribing rights suspended", t(5)))
    with pytest.raises(SignatureRefused) as refused:
        Signatures(staff).approve(pat, PAT_PIN, meaning, t(6), "chair 3")
    # The words the dialog gives a signer without the role, naming her roles as they are now.
    assert str(refused.value) == (
        f"cannot sign the {meaning.value}: {PAT} (nurse) may not record a prescriber's "
        "decision at a gate: it needs the prescriber role")
    assert last_attempt(log) == ("ok", "signature refused: may not record a prescriber's "
                                       "decision at a gate")
    assert log.conn.execute("SELECT count(*) FROM signatures").fetchone() == (0,)


def test_the_nurse_role_taken_during_the_check_refuses_a_correction(
        log: EventLog, staff: Staff, hasher: ChangedMeanwhile, admin: Account,
        elsewhere: Staff) -> None:
    ana = staff.add(NURSE, "nurse", NURSE_PIN, SecretKind.PIN, admin, t(1))
    hasher.during.append(lambda: elsewhere.change_roles(ana.id, "reviewer", admin,
                                                        "moved to audit", t(5)))
    with pytest.raises(SignatureRefused, match=r"^cannot sign the correction: Ana Nurse "
                                               r"\(reviewer\) may not run a session"):
        Signatures(staff).approve(ana, NURSE_PIN, Meaning.CORRECTION, t(6), "chair 3")


def test_a_role_change_that_keeps_the_role_still_signs(
        log: EventLog, staff: Staff, hasher: ChangedMeanwhile, admin: Account,
        elsewhere: Staff) -> None:
    pat = staff.add(PAT, "prescriber", PAT_PIN, SecretKind.PIN, admin, t(1))
    hasher.during.append(lambda: elsewhere.change_roles(pat.id, "nurse prescriber", admin,
                                                        "also a nurse now", t(5)))
    approval = Signatures(staff).approve(pat, PAT_PIN, Meaning.GATE_DECISION, t(6), "chair 3")
    assert approval.account.roles_text == "nurse prescriber"
    assert last_attempt(log) == ("ok", "signature")
