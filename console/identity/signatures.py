"""Electronic signatures: printed name, account, time, meaning, bound to the hash of one record.

21 CFR Part 11 asks that a signature show who signed, when, and what it means, and that it be
bound to its record so it cannot be copied onto another or survive an edit. A `signatures` row
holds the printed name (the account's display name when signing), the account id, the time, the
meaning (one of `Meaning`), the record it signs (table and row id) and that record's `row_hash`
at signing. `verify` (chain.py) names a signature whose record is gone or no longer has that hash.

**When a signature is written (the rule).** Always *after* the record it signs is committed, in a
transaction of its own that reads the record's `row_hash`; a row that is not in the log cannot be
signed (`UnknownRecordError`, nothing written). The secret is checked *before* the action, so a
wrong PIN stops it:

1. `approve(account, secret, meaning, now)` checks the role the meaning needs (a prescriber's
   decision needs the prescriber role; `role_refusal`, before any secret is checked, nothing
   logged) and the secret (same lock-out and logging as a sign-in, purpose `signature`: a
   disabled account's try is a `disabled` row), and the role again on the account as the secret
   is decided (an administrator may change it during the check: refused, logged as "signature
   refused: may not …"); it returns a one-time `Approval`, good for
   `APPROVAL_VALID` (2 min). One entry for several meanings checks every meaning's role before
   the first secret (console/session/signing.py).
2. The caller takes the action; the engine commits its record as usual (one path, through the
   journal) and the caller learns the record's row id (`Journal.added_since_with_ids`).
3. `sign_approved(approval, table, row_id, now)` writes the signature, timed at the approval
   (when the person signed).

`sign(...)` does all three for a record that is already committed (a review annotation, a
correction). Not one transaction with the record: the engine's records may be held in memory
while the log cannot be written (R5) and are committed later through the journal; a signature
must name a committed row and its final hash. The cost: a crash between the record's commit and
the signature's leaves that record unsigned; a record of a kind that needs a signature but has
none shows as unsigned (`signatures_of` is empty), never as signed.

**A signature keeps the role it was made under.** Its row names the account id and the time, not
the roles (the printed name and the meaning are its own columns, so what the review and the PDF
show of it never changes). The roles the signer had are those of the account's version in force
at the signature's time (`signer`): a prescriber's decision still reads as a prescriber's after
an administrator takes the role away (`Staff.change_roles` writes a new version, later in time).
"""

from __future__ import annotations

import secrets as _random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from console.clock import iso
from console.identity.roles import Action, refusal
from console.identity.errors import IdentityError, NotPermittedError, UnknownAccountError
from console.identity.staff import Account, AccountRef, Purpose, SignInResult, Staff
from console.store import identity_store as store
from console.store.chain import SIGNABLE_TABLES
from console.store.identity_store import SignatureRow

APPROVAL_VALID: Final = timedelta(minutes=2)


class Meaning(StrEnum):
    """What a signature means (`signatures.meaning`), as printed in the review and the PDF."""

    # A phase ended, or the patient discharged, against what refused it: what the signer
    # overrides is named (every override had been signed as "override of a required checklist
    # item", a discharge against the gate too: a clinician's audit).
    PHASE_OVERRIDE = "phase ended against its checklist or rules"
    DISCHARGE_OVERRIDE = "discharge against the discharge gate"
    # (Logs written before 2 Dec 2026 hold "override of a required checklist item" for every
    # override: shown as they say, no longer signed with.)
    GATE_DECISION = "prescriber decision at gate"
    ALARM_LIMIT_CHANGE = "alarm limit change"
    DISCHARGE = "discharge"
    CORRECTION = "correction"
    REVIEW_ANNOTATION = "review annotation"


# The action (roles.py) an account must be allowed to sign with each meaning.
REQUIRED_ACTION: Final[dict[Meaning, Action]] = {
    Meaning.PHASE_OVERRIDE: Action.RUN_SESSION,
    # "A prescriber override is logged with a reason" (clinical-defaults.md, alarm behaviour 9):
    # a nurse alone signed the patient home past the gate (an esketamine walk).
    Meaning.DISCHARGE_OVERRIDE: Action.GATE_DECISION,
    Meaning.GATE_DECISION: Action.GATE_DECISION,
    Meaning.ALARM_LIMIT_CHANGE: Action.RUN_SESSION,
    Meaning.DISCHARGE: Action.RUN_SESSION,
    Meaning.CORRECTION: Action.RUN_SESSION,
    Meaning.REVIEW_ANNOTATION: Action.ANNOTATE,
}

