"""Who is at the chair: the signed-in account, the idle lock, sign-in and hand-over. No Qt.

Built only on a log that holds at least one staff account (the transitional rule in
console/session/lock.py); the controller holds one and forwards to it.

Rules:
- A sign-in at the chair (to unlock, or to take a session over) is `Staff.sign_in` with purpose
  `sign-in` and the station's name: every attempt, good or bad, is a `sign_ins` row, under the
  identity layer's lock-out. A right secret of an account that may not run a session (no nurse
  role, or disabled) does not unlock: the answer names the role it needs, and its row says it
  was refused ("sign-in refused: may not run a session"), never that it signed in.
- The account signed in becomes the session's actor. When it is not the account (by name) the
  session was run by, that is a hand-over: the controller writes `handed_over` {from, to}
  through the engine before anything else that account does.
- The secret is passed through and forgotten: it is never kept, logged nor shown.
- The account signed in is read again before each act at the chair (`no_longer_allowed`): one
  disabled, or whose nurse role was taken away, since it signed in is refused, and the
  controller locks the station. Acknowledge and pause audio never read it (they never wait).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.clock import Moment
from console.session.lock import DEFAULT_LOCK_AFTER_S, IdleLock
from console.store.errors import LogError

if TYPE_CHECKING:   # loaded when a sign-in happens: a log without accounts never loads argon2 (P7)
    from console.identity import Account, Staff


@dataclass(frozen=True, slots=True)
class SignInAnswer:
    """The answer to a sign-in at the chair.

    Attributes:
        ok: the account is signed in (and the station unlocked).
        message: one sentence for the screen (never the secret).
        account: the account signed in (ok), else None.
        hand_over_from: ok and the session was run by someone else: their name; else None.
        log_refused: the log could not record the attempt (the station stays locked, but a
            running session may still be closed: nobody could sign in to do it).
    """

    ok: bool
    message: str
    account: Account | None = None
    hand_over_from: str | None = None
    log_refused: bool = False


class ChairIdentity:
    """The signed-in account and the idle lock of one running session.

    Args:
        staff: the log's staff accounts.
        now_mono: when the session opened here (the idle time starts then).
        lock_after_s: idle seconds before the lock.
        station: the station's name in `sign_ins` (e.g. "chair 3").
        account: the account that started or resumed the session, if one signed in.
    """

    def __init__(self, staff: Staff, now_mono: float, lock_after_s: float = DEFAULT_LOCK_AFTER_S,
                 station: str = "chair", account: Account | None = None) -> None:
        self.staff = staff
        self.lock = IdleLock(lock_after_s, now_mono)
        self.station = station
        self.account = account

    def current_account(self) -> Account | None:
        """The signed-in account as the staff list says now (its roles may have changed since
        it signed in), or as it signed in when the list cannot be read. An administrator took
        the prescriber role from a nurse at work: the console still asked her alone for a
        discharge against the gate, and the signature, checked against the list, was refused
        with no way to fetch a prescriber."""
        if self.account is None:
            return None
        from console.identity import IdentityError  # noqa: PLC0415 - see above

        try:
            return self.staff.get(self.account)
        except (IdentityError, LogError):
            return self.account

    def no_longer_allowed(self) -> str | None:
        """Why the signed-in account may no longer run the session, as the identity layer's
        sentence ("Ana Nurse's account is disabled: ask an administrator."); None when it may,
        or nobody signed in. An administrator who disables a nurse, or takes her nurse role
        away, stops her at the chair from that change, not at the next idle lock (roles.py: "A
        disabled account may do nothing"). One small read of the staff list per call: asked
        before a person's act, never per monitor reading nor for acknowledge and pause."""
        account = self.current_account()
        if account is None:
            return None
        from console.identity import Action, refusal  # noqa: PLC0415 - see above

        why = refusal(account, Action.RUN_SESSION)
        return None if why is None else _sentence(why)

    def sign_in(self, name_or_badge: str, secret: str, now: Moment,
                in_charge: str) -> SignInAnswer:
        """Check a sign-in at the chair; unlock and decide the hand-over when it is good.

        Args:
            name_or_badge: what was typed or scanned.
            secret: the PIN or password (checked, never kept).
            now: when (the wall time for the log, the monotonic time for the lock).
            in_charge: the session's actor now (its name), to tell a hand-over.
        """
        if not name_or_badge.strip():
            return SignInAnswer(False, "Give your name or badge, then your PIN or password.")
        if not secret:
            return SignInAnswer(False, "Give your PIN or password.")
        from console.identity import Action, Purpose  # noqa: PLC0415 - see above

        try:
            # The role is checked by the identity layer before the attempt's row is written:
            # a prescriber refused here was logged as signed in at the chair (an audit).
            result = self.staff.sign_in(name_or_badge, secret, now.wall, where=self.station,
                                        purpose=Purpose.SIGN_IN, may=Action.RUN_SESSION)
        except LogError as exc:
            # Every attempt is recorded before it is answered (the lock-out counts them); with
            # the log unwritable the answer is that, in words, not a console fault and a
            # locked station with no reason given (the data-path audit).
            return SignInAnswer(False, SIGN_IN_NOT_RECORDED.format(cause=exc.message), log_refused=True)
        if not result.ok or result.account is None:
            return SignInAnswer(False, _sentence(result.message))
        account = result.account
        self.account = account
        self.lock.unlock(now)
        handed = None if account.name == in_charge else in_charge
        text = (f"Signed in as {account.name}: you have taken the session over from {in_charge}."
                if handed is not None else f"Signed in as {account.name}.")
        return SignInAnswer(True, text, account, handed)


SIGN_IN_NOT_RECORDED = (
    "Sign-in cannot be recorded now, so the station stays locked: {cause} Alarms still show, "
    "F2 acknowledges and F3 pauses; readings from the monitor are kept in memory and written "
    "when the log takes writes again.")


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
