"""One secret entry for two meanings, refused for the second one's role, is no signature in
`sign_ins` (review 49). A signed-in nurse who is also a prescriber is asked one signature for a
discharge against its gate (the discharge and the override); the signer field is editable, and a
nurse-only colleague types her name and right PIN. The meanings were approved one by one: the
discharge's wrote `ok` / `signature`, then the override's role check refused. Nothing was
signed, yet the audit table said she signed. Every meaning's role is checked before any secret,
as a single meaning's is: refused naming the role, nothing checked, nothing logged."""

from __future__ import annotations

from console.identity import Account, SecretKind, Staff
from console.session.journal import Journal
from console.session.signing import DISCHARGE, DISCHARGE_OVERRIDE, ChairSigner, SignatureRequest
from console.store import EventLog
from console.store import identity_store as store
from tests.identity.conftest import (  # noqa: F401 - the fixtures
    NURSE,
    NURSE_PIN,
    CountingHasher,
    admin,
    db,
    hasher,
    log,
    nurse,
    staff,
    t,
)

PAT, PAT_PIN = "Pat Prescriber", "66120498"


class Types:
    """Stands in for the signature dialog: types one name and PIN, keeps the answer, cancels."""

    def __init__(self, name: str, secret: str) -> None:
        self.typed = (name, secret)
        self.answers: list[str | None] = []

    def sign(self, request: SignatureRequest, check) -> bool:  # type: ignore[no-untyped-def]
        self.answers.append(check(*self.typed))
        return self.answers[-1] is None


def discharge_against_the_gate(log: EventLog, staff: Staff, service: Types) -> bool:
    """One signature for both meanings, asked with Pat (nurse and prescriber) signed in."""
    signer = ChairSigner(staff, Journal(log), lambda: t(60), "chair 3", service)
    request = SignatureRequest((DISCHARGE, DISCHARGE_OVERRIDE), "", PAT)
    return signer.signed(request, lambda: None, lambda result, rows: []).done


def test_a_nurse_typed_in_for_a_prescribers_two_meanings_is_refused_with_nothing_logged(
        log: EventLog, staff: Staff, hasher: CountingHasher, admin: Account,
        nurse: Account) -> None:
    staff.add(PAT, "nurse,prescriber", PAT_PIN, SecretKind.PIN, admin, t(1))
    before, checks = len(store.sign_in_rows(log.conn)), hasher.checks
    service = Types(NURSE, NURSE_PIN)

    assert not discharge_against_the_gate(log, staff, service)
    assert service.answers == [
        "Cannot sign the discharge against the discharge gate: Ana Nurse (nurse) may not record "
        "a prescriber's decision at a gate: it needs the prescriber role."]
    assert store.sign_in_rows(log.conn)[before:] == []
    assert hasher.checks == checks


def test_the_prescriber_signs_both_meanings_with_one_pin(
        log: EventLog, staff: Staff, admin: Account) -> None:
    pat = staff.add(PAT, "nurse,prescriber", PAT_PIN, SecretKind.PIN, admin, t(1))
    before = len(store.sign_in_rows(log.conn))
    service = Types(PAT, PAT_PIN)

    assert discharge_against_the_gate(log, staff, service)
    assert service.answers == [None]
    assert [(r.account, r.outcome, r.purpose) for r in store.sign_in_rows(log.conn)[before:]] == [
        (pat.id, "ok", "signature"), (pat.id, "ok", "signature")]