Signature = SignatureRow   # id, at, account, printed_name, meaning, session_id, signed_table,
#                            signed_id, signed_hash


class SignatureRefused(IdentityError):
    """The signature was not given: wrong secret, locked, disabled, or a missing role.

    Attributes:
        result: the secret check's result (None when refused for the role before any check).
    """

    def __init__(self, message: str, result: SignInResult | None = None) -> None:
        super().__init__(message)
        self.result = result


class UnknownRecordError(IdentityError, LookupError):
    """The record to sign is not (yet) in the log."""


class ApprovalError(IdentityError):
    """An approval that was not issued here, was used already, or is too old."""


@dataclass(frozen=True, slots=True)
class Approval:
    """A secret checked for one signature, not yet bound to a record (one use).

    Attributes:
        account: who signed.
        meaning: what the signature means.
        at: when the secret was entered (the signature's time).
        token: issued by `Signatures.approve`; an approval made any other way is refused.
    """

    account: Account
    meaning: Meaning
    at: datetime
    token: str


class Signatures:
    """Signing records and reading signatures; one instance per process (it remembers the
    approvals it issued)."""

    def __init__(self, staff: Staff) -> None:
        self._staff = staff
        self._issued: dict[str, Approval] = {}

    def approve(self, account: AccountRef, secret: str, meaning: Meaning | str, now: datetime,
                where: str = "") -> Approval:
        """Check the role and the secret for a signature with this meaning.

        Raises:
            SignatureRefused: the account's roles may not sign this (`role_refusal`: no secret
                checked, nothing logged), or the secret check failed or the account is disabled
                (logged as a sign-in attempt, purpose `signature`), or the role was taken away
                while the secret was checked (logged as refused: `refused_purpose`).
            UnknownAccountError: no such account.
        """
        meaning = _meaning(meaning)
        current = self._staff.get(account)
        why = role_refusal(current, meaning)
        if why is not None:
            raise SignatureRefused(why)
        # The role asked again of the version the secret is decided on: one taken away during
        # the check (another process) had signed a prescriber's decision as no prescriber.
        result = self._staff.verify_secret(current, secret, now, where, Purpose.SIGNATURE,
                                           may=REQUIRED_ACTION[meaning])
        if result.refused and result.account is not None:
            raise SignatureRefused(role_refusal(result.account, meaning) or result.message,
                                   result)
        if not result.ok or result.account is None:
            raise SignatureRefused(f"not signed: {result.message}", result)
        self._forget_expired(now)
        approval = Approval(result.account, meaning, now, _random.token_hex(16))
        self._issued[approval.token] = approval
        return approval

    def is_valid(self, approval: Approval, now: datetime) -> bool:
        """Whether `sign_approved` would still take this approval at `now` (issued here, not
        used, not older than APPROVAL_VALID): asked before an action whose approvals were given
        in turn, so that the first one cannot lapse after the record is committed."""
        return (self._issued.get(approval.token) == approval
                and now - approval.at <= APPROVAL_VALID)

    def sign_approved(self, approval: Approval, table: str, row_id: int,
                      now: datetime) -> Signature:
        """Bind an approval to the committed record `table` row `row_id`.

        Raises:
            UnknownRecordError: the row is not in the log (the approval stays usable).
            ApprovalError: not issued here, already used, or older than APPROVAL_VALID.
            ValueError: a table whose rows are not signed.
        """
        if self._issued.get(approval.token) != approval:
            raise ApprovalError("this approval was not issued for a signature here, or it was "
                                "used already: ask for the PIN or password again")
        if now - approval.at > APPROVAL_VALID:
            del self._issued[approval.token]
            raise ApprovalError(f"the PIN or password was entered at {iso(approval.at)}, more "
                                f"than {int(APPROVAL_VALID.total_seconds() // 60)} minutes ago: "
                                "ask for it again")
        signature = self._write(approval, table, row_id)
        del self._issued[approval.token]
        return signature

    def sign(self, account: AccountRef, secret: str, meaning: Meaning | str, table: str,
             row_id: int, now: datetime, where: str = "") -> Signature:
        """Sign a record that is already in the log: check it exists, check role and secret,
        write the signature.

        Raises:
            UnknownRecordError: no such row (checked first: no secret is checked or logged).
            SignatureRefused: as `approve`.
        """
        self._hash_of(table, row_id)
        approval = self.approve(account, secret, meaning, now, where)
        return self.sign_approved(approval, table, row_id, now)

    def signatures_for(self, session_id: int) -> list[Signature]:
        """A session's signatures, in the order they were given (for the review and the PDF)."""
        log = self._staff.log
        with log.environment_errors():
            return store.signatures_for_session(log.conn, session_id)

    def signatures_of(self, table: str, row_id: int) -> list[Signature]:
        """The signatures of one record (empty: unsigned)."""
        log = self._staff.log
        with log.environment_errors():
            return store.signatures_for_row(log.conn, table, row_id)

    def signer(self, signature: Signature) -> Account:
        """The signer as they were when they signed: the account's version in force at the
        signature's time, with the roles (and name) it had then, whatever changed since.

        Raises:
            UnknownAccountError: the log holds no version of the account from before the
                signature (a row the console did not write).
        """
        found = self._staff.version_at(signature.account, signature.at)
        if found is None:
            raise UnknownAccountError(
                f"signature {signature.id} names account {signature.account}, which had no "
                f"version at {iso(signature.at)} in {self._staff.log.path}: check the log with "
                "`infusion-console verify`")
        return found

    def _hash_of(self, table: str, row_id: int) -> tuple[str, int]:
        log = self._staff.log
        with log.environment_errors():
            found = store.signed_row(log.conn, _table(table), row_id)
        if found is None:
            raise UnknownRecordError(_missing(table, row_id))
        return found

    def _write(self, approval: Approval, table: str, row_id: int) -> Signature:
        table = _table(table)
        with self._staff.log.appending() as w:
            found = store.signed_row(w.conn, table, row_id)
            if found is None:
                raise UnknownRecordError(_missing(table, row_id))
            signed_hash, session_id = found
            return store.append_signature(w, approval.at, approval.account.id,
                                          approval.account.name, approval.meaning.value,
                                          session_id, table, row_id, signed_hash)

    def _forget_expired(self, now: datetime) -> None:
        for token, approval in list(self._issued.items()):
            if now - approval.at > APPROVAL_VALID:
                del self._issued[token]


