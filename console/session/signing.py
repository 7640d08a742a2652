"""Signing at the chair (issue 13): ask for the PIN, take the action, bind the signature. No Qt.

The rule is the identity layer's (console/identity/signatures.py): the secret is checked *before*
the action, the record is committed through the engine as usual, and the signature is written
*after* that commit, naming the committed row. Here, for one signed action:

1. `ChairSigner.signed(request, action, pick)` asks the `SignatureService` (the UI's dialog, a
   recorder in tests) for a name or badge and a secret. Each time the person presses Sign the
   service calls back `check(name_or_badge, secret)`: the account is found and
   `Signatures.approve` checks its role and its secret (same lock-out and `sign_ins` logging as
   a sign-in, purpose `signature`). A refusal comes back as the identity layer's sentence, which
   the service shows; the secret is never kept. The service returns when an approval was given
   or the person cancelled.
2. Cancelled or refused, or an approval asked earlier lapsed (`APPROVAL_VALID`) while the next
   signer came: the action is *not* taken and nothing is written. So too when the station may
   no longer act once the approvals are given (`still_allowed`: it locked while the dialog was
   open, or the signed-in account was disabled): the lock is asked again, after the dialog,
   never only before it; a dialog left open past the lock records nothing.
3. Approved: `action()` runs (the engine commits its records through the journal); `pick`
   names, among the records the journal got since, the rows to sign and with what meaning; each
   is bound with `Signatures.sign_approved`. The action may still refuse: an override is
   given, with the signatures, what its dialog named (`signed_for`), and the engine refuses it
   when more blocks by then (a high alarm raised while the nurse came to sign). It then
   commits nothing and nothing is signed; the log holds only the approvals' `sign_ins` rows
   (`ok`, purpose `signature`: the PINs were checked), as for a station that locked after
   them, and their approvals lapse unused.
4. A record held in memory because the log cannot be written (R5) has no row id yet: it is not
   signed and the answer says so; it shows as "unsigned" in the review. A crash between the
   commit and the signature, or a signature the log refuses then, leaves it unsigned too, never
   signed (the answer says so).

One secret entry may approve several meanings at once (a discharge that overrides its gate,
signed by a nurse who is also a prescriber, is a discharge *and* an override): each meaning is one
`approve`, so each signature is one checked secret and one `sign_ins` row. The roles of every
meaning are checked first, before any secret: a signer refused for one of them is refused with
nothing checked and nothing logged, as for a single meaning, never a `sign_ins` row saying she
signed what was then refused. Meanings that need two
people are two requests, asked in turn before the action (`then`): a discharge against its gate is
the prescriber's override, then the nurse's discharge.

Built only on a log with staff accounts (the transitional rule, console/session/lock.py); the
identity layer is imported when a signature is asked for, never before (P7).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, runtime_checkable

from console.records import EventRecord, Record
from console.store.errors import LogError

if TYPE_CHECKING:
    from console.identity import Account, Approval, Signature, Signatures, Staff
    from console.session.journal import Journal

R = TypeVar("R")

# The meanings (console.identity.signatures.Meaning values), here as text so that this module
# loads without the identity layer.
PHASE_OVERRIDE = "phase ended against its checklist or rules"
DISCHARGE_OVERRIDE = "discharge against the discharge gate"
GATE_DECISION = "prescriber decision at gate"
DISCHARGE = "discharge"
CORRECTION = "correction"
REVIEW_ANNOTATION = "review annotation"

Check = Callable[[str, str], str | None]
"""`check(name_or_badge, secret)`: None when approved, else the sentence to show."""


@dataclass(frozen=True, slots=True)
class SignatureRequest:
    """What the person is asked to sign, in plain words.

    Attributes:
        meanings: the signature meanings, in order (one secret entry approves them all).
        subject: what is signed, e.g. "'Consent confirmed'"; '' for none.
        signer: the name the signer field starts with (the signed-in account), '' for none.
        note: one more sentence for the dialog (e.g. who may sign), '' for none.
        signer_fixed: only `signer` may sign (a review annotation is signed by its author).
    """

    meanings: tuple[str, ...]
    subject: str = ""
    signer: str = ""
    note: str = ""
    signer_fixed: bool = False

    @property
    def title(self) -> str:
        """'Sign: phase ended against its checklist or rules — 'Consent confirmed''."""
        what = " and ".join(self.meanings)
        return f"Sign: {what}" + (f" — {self.subject}" if self.subject else "")


class SignatureService(Protocol):
    """Asks for a signature (the UI's dialog; a recorder in tests): logic never opens one."""

    def sign(self, request: SignatureRequest, check: Check) -> bool:
        """Ask until `check` approves (True) or the person cancels (False)."""
        ...


@runtime_checkable
class CancelsOnLock(Protocol):
    """A `SignatureService` that can close the signature it is asking for (the dialog): the
    controller calls it when the station locks, so nobody signs on a locked station."""

    def cancel_open(self) -> None:
        """Close the open request as cancelled (nothing of it was signed)."""
        ...


@dataclass(slots=True)
class Signed(Generic[R]):
    """The answer to one signed action.

    Attributes:
        done: the action was taken (its result in `result`).
        result: what the action returned; None when it was not taken.
        message: why not taken (cancelled, refused), or what was left unsigned; '' when all is
            well.
        signatures: the signatures written, in order.
    """

    done: bool
    result: R | None = None
    message: str = ""
    signatures: list[Signature] = field(default_factory=list)


NOT_SIGNED = "Not done: the signature was cancelled (nothing was recorded)."
NO_SERVICE = ("Not done: this needs a signature (PIN or password) and this station cannot ask "
              "for one.")


class ChairSigner:
    """Signatures for one running session: approve, act, bind.

    Args:
        staff: the log's staff accounts.
        journal: the session's journal (what the engine committed, with row ids).
        now: the wall time (the controller's clock).
        station: where, in `sign_ins` (e.g. "chair 3").
        service: asks for the secret; None refuses every signed action (`NO_SERVICE`).
    """

    def __init__(self, staff: Staff, journal: Journal, now: Callable[[], datetime],
                 station: str = "chair", service: SignatureService | None = None,
                 held: Callable[[], int] = lambda: 0) -> None:
        from console.identity import Signatures  # noqa: PLC0415 - loaded on demand (P7)

        self.staff = staff
        self.signatures: Signatures = Signatures(staff)
        self.journal = journal
        self.now = now
        self.station = station
        self.service = service
        self.held = held   # records held in memory while the log cannot take them

    def signed(self, request: SignatureRequest, action: Callable[[], R],
               pick: Callable[[R, Sequence[tuple[int | None, Record]]],
                              Sequence[tuple[str, int | None]]],
               role_check: Callable[[Account], str | None] | None = None,
               then: Sequence[SignatureRequest] = (),
               still_allowed: Callable[[], str | None] = lambda: None) -> Signed[R]:
        """Ask for the signature, then take `action`, then sign the rows `pick` names.

        Args:
            request: what to show.
            action: the engine action; runs only after every approval.
            pick: given the action's result and the journal's new (row id, record) pairs, the
                (meaning, events row id) pairs to sign (row id None: held, not signed).
            role_check: an extra refusal before any secret is checked (None: none).
            then: more signatures, each asked after the one before and given by its own signer
                (a discharge against its gate: the prescriber's override, then the nurse's
                discharge); one cancelled leaves the action not taken.
            still_allowed: asked after the approvals, just before `action`: None when the
                station may still act, else the sentence why not (the station locked while the
                dialog was open); the action is then not taken and nothing is written.
        """
        from console.identity import IdentityError  # noqa: PLC0415 - loaded on demand (P7)

        if self.service is None:
            return Signed(False, message=NO_SERVICE)
        approvals: dict[str, Approval] = {}
        for asked in (request, *then):
            given = self._ask(asked, role_check)
            if given is None:   # cancelled, by the person or by the lock
                return Signed(False, message=still_allowed() or NOT_SIGNED)
            approvals.update(given)
        # The dialog may have stayed open past the idle lock, and whoever came by signed in it:
        # checked again now, not only before the dialog opened.
        refused = still_allowed()
        if refused is not None:
            return Signed(False, message=refused)
        # Asked in turn, an earlier approval may have lapsed (APPROVAL_VALID) while the next
        # signer came: refused now, before anything is committed, never a record left unsigned.
        now = self.now()
        for earlier in approvals.values():
            if not self.signatures.is_valid(earlier, now):
                return Signed(False, message=_lapsed(earlier))
        before, held_before = self.journal.total, self.held()
        result = action()
        rows = pick(result, self.journal.added_since_with_ids(before))
        answer: Signed[R] = Signed(True, result)
        unsigned, not_bound = [], []
        for meaning, row_id in rows:
            approval = approvals.pop(meaning, None)
            if approval is None:
                continue
            if row_id is None:
                unsigned.append(meaning)
                continue
            try:
                answer.signatures.append(
                    self.signatures.sign_approved(approval, "events", row_id, self.now()))
            except (IdentityError, LogError) as exc:
                # The record is committed: the action stands and the answer says it is
                # unsigned (the review shows it so), never a fault that ends the session's
                # clean-up half done.
                not_bound.append(f"{meaning}: {exc}")
        if approvals and self.held() > held_before:
            # Held records never reach the journal until the log takes them: what the action
            # recorded is among them, and nothing was there to sign.
            unsigned += list(approvals)
        messages = []
        if unsigned:
            messages.append(f"Recorded, but not signed ({', '.join(unsigned)}): the session "
                            "log cannot be written now, so the record has no place in it yet; "
                            "it will show as unsigned.")
        if not_bound:
            messages.append(f"Recorded, but not signed ({'; '.join(not_bound)}); it will show "
                            "as unsigned.")
        answer.message = " ".join(messages)
        return answer

    def _ask(self, request: SignatureRequest,
             role_check: Callable[[Account], str | None] | None) -> dict[str, Approval] | None:
        """The approvals of one request's meanings; None when it was cancelled."""
        assert self.service is not None
        approvals: dict[str, Approval] = {}

        def check(name_or_badge: str, secret: str) -> str | None:
            approvals.clear()
            found = self._approve(request, name_or_badge, secret, role_check)
            if isinstance(found, str):
                return found
            approvals.update(found)
            return None

        if not self.service.sign(request, check) or not approvals:
            return None
        return approvals

    def _approve(self, request: SignatureRequest, name_or_badge: str, secret: str,
                 role_check: Callable[[Account], str | None] | None,
                 ) -> dict[str, Approval] | str:
        try:
            return self._approve_recorded(request, name_or_badge, secret, role_check)
        except LogError as exc:
            # Each attempt is recorded before it is answered (the lock-out counts them): with
            # the log unwritable nothing is signed, and the answer says why (it was a console
            # fault: the data-path audit).
            return f"Not signed: the attempt cannot be recorded now. {exc.message}"

    def _approve_recorded(self, request: SignatureRequest, name_or_badge: str, secret: str,
                          role_check: Callable[[Account], str | None] | None,
                          ) -> dict[str, Approval] | str:
        from console.identity import (  # noqa: PLC0415 - loaded on demand (P7)
            IdentityError,
            Purpose,
            SignatureRefused,
        )
        from console.identity.signatures import role_refusal  # noqa: PLC0415 - as above

        if not name_or_badge.strip():
            return "Give the signer's name or badge, then the PIN or password."
        if not secret:
            return "Give the PIN or password: it is your signature."
        now = self.now()
        account = self.staff.find(name_or_badge)
        if account is None:
            # Logged like any attempt with an unknown name, and as slow as a wrong secret.
            result = self.staff.sign_in(name_or_badge, secret, now, self.station,
                                        Purpose.SIGNATURE)
            return _sentence(f"not signed: {result.message}")
        if role_check is not None:
            why = role_check(account)
            if why is not None:
                return _sentence(why)
        approvals: dict[str, Approval] = {}
        try:
            # Every meaning's role before the first secret: approved one by one, the first
            # wrote `ok` / `signature` for a nurse the second then refused as no prescriber,
            # and nothing was signed (review 49).
            for meaning in request.meanings:
                why = role_refusal(account, meaning)
                if why is not None:
                    return _sentence(why)
            for meaning in request.meanings:
                approvals[meaning] = self.signatures.approve(account, secret, meaning, now,
                                                             self.station)
        except SignatureRefused as exc:
            return _sentence(str(exc))
        except IdentityError as exc:
            return _sentence(str(exc))
        return approvals


def events_of(kinds: dict[str, str]) -> Callable[[object, Sequence[tuple[int | None, Record]]],
                                                 list[tuple[str, int | None]]]:
    """A `pick` that signs every new `events` row whose kind is a key of `kinds`, with the
    meaning it maps to (e.g. {"override": CHECKLIST_OVERRIDE, "discharged": DISCHARGE})."""

    def pick(_result: object, rows: Sequence[tuple[int | None, Record]],
             ) -> list[tuple[str, int | None]]:
        return [(kinds[record.kind], row_id) for row_id, record in rows
                if isinstance(record, EventRecord) and record.kind in kinds]

    return pick


def _lapsed(approval: Approval) -> str:
    from console.identity import APPROVAL_VALID  # noqa: PLC0415 - loaded on demand (P7)

    minutes = int(APPROVAL_VALID.total_seconds() // 60)
    return (f"Not done: {approval.account.name}'s signature was given more than {minutes} "
            "minutes ago: sign again (nothing was recorded).")


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