def role_refusal(account: Account, meaning: Meaning | str) -> str | None:
    """Why `account`'s roles may not sign with `meaning` ("cannot sign the discharge against the
    discharge gate: … it needs the prescriber role"), decided before any secret is checked; None
    when they may. A disabled account is not refused here: its attempt goes to the secret's
    check, which logs it as `disabled` (SCHEMA.md: `sign_ins` holds every attempt to sign) after
    a check as long as a real one.

    Raises:
        IdentityError: an unknown meaning.
    """
    meaning = _meaning(meaning)
    if not account.active:
        return None
    why = refusal(account, REQUIRED_ACTION[meaning])
    return None if why is None else f"cannot sign the {meaning.value}: {why}"


def _meaning(meaning: Meaning | str) -> Meaning:
    try:
        return Meaning(meaning)
    except ValueError:
        allowed = "; ".join(m.value for m in Meaning)
        raise IdentityError(f"a signature's meaning is one of: {allowed} (not {meaning!r})"
                            ) from None


def _table(table: str) -> str:
    if table not in SIGNABLE_TABLES:
        raise IdentityError(f"only records of {', '.join(SIGNABLE_TABLES)} are signed, not "
                            f"{table!r}")
    return table


def _missing(table: str, row_id: int) -> str:
    return (f"{table} row {row_id} is not in the session log: only a committed record can be "
            "signed (sign again once it is written)")


__all__ = [
    "APPROVAL_VALID", "REQUIRED_ACTION", "Approval", "ApprovalError", "Meaning",
    "NotPermittedError", "Signature", "SignatureRefused", "Signatures", "UnknownRecordError",
    "role_refusal",
]
