"""Staff accounts in the log: add, disable, enable, change roles, reset, find, sign in, check a
secret again, read an account's history. No Qt.

Every change to an account is a new `staff` row (a version) with the same account id; the newest
version of an account is the account. Every sign-in attempt, good or bad, is a `sign_ins` row.
Secrets go only through the `SecretHasher` (Argon2id, console/identity/secrets.py): never into the
log, a message or an exception. Time is passed in (`now`): nothing here reads the clock.

Rules of the administrator's changes (each checked inside the write transaction, on the log as
it is then):

- The clinic always keeps an active administrator: neither `disable` nor `change_roles` may take
  the last one away (nobody could manage staff any more).
- `enable` gives the account a new PIN or password in the same version: the one it had when
  disabled never signs in again. Why: the console does not know why an account was disabled (it
  may be for cause: a PIN shared or seen, someone who left), and a disabled account's old secret
  may have been known to others meanwhile; whoever comes back chooses a new one.
- `change_roles` works on a disabled account too (its roles are set before it is enabled, so it
  never signs in with the old ones); the roles are given whole, not added or removed one by one.
- A signature keeps the role it was made under: it names the account and its time, and the
  version in force at that time (`version_at`) holds the roles the signer had then.

Lock-out, one state machine per account version:

    state    fields                        what happens to an attempt
    -------  ----------------------------  ----------------------------------------------------
    OPEN     wrong_in_a_row (0-4)          the secret is checked (one Argon2id check).
                                           Right: ok, wrong_in_a_row back to 0.
                                           Wrong: wrong_in_a_row + 1; the fifth in a row starts
                                           LOCKED for `LOCK_FOR` (5 min) from that attempt, and
                                           that attempt's row records `locked_until`.
    LOCKED   until                         refused as `locked` WITHOUT checking the secret (no
                                           hash: ten thousand guesses cost no CPU and reveal
                                           nothing), logged; at `until` it is OPEN again with
                                           wrong_in_a_row 0.

- A lock whose end lies more than `LOCK_FOR` after `now` started after `now`: the station's
  clock was set back since (NTP correcting a fast clock). It is taken as ended, and the count
  starts again (`lock_state` says why).
- The state is read from the log (`sign_ins`), so it survives a restart and holds across
  processes (the console, the command line). Only ok/wrong attempts against the account's
  current version count: a new version (an administrator's reset, any change) starts OPEN
  with 0, which is how a reset ends a lock-out.
- Signature checks (`verify_secret`) and sign-ins share the count and the lock.
- A disabled account signs in nowhere and signs nothing; its secret is never checked (a dummy
  check instead, as long as a real one) and each attempt, a signature's too, is logged
  (`disabled`).
- A name or badge reaches an active account before a disabled one (`find`): names and badges
  are unique among active accounts only, so a disabled account's badge may be an active
  account's name.
- A sign-in for something the account's roles do not allow (`may`: a prescriber at the chair, a
  nurse at the administration) is refused after its secret is checked, naming the role; its row
  is `ok` (the secret matched: it ends a run of wrong ones, as any right secret) with the purpose
  "sign-in refused: may not run a session", never the plain purpose. Why not another outcome:
  the outcomes (a CHECK on the chained table) say how the secret's check went, and none says
  "refused for its role"; why after the check: refused before it, a name typed alone would tell
  which accounts exist and what they may do.
- An unknown name or badge runs one dummy check so its answer takes as long as a wrong secret's
  (`unknown`, logged without what was typed: a PIN or a password typed into the name field
  would be kept in clear; QA found a password so stored, when only digits were held back).
- Messages: `wrong` and `unknown` read the same ("do not match an account"), so the station does
  not tell which names exist; `locked` and `disabled` say so, as the nurse must know why.
"""

from __future__ import annotations

import builtins
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from typing import Final

from console.clock import format_duration, local_stamp
from console.identity.errors import IdentityError, NotPermittedError, UnknownAccountError
from console.identity.roles import (
    ACTION_WORDS,
    Action,
    Role,
    can,
    parse_roles,
    refusal,
    roles_text,
)
from console.identity.secrets import Argon2Hasher, SecretHasher, SecretKind, check_secret
from console.store import EventLog, LogError
from console.store import identity_store as store
from console.store.identity_store import Attempt, StaffRow
from protocols.text_rules import refused_in_text

LOCK_AFTER: Final = 5                       # wrong secrets in a row
LOCK_FOR: Final = timedelta(minutes=5)

NAME_MAX: Final = 80
BADGE_MAX: Final = 64
STATION_MAX: Final = 100
TYPED_MAX: Final = 100
NOT_KEPT: Final = "(not kept: no account has it, and it may be a secret typed in the wrong field)"

NO_MATCH: Final = ("name or badge and PIN or password do not match an account: check both and "
                   "try again")
REASON_MAX: Final = 200
SIGN_IN_NOT_RECORDED: Final = "Not signed in: the sign-in cannot be recorded now. {cause}"
"""A sign-in dialog's answer when the log cannot take the attempt's row (every attempt is recorded
before it is answered): the same sentence at the administration and the review sign-ins. `cause`
is the store's sentence (`LogError.message`)."""
REHASHED: Final = "secret re-hashed with the current Argon2id parameters"   # the version's reason
# Checks of one attempt when its account keeps changing during them (Staff._check).
CHECK_PASSES: Final = 3


class Purpose(StrEnum):
    """Why a secret was checked (`sign_ins.purpose`)."""

    SIGN_IN = "sign-in"              # at the chair: start, resume, take over, unlock the station
    SIGNATURE = "signature"          # re-entering the secret to sign a record
    REVIEW = "review"                # opening the review
    EXPORT = "export"                # the command-line export
    ADMINISTRATION = "administration"  # an administrator's sign-in to manage staff


class Outcome(StrEnum):
    """The outcome of one attempt (`sign_ins.outcome`)."""

    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"
    DISABLED = "disabled"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Account:
    """An account as it is now (its newest version).

    Attributes:
        id: the account id (the `staff.id` of its first version; `staff.account`).
        name: the display name, also the printed name of its signatures.
        badge: the badge id, or None.
        roles: its roles.
        kind: PIN or password.
        active: False once disabled.
        version: the `staff.id` of this version.
        changed_at: when this version was written.
        changed_by: the administrator's account id, or None (the first administrator, or a
            re-hash at sign-in which names the account itself).
        reason: why this version was written.
    """

    id: int
    name: str
    badge: str | None
    roles: frozenset[Role]
    kind: SecretKind
    active: bool
    version: int
    changed_at: datetime
    changed_by: int | None
    reason: str

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def roles_text(self) -> str:
        """"nurse prescriber": the roles in the order of `Role`."""
        return roles_text(self.roles)


def _account(row: StaffRow) -> Account:
    return Account(id=row.account, name=row.name, badge=row.badge,
                   roles=parse_roles(row.roles), kind=SecretKind(row.secret_kind),
                   active=row.active, version=row.id, changed_at=row.changed_at,
                   changed_by=row.changed_by, reason=row.reason)


@dataclass(frozen=True, slots=True)
class Change:
    """One version of an account told as what it changed (`Staff.changes`, `staff history`):
    never the secret nor its hash, only that it was reset.

    Attributes:
        account: the account as this version left it.
        what: what changed, each a short phrase: "created: NAME, badge B, roles nurse, PIN",
            "roles nurse,prescriber -> nurse", "disabled", "enabled", "name A -> B",
            "badge - -> B-17", "PIN reset", "password reset (was a PIN)", "PIN re-hashed (the
            same PIN)"; "nothing" for a version equal to the one before.
        by: the account id that made the change (`changed_by`); None for the first
            administrator, created with nobody to sign in.
        reason: the version's reason, as recorded.
    """

    account: Account
    what: tuple[str, ...]
    by: int | None
    reason: str

    @property
    def at(self) -> datetime:
        return self.account.changed_at

    @property
    def version(self) -> int:
        return self.account.version


def _roles_shown(stored: str) -> str:
    """"nurse,prescriber" for the stored "nurse prescriber" (as `staff list` shows roles)."""
    return stored.replace(" ", ",") or "none"


def _what_changed(before: StaffRow | None, row: StaffRow) -> tuple[str, ...]:
    """What `row` changed of the version `before` it (None: `row` created the account)."""
    kind = SecretKind(row.secret_kind).label
    if before is None:
        badge = f", badge {row.badge}" if row.badge is not None else ""
        created = f"created: {row.name}{badge}, roles {_roles_shown(row.roles)}, {kind}"
        return (created,) if row.active else (created, "disabled")
    what: list[str] = []
    if row.name != before.name:
        what.append(f"name {before.name} -> {row.name}")
    if row.badge != before.badge:
        what.append(f"badge {before.badge or '-'} -> {row.badge or '-'}")
    if row.roles != before.roles:
        what.append(f"roles {_roles_shown(before.roles)} -> {_roles_shown(row.roles)}")
    if row.active != before.active:
        what.append("enabled" if row.active else "disabled")
    if row.secret_hash != before.secret_hash or row.secret_kind != before.secret_kind:
        was = SecretKind(before.secret_kind).label
        if row.reason == REHASHED and row.secret_kind == before.secret_kind:
            what.append(f"{kind} re-hashed (the same {kind})")
        elif row.secret_kind != before.secret_kind:
            what.append(f"{kind} reset (was a {was})")
        else:
            what.append(f"{kind} reset")
    return tuple(what) or ("nothing",)


def _in_force(rows: Iterable[StaffRow], at: datetime) -> StaffRow | None:
    """Of one account's versions, the one in force at `at`: the newest written at or before it."""
    earlier = [r for r in rows if r.changed_at <= at]
    return max(earlier, key=lambda r: r.id) if earlier else None


def _is_admin(row: StaffRow) -> bool:
    return row.active and Role.ADMINISTRATOR.value in row.roles.split()


AccountRef = Account | int


def _id(account: AccountRef) -> int:
    return account.id if isinstance(account, Account) else int(account)


class Lock(Enum):
    OPEN = "open"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class LockState:
    """Where an account version is in the lock-out machine (module docstring)."""

    state: Lock
    wrong_in_a_row: int = 0              # OPEN only: wrong secrets since the last ok or lock
    until: datetime | None = None        # LOCKED only: when it opens again


def lock_state(attempts: Iterable[Attempt], now: datetime) -> LockState:
    """The lock-out state at `now`, from the newest counted attempts (newest first, at least
    `LOCK_AFTER` of them when there are that many)."""
    wrong = 0
    for attempt in attempts:
        if attempt.locked_until is not None:      # the attempt that started a lock-out
            # A lock ending more than LOCK_FOR from now started after now: the clock was set
            # back since, and how long the lock has really run is unknown. Taken as ended, not
            # stretched by the step ("try again in 59:00 min" at a patient's chair, and no
            # end in sight for an administrator reading `staff list`): it gives at most
            # LOCK_AFTER more guesses per step back, a thing only whoever sets the station's
            # clock can cause, where the step would lock a nurse out for its whole size.
            if now < attempt.locked_until <= now + LOCK_FOR:
                return LockState(Lock.LOCKED, until=attempt.locked_until)
            break                                 # that lock has ended: counting restarts
        if attempt.outcome != Outcome.WRONG:
            break
        wrong += 1
    return LockState(Lock.OPEN, wrong_in_a_row=wrong)


@dataclass(frozen=True, slots=True)
class SignInResult:
    """The answer to one sign-in attempt or secret check.

    Attributes:
        outcome: ok, wrong, locked, disabled or unknown.
        account: the account signed in (ok), or the one named (wrong, locked, disabled); None
            when unknown.
        locked_until: locked: when it opens; wrong: set when this attempt started the lock-out.
        tries_left: wrong, not locked: how many more wrong secrets lock the account.
        message: one sentence for the screen (never the secret).
        refused: ok secret, but the account may not do what it signed in for (`may`): nothing
            was signed in; `message` names the role it needs.
    """

    outcome: Outcome
    account: Account | None
    locked_until: datetime | None
    tries_left: int | None
    message: str
    refused: bool = False

    @property
    def ok(self) -> bool:
        """Signed in: the secret matched and the account may do what it signed in for."""
        return self.outcome is Outcome.OK and not self.refused


def _locked_message(name: str, until: datetime, now: datetime) -> str:
    wait = format_duration((until - now).total_seconds(), round_up=True)
    # The station's local time, as `staff list` says it: the log's UTC text ("…T09:15:00.000Z")
    # read five hours off to a nurse in New York.
    return (f"{name} is locked after {LOCK_AFTER} wrong PINs or passwords in a row: try again "
            f"in {wait} (at {local_stamp(until)}), or ask an administrator to reset it")


def refused_purpose(purpose: Purpose, action: Action) -> str:
    """`sign_ins.purpose` of a right secret refused for the account's roles: "sign-in refused:
    may not run a session" (module docstring)."""
    return f"{Purpose(purpose).value} refused: may not {ACTION_WORDS[action]}"


def _same(text: str) -> str:
    """What a name or badge is compared by: case folded and composed (Unicode NFKC, below), so a
    "Zoë" typed with a combining diaeresis is the "Zoë" already on the list (it was a second
    active account of the same name: signatures read alike for two people, and the owner of
    one typing her name reached the other's PIN count); and runs of spaces read as one, so
    "Ana  Nurse" (a double space typed by IT) is the "Ana Nurse" already there (the PDF and HTML
    print both alike). Both sides are compared so: a name kept by an older version with a double
    space still matches. Invisible format characters (a zero-width non-joiner or joiner, a
    direction mark: Unicode category Cf) are left out for the same reason: "Ana Nur(ZWJ)se"
    prints as "Ana Nurse", and a Persian name typed without its non-joiner is the one kept
    with it (names held none before, every Cf refused as unprintable). Composed in the
    compatibility form (NFKC, before and after the case fold, as the Unicode Standard's
    compatibility caseless match, section 3.13 D146): "Ａｎａ Ｎｕｒｓｅ" typed in an input
    method's full-width mode prints as "Ana Nurse" and was a second active account of that
    name (a review). Only the comparison: a name is kept as typed (`_text`)."""
    folded = " ".join(unicodedata.normalize("NFKC", without_format(text)).split()).casefold()
    return unicodedata.normalize("NFKC", folded)


def _folded(text: str) -> str:
    """`_same` without the spaces read as one: how a name was compared before review 45."""
    return unicodedata.normalize("NFC", text.strip().casefold())


# The default-ignorable code points outside category Cf (Unicode's DerivedCoreProperties):
# fillers and variation selectors that show nothing either. "Ana Nurse" + U+FE0F was a second
# active "Ana Nurse", and a name of U+3164 alone a blank one (a review).
# The unassigned ones (category Cn: U+2065, U+FFF0-FFF8, and the rest of the tags and selectors'
# planes) draw as nothing as well: "Ana Nurse" + U+2065 was a second active "Ana Nurse" too.
_IGNORABLE_NOT_CF: Final = frozenset(
    chr(code) for first, last in ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5),
                                  (0x180B, 0x180D), (0x180F, 0x180F), (0x2065, 0x2065),
                                  (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0),
                                  (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF))
    for code in range(first, last + 1))


def without_format(text: str) -> str:
    """`text` without what shows nothing (Unicode category Cf: joiners, direction marks, a
    zero-width space, a soft hyphen; and the other default-ignorable code points, a variation
    selector, a Hangul filler): what shows of a name."""
    return "".join(ch for ch in text
                   if unicodedata.category(ch) != "Cf" and ch not in _IGNORABLE_NOT_CF)


def refused_in_staff_text(ch: str) -> str | None:
    """What a character refused in staff text is called, else None: the rule a protocol's texts
    follow too (protocols/text_rules.py)."""
    return refused_in_text(ch)


def _text(value: str, what: str, limit: int) -> str:
    """Staff text as kept (a name, a badge, a reason): surrounding spaces dropped, every space
    character made " " (a no-break space pasted from a spreadsheet), composed (Unicode NFC, as
    patient ids are).

    Raises:
        IdentityError: empty, showing nothing, longer than `limit`, or holding a character
            `refused_in_staff_text` names
            (the message names it by its code point: most cannot be seen).
    """
    value = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in value)
    value = unicodedata.normalize("NFC", value.strip())
    if not value:
        raise IdentityError(f"the {what} is empty: give one")
    if not without_format(value).strip():
        # Format characters only (a zero-width space pasted from a form): kept, it showed
        # nothing in signatures, the review and exports (a review).
        raise IdentityError(f"the {what} shows nothing: it holds only invisible characters "
                            f"(U+{ord(value[0]):04X} at character 1): type the {what}")
    if len(value) > limit:
        raise IdentityError(f"the {what} has {len(value)} characters; at most {limit} are "
                            "allowed")
    for place, ch in enumerate(value, start=1):
        refused = refused_in_staff_text(ch)
        if refused is not None:
            raise IdentityError(f"the {what} holds {refused} (U+{ord(ch):04X}) at character "
                                f"{place}: type the {what} again without it")
    return value


def _name(name: str) -> str:
    """A name as kept: checked as `_text`, runs of spaces made one (see `_same`)."""
    return " ".join(_text(name, "name", NAME_MAX).split())   # a tab was refused as a control


def _badge(badge: str | None) -> str | None:
    if badge is None:
        return None
    value = _text(badge, "badge id", BADGE_MAX)
    if any(ch.isspace() for ch in value):
        raise IdentityError("a badge id may not contain spaces: use the id printed on the badge")
    return value


def _new_fields(name: str, roles: str | Iterable[str],
                badge: str | None) -> tuple[str, str | None, frozenset[Role]]:
    """A new account's name, badge and roles, checked."""
    try:
        role_set = parse_roles(roles)
    except ValueError as exc:
        raise IdentityError(str(exc)) from None
    return _name(name), _badge(badge), role_set


def _role_set(roles: str | Iterable[str]) -> frozenset[Role]:
    try:
        return parse_roles(roles)
    except ValueError as exc:
        raise IdentityError(str(exc)) from None


ENABLE_INSTEAD: Final = "enable it again, which gives it a new PIN or password"


def _check_reset(row: StaffRow, enable_how: str) -> None:
    if not row.active:
        raise IdentityError(f"{row.name} (account {row.account}) is disabled: a disabled account "
                            f"keeps no secret to reset; {enable_how}")


def _station(where: str) -> str:
    return where.strip()[:STATION_MAX]


def _typed(text: str, known: bool) -> str:
    """What was typed in the name/badge field, as logged: an account's name or badge, or for
    an unknown one `NOT_KEPT`."""
    return text.strip()[:TYPED_MAX] if known else NOT_KEPT


class Staff:
    """The staff accounts of one log, and signing in with them.

    Args:
        log: the open, writable session log.
        hasher: how secrets are hashed; Argon2id with the parameters of secrets.py by default.
    """

    def __init__(self, log: EventLog, hasher: SecretHasher | None = None) -> None:
        self._log = log
        self.hasher: SecretHasher = hasher if hasher is not None else Argon2Hasher()

    @property
    def log(self) -> EventLog:
        return self._log

    def can_record_now(self) -> bool:
        """Whether the log would take a sign-in's row now: the write lock taken and let go at
        once (the file checked in place as any write), nothing written. A locked station whose
        last sign-in the log refused asks it again at the close: a backup tool's moment of lock
        had left it closable by anyone for as long as nobody tried to sign in again."""
        try:
            with self._log.appending():
                pass
        except LogError:
            return False
        return True

    # --- reading ---

    def list(self, include_disabled: bool = True) -> builtins.list[Account]:
        """Every account as it is now, by id."""
        with self._log.environment_errors():
            rows = store.current_staff(self._log.conn)
        return [_account(r) for r in rows if include_disabled or r.active]

    def get(self, account: AccountRef) -> Account:
        """The account with this id, as it is now.

        Raises:
            UnknownAccountError: there is none.
        """
        with self._log.environment_errors():
            row = store.current_version(self._log.conn, _id(account))
        if row is None:
            raise UnknownAccountError(f"there is no account {_id(account)} in {self._log.path}")
        return _account(row)

    def history(self, account: AccountRef) -> builtins.list[Account]:
        """Every version of an account, oldest first (who changed what, when, why)."""
        with self._log.environment_errors():
            rows = store.staff_history(self._log.conn, _id(account))
        return [_account(r) for r in rows]

    def changes(self, account: AccountRef) -> builtins.list[Change]:
        """Every version of an account, oldest first, each with what it changed (never the
        secret nor its hash).

        Raises:
            UnknownAccountError: no account with this id.
        """
        with self._log.environment_errors():
            rows = store.staff_history(self._log.conn, _id(account))
        if not rows:
            raise UnknownAccountError(f"there is no account {_id(account)} in {self._log.path}")
        before: StaffRow | None = None
        changes = []
        for row in rows:
            changes.append(Change(_account(row), _what_changed(before, row), row.changed_by,
                                  row.reason))
            before = row
        return changes

    def version_at(self, account: AccountRef, at: datetime) -> Account | None:
        """The account as it was at `at` (the version then in force: its roles, its name), e.g.
        the roles a signature was made under; None when the account did not exist yet."""
        store.stamp(at, "at")
        with self._log.environment_errors():
            rows = store.staff_history(self._log.conn, _id(account))
        row = _in_force(rows, at)
        return None if row is None else _account(row)

    def find(self, name_or_badge: str) -> Account | None:
        """The account with this badge id or name (case, surrounding spaces and runs of spaces
        ignored for both): an active account's badge, else an active account's name, else a
        disabled account's badge, else a disabled account's name. None when there is none."""
        with self._log.environment_errors():
            row = self._find_row(store.current_staff(self._log.conn), name_or_badge)
        return None if row is None else _account(row)

    @staticmethod
    def _find_row(rows: Iterable[StaffRow], name_or_badge: str) -> StaffRow | None:
        wanted = name_or_badge.strip()
        if not wanted:
            return None
        folded = _same(wanted)
        rows = tuple(rows)
        # Every active account before any disabled one: names and badges are unique among
        # active accounts only, so a disabled account's badge ("nurse.bea") may be an active
        # account's name, and matched first it answered the new nurse typing her own name
        # with "Bea Old's account is disabled" (review 49).
        for active in (True, False):
            group = sorted((r for r in rows if r.active == active), key=lambda r: r.account)
            for row in group:
                if row.badge is not None and _same(row.badge) == folded:
                    return row
            # A log kept before runs of spaces read as one may hold "Ana  Nurse" beside "Ana
            # Nurse", both active: the name typed as it is kept reaches its own.
            named = [row for row in group if _same(row.name) == folded]
            if named:
                return min(named, key=lambda r: (_folded(r.name) != _folded(wanted), r.account))
        return None

    def has_any_administrator(self) -> bool:
        """True when at least one active account has the administrator role."""
        return any(a.has(Role.ADMINISTRATOR) for a in self.list(include_disabled=False))

    # --- changing (each a new version, by an administrator) ---

    def add(self, name: str, roles: str | Iterable[str], secret: str, kind: SecretKind | str,
            by: Account | None, now: datetime, badge: str | None = None) -> Account:
        """Create an account.

        Args:
            name: display name (the printed name of its signatures); unique among active
                accounts, case ignored.
            roles: "nurse,prescriber" or role names.
            secret: its PIN or password (checked against the rules, then only hashed).
            kind: "pin" or "password".
            by: the signed-in administrator; None only while there is no active administrator,
                and then the new account must have the administrator role.
            now: when.
            badge: badge id, unique among active accounts, or None.

        Raises:
            IdentityError: a bad or duplicate name or badge, unknown roles, a secret breaking
                the rules (SecretError), or `by` not permitted (NotPermittedError).
            LogError: the log cannot be written.
        """
        name, badge, role_set = _new_fields(name, roles, badge)
        try:
            kind = SecretKind(kind)
        except ValueError as exc:
            raise IdentityError(str(exc)) from None
        check_secret(secret, kind)
        hashed = self.hasher.hash(secret)
        with self._log.appending() as w:
            rows = store.current_staff(w.conn)
            changed_by = self._check_admin(rows, by, first_roles=role_set)
            self._check_unique(rows, name, badge, account=None)
            version = store.append_staff(w, None, name, badge, roles_text(role_set), hashed,
                                         kind.value, True, now, changed_by, "account created")
        return self.get(version)

    def check_new(self, name: str, roles: str | Iterable[str], by: Account | None,
                  badge: str | None = None) -> None:
        """What `add` checks before the secret: name, badge, roles, who adds, duplicates. A
        terminal asks for the new secret (typed twice) only for an account that can be created.

        Raises:
            IdentityError: as `add`, for anything but the secret.
        """
        name, badge, role_set = _new_fields(name, roles, badge)
        with self._log.environment_errors():
            rows = store.current_staff(self._log.conn)
        self._check_admin(rows, by, first_roles=role_set)
        self._check_unique(rows, name, badge, account=None)

    def disable(self, account: AccountRef, by: Account, reason: str, now: datetime) -> Account:
        """Disable an account (it signs in nowhere from now on); its history stays.

        Raises:
            IdentityError: no reason given, the account is already disabled, or it is the last
                active administrator (nobody could manage staff any more).
            NotPermittedError: `by` is not an active administrator.
            UnknownAccountError: no such account.
        """
        reason = _text(reason, "reason", 200)
        with self._log.appending() as w:
            rows = store.current_staff(w.conn)
            changed_by = self._check_admin(rows, by, first_roles=None)
            row = self._row(rows, _id(account))
            if not row.active:
                raise IdentityError(f"{row.name} (account {row.account}) is already disabled")
            admins = [r for r in rows if r.active and Role.ADMINISTRATOR.value in r.roles.split()]
            if [r.account for r in admins] == [row.account]:
                raise IdentityError(f"{row.name} is the only active administrator: add another "
                                    "administrator before disabling this one")
            version = store.append_staff(w, row.account, row.name, row.badge, row.roles,
                                         row.secret_hash, row.secret_kind, False, now, changed_by,
                                         f"disabled: {reason}")
        del version
        return self.get(row.account)

    def _new_secret(self, secret: str, kind: SecretKind | str | None,
                    current: Account) -> tuple[SecretKind, str]:
        """The kind (None keeps the account's) and the hash of a new secret, checked first.

        Raises:
            IdentityError: an unknown kind, or the secret breaks the rules.
        """
        try:
            new_kind = SecretKind(kind) if kind is not None else current.kind
        except ValueError as exc:
            raise IdentityError(str(exc)) from None
        check_secret(secret, new_kind)
        return new_kind, self.hasher.hash(secret)

    def reset(self, account: AccountRef, new_secret: str, by: Account, now: datetime,
              kind: SecretKind | str | None = None) -> Account:
        """Give an account a new secret (and end its lock-out: the count starts again).

        Args:
            kind: change PIN to password or back; None keeps the account's kind.

        Raises:
            IdentityError: the secret breaks the rules, or the account is disabled.
            NotPermittedError: `by` is not an active administrator.
            UnknownAccountError: no such account.
        """
        current = self.check_reset(account, by)   # before the expensive hash
        new_kind, hashed = self._new_secret(new_secret, kind, current)
        with self._log.appending() as w:
            rows = store.current_staff(w.conn)
            changed_by = self._check_admin(rows, by, first_roles=None)
            row = self._row(rows, current.id)
            _check_reset(row, ENABLE_INSTEAD)
            version = store.append_staff(w, row.account, row.name, row.badge, row.roles, hashed,
                                         new_kind.value, True, now, changed_by,
                                         f"{new_kind.label} reset")
        del version
        return self.get(row.account)

    def check_reset(self, account: AccountRef, by: Account,
                    enable_how: str = "") -> Account:
        """What `reset` checks before the new secret: who resets, and that the account is not
        disabled. A terminal or a dialog asks for the new secret only for an account that can
        be reset (`staff reset` of a disabled account had the administrator type a new PIN
        twice, then refused).

        Args:
            enable_how: how the caller enables an account, named in the refusal of a disabled
                one (e.g. the command to type); "" says it in general words.

        Returns:
            the account as it is now.

        Raises:
            IdentityError: the account is disabled (enable it instead, with a new secret).
            NotPermittedError: `by` is not an active administrator.
            UnknownAccountError: no such account.
        """
        with self._log.environment_errors():
            rows = store.current_staff(self._log.conn)
        self._check_admin(rows, by, first_roles=None)
        row = self._row(rows, _id(account))
        _check_reset(row, enable_how or ENABLE_INSTEAD)
        return _account(row)

    def change_roles(self, account: AccountRef, roles: str | Iterable[str], by: Account,
                     reason: str, now: datetime) -> Account:
        """Give an account these roles (the whole set: the ones not given are taken away), as a
        new version of the same account; a disabled account stays disabled.

        Args:
            roles: "nurse,prescriber" or role names.
            reason: why (kept in the account's history as "roles changed: <reason>").

        Raises:
            IdentityError: unknown or no roles (the message names the allowed ones), no reason,
                the account has these roles already, or the change would leave no active
                administrator.
            NotPermittedError: `by` is not an active administrator.
            UnknownAccountError: no such account.
        """
        role_set = _role_set(roles)
        reason = _text(reason, "reason", REASON_MAX)
        with self._log.appending() as w:
            rows = store.current_staff(w.conn)
            changed_by = self._check_admin(rows, by, first_roles=None)
            row = self._row(rows, _id(account))
            new_roles = roles_text(role_set)
            if new_roles == row.roles:
                raise IdentityError(f"{row.name} (account {row.account}) has the roles "
                                    f"{_roles_shown(row.roles)} already: nothing was changed")
            admins = [r.account for r in rows if _is_admin(r)]
            if Role.ADMINISTRATOR not in role_set and admins == [row.account]:
                raise IdentityError(f"{row.name} is the only active administrator: keep the "
                                    "administrator role in the roles given, or make another "
                                    "account an administrator first")
            store.append_staff(w, row.account, row.name, row.badge, new_roles, row.secret_hash,
                               row.secret_kind, row.active, now, changed_by,
                               f"roles changed: {reason}")
        return self.get(row.account)

    def check_enable(self, account: AccountRef, by: Account, reason: str) -> Account:
        """What `enable` checks before the new secret: who enables, the reason, that the account
        is disabled and that its name and badge are free among the active accounts. A terminal
        asks for the new secret (typed twice) only for an account that can be enabled.

        Returns:
            the account as it is now (disabled).

        Raises:
            IdentityError: as `enable`, for anything but the secret.
        """
        _text(reason, "reason", REASON_MAX)
        with self._log.environment_errors():
            rows = store.current_staff(self._log.conn)
        self._check_admin(rows, by, first_roles=None)
        row = self._row(rows, _id(account))
        self._check_enable(rows, row)
        return _account(row)

    def enable(self, account: AccountRef, new_secret: str, by: Account, reason: str,
               now: datetime, kind: SecretKind | str | None = None) -> Account:
        """Enable a disabled account again, with a new secret, as a new version of the same
        account (its id, name, badge and roles as they are; `change_roles` changes those).

        The old secret is not restored (module docstring): the new one is set in the same
        version, so there is no moment when the account is enabled with the old one.

        Args:
            new_secret: its new PIN or password (checked against the rules, then only hashed).
            reason: why (kept in the account's history).
            kind: PIN or password; None keeps the account's kind.

        Raises:
            IdentityError: the account is not disabled, its name or badge is now another active
                account's, no reason, or the secret breaks the rules (SecretError).
            NotPermittedError: `by` is not an active administrator.
            UnknownAccountError: no such account.
        """
        reason = _text(reason, "reason", REASON_MAX)
        current = self.check_enable(account, by, reason)   # before the expensive hash
        new_kind, hashed = self._new_secret(new_secret, kind, current)
        with self._log.appending() as w:
            rows = store.current_staff(w.conn)
            changed_by = self._check_admin(rows, by, first_roles=None)
            row = self._row(rows, current.id)
            self._check_enable(rows, row)
            store.append_staff(w, row.account, row.name, row.badge, row.roles, hashed,
                               new_kind.value, True, now, changed_by,
                               f"enabled with a new {new_kind.label}: {reason}")
        return self.get(row.account)

    @staticmethod
    def _check_enable(rows: Iterable[StaffRow], row: StaffRow) -> None:
        if row.active:
            raise IdentityError(f"{row.name} (account {row.account}) is enabled already: only "
                                "a disabled account can be enabled")
        for other in rows:
            if not other.active or other.account == row.account:
                continue
            names = {_same(other.name)} | (
                {_same(other.badge)} if other.badge is not None else set())
            mine = {_same(row.name)} | (
                {_same(row.badge)} if row.badge is not None else set())
            if names & mine:
                badge = f", badge {other.badge}" if other.badge is not None else ""
                raise IdentityError(
                    f"cannot enable {row.name} (account {row.account}): the active account "
                    f"{other.name} (account {other.account}{badge}) has the same name or badge, "
                    "and names and badges are unique among active accounts; disable that "
                    "account first, or keep using it")

    def _row(self, rows: Iterable[StaffRow], account: int) -> StaffRow:
        for row in rows:
            if row.account == account:
                return row
        raise UnknownAccountError(f"there is no account {account} in {self._log.path}")

    def _check_admin(self, rows: builtins.list[StaffRow], by: Account | None,
                     first_roles: frozenset[Role] | None) -> int | None:
        """The id to record as changed_by; refuses anyone but an active administrator (read
        from the log inside the write transaction, not from a possibly stale `by`)."""
        admins = {r.account: r for r in rows
                  if r.active and Role.ADMINISTRATOR.value in r.roles.split()}
        if not admins:
            if first_roles is None:
                raise NotPermittedError("there is no active administrator: add one first "
                                        "(infusion-console staff add --roles administrator)")
            if Role.ADMINISTRATOR not in first_roles:
                raise NotPermittedError("there is no administrator yet: the first account must "
                                        "have the administrator role (add it to --roles)")
            return by.id if by is not None else None
        if by is None:
            if first_roles is not None:
                # A first administrator's add after one was made meanwhile (the command line,
                # the console's dialog): it had said only that a sign-in is needed.
                first = min(admins.values(), key=lambda r: r.account)
                raise NotPermittedError(f"an administrator exists now ({first.name}, account "
                                        f"{first.account}): nothing was created; adding an "
                                        "account needs an administrator's sign-in")
            raise NotPermittedError("managing staff needs an administrator's sign-in")
        if by.id not in admins:
            current = next((r for r in rows if r.account == by.id), None)
            who = _account(current) if current is not None else by
            raise NotPermittedError(refusal(who, Action.MANAGE_STAFF)
                                    or f"{by.name} may not manage staff accounts")
        return by.id

    @staticmethod
    def _check_unique(rows: Iterable[StaffRow], name: str, badge: str | None,
                      account: int | None) -> None:
        for row in rows:
            if not row.active or row.account == account:
                continue
            if _same(row.name) == _same(name):
                raise IdentityError(f"an active account is already named {row.name!r} (account "
                                    f"{row.account}): choose another name, e.g. with an initial")
            if badge is not None and row.badge is not None and (
                    _same(row.badge) == _same(badge)):
                raise IdentityError(f"badge {badge} already belongs to {row.name} (account "
                                    f"{row.account}): each active account has its own badge")
            if row.badge is not None and _same(row.badge) == _same(name):
                raise IdentityError(f"{name!r} is the badge id of {row.name}: a name may not "
                                    "equal another account's badge")
            if badge is not None and _same(row.name) == _same(badge):
                raise IdentityError(f"badge {badge} is {row.name}'s name: a badge may not equal "
                                    "another account's name")

    # --- signing in ---

    def sign_in(self, name_or_badge: str, secret: str, now: datetime, where: str = "",
                purpose: Purpose = Purpose.SIGN_IN, may: Action | None = None) -> SignInResult:
        """One sign-in attempt by name or badge, logged whatever its outcome.

        Args:
            name_or_badge: what was typed or scanned.
            secret: the PIN or password typed (checked, never stored).
            now: when (the lock-out's clock).
            where: the station, e.g. "chair 3" or "command line".
            purpose: why (logged).
            may: what the sign-in is for (e.g. RUN_SESSION at the chair): a right secret of an
                account whose roles do not allow it is refused (`SignInResult.refused`) and
                logged so (`refused_purpose`), not as signed in. None: any account.

        Raises:
            LogError: the log cannot be written (the attempt is then refused: no sign-in that
                the log does not show).
        """
        store.stamp(now, "now")
        purpose = Purpose(purpose)
        with self._log.environment_errors():
            row = self._find_row(store.current_staff(self._log.conn), name_or_badge)
        typed = _typed(name_or_badge, known=row is not None)
        if row is None:
            self.hasher.dummy_verify(secret)
            self._record(now, None, None, typed, Outcome.UNKNOWN, None, purpose, where)
            return SignInResult(Outcome.UNKNOWN, None, None, None, NO_MATCH)
        return self._check(row, secret, now, where, purpose, typed, may)

    def verify_secret(self, account: AccountRef, secret: str, now: datetime, where: str = "",
                      purpose: Purpose = Purpose.SIGNATURE,
                      may: Action | None = None) -> SignInResult:
        """Check an account's secret again (a signature, a review's unlock), under the same
        lock-out and logging as a sign-in (`may` as there).

        Raises:
            UnknownAccountError: no account with this id.
            LogError: the log cannot be written.
        """
        store.stamp(now, "now")
        purpose = Purpose(purpose)
        with self._log.environment_errors():
            row = store.current_version(self._log.conn, _id(account))
        if row is None:
            raise UnknownAccountError(f"there is no account {_id(account)} in {self._log.path}")
        return self._check(row, secret, now, where, purpose, "", may)

    def lock_state(self, account: AccountRef, now: datetime) -> LockState:
        """Where the account is in the lock-out machine at `now` (for the screen)."""
        current = self.get(account)
        with self._log.environment_errors():
            attempts = store.counted_attempts(self._log.conn, current.id, current.version,
                                              LOCK_AFTER)
        return lock_state(attempts, now)

    def state_text(self, account: Account, now: datetime) -> str:
        """"active", "disabled", or "locked until <local time>" after wrong secrets: an account's
        state as `staff list` and the administration dialog say it (QA: a locked account listed
        as active, where the administrator could not see the lock-out a reset ends)."""
        if not account.active:
            return "disabled"
        lock = self.lock_state(account, now)
        return f"locked until {local_stamp(lock.until)}" if lock.until is not None else "active"

    def _check(self, row: StaffRow, secret: str, now: datetime, where: str, purpose: Purpose,
               typed: str, may: Action | None) -> SignInResult:
        """Decide one attempt against the account's version as the log holds it at the commit.

        The Argon2id check (~130 ms) runs outside the write transaction, so an administrator's
        disable or reset may commit meanwhile (another process: `infusion-console staff`).
        A pass that finds, under the write lock, a newer version than the one it checked
        writes nothing (no sign-in, no re-hash over the change) and the attempt is checked
        again against the new version: a disable is then refused as `disabled`, a new PIN
        decides the secret, and the log holds one true row for the attempt. Why again rather
        than refuse: no outcome the log knows says "changed meanwhile", and an `ok` or `wrong`
        row against a version that was no longer the account would not be true. Why not the
        check under the write lock: a running console waits 250 ms for a lock, less than two
        checks on a busy machine, and its records would be held (R5).
        """
        for _ in range(CHECK_PASSES):
            decided = self._check_version(row, secret, now, where, purpose, typed, may)
            if isinstance(decided, SignInResult):
                return decided
            row = decided
        # Changed during every check: only an administrator changing this very account again
        # and again does this. Nothing is signed in and no row is written (no outcome is true).
        return SignInResult(Outcome.WRONG, _account(row), None, None,
                            f"{row.name}'s account was changed by an administrator while the "
                            "PIN or password was being checked: nothing was signed in; try "
                            "again")

    def _check_version(self, row: StaffRow, secret: str, now: datetime, where: str,
                       purpose: Purpose, typed: str,
                       may: Action | None) -> SignInResult | StaffRow:
        """One pass of `_check` against `row`: its result, or the account's newer version when
        one was committed during the check (nothing written then)."""
        account = _account(row)
        if not row.active:
            self.hasher.dummy_verify(secret)
            self._record(now, row.account, row.id, typed, Outcome.DISABLED, None, purpose, where)
            return SignInResult(Outcome.DISABLED, account, None, None,
                                f"{row.name}'s account is disabled: it signs in nowhere; ask an "
                                "administrator")
        with self._log.environment_errors():
            state = lock_state(store.counted_attempts(self._log.conn, row.account, row.id,
                                                      LOCK_AFTER), now)
        if state.state is Lock.LOCKED:
            return self._refuse_locked(row, account, state, now, where, purpose, typed)
        # The one expensive step, outside any transaction: the session engine keeps writing.
        good = self.hasher.verify(row.secret_hash, secret)
        rehashed = (self.hasher.hash(secret)
                    if good and self.hasher.needs_rehash(row.secret_hash) else None)
        station = _station(where)
        # Decided before the row is written: a right secret the station refuses for the
        # account's roles is never logged as signed in (module docstring).
        not_allowed = None if may is None else refusal(account, may)
        wrong, until = 0, None
        with self._log.appending() as w:
            # The version checked must still be the account: a disable or reset committed by
            # another process during the check would otherwise be signed in past, and the
            # re-hash would write an active version with the old secret over it (review 35).
            current = store.current_version(w.conn, row.account)
            if current is not None and current.id != row.id:
                return current      # nothing appended: the transaction commits empty
            # Counted again under the write lock: another process may have counted meanwhile.
            state = lock_state(store.counted_attempts(w.conn, row.account, row.id, LOCK_AFTER),
                               now)
            if state.state is Lock.LOCKED:
                store.append_sign_in(w, now, row.account, row.id, typed, Outcome.LOCKED.value,
                                     state.until, purpose.value, station)
                good, rehashed = False, None
            elif good:
                said = purpose.value if may is None or not_allowed is None else (
                    refused_purpose(purpose, may))
                store.append_sign_in(w, now, row.account, row.id, typed, Outcome.OK.value, None,
                                     said, station)
                if rehashed is not None:
                    store.append_staff(w, row.account, row.name, row.badge, row.roles, rehashed,
                                       row.secret_kind, True, now, row.account, REHASHED)
            else:
                wrong = state.wrong_in_a_row + 1
                until = now + LOCK_FOR if wrong >= LOCK_AFTER else None
                store.append_sign_in(w, now, row.account, row.id, typed, Outcome.WRONG.value,
                                     until, purpose.value, station)
        if state.state is Lock.LOCKED:
            assert state.until is not None
            return SignInResult(Outcome.LOCKED, account, state.until, None,
                                _locked_message(row.name, state.until, now))
        if good:
            signed_in = self.get(row.account) if rehashed is not None else account
            if not_allowed is not None:
                return SignInResult(Outcome.OK, signed_in, None, None, not_allowed, refused=True)
            return SignInResult(Outcome.OK, signed_in, None, None, f"signed in as {row.name}")
        if until is not None:
            return SignInResult(Outcome.WRONG, account, until, 0,
                                _locked_message(row.name, until, now))
        return SignInResult(Outcome.WRONG, account, None, LOCK_AFTER - wrong, NO_MATCH)

    def _refuse_locked(self, row: StaffRow, account: Account, state: LockState, now: datetime,
                       where: str, purpose: Purpose, typed: str) -> SignInResult:
        assert state.until is not None
        self._record(now, row.account, row.id, typed, Outcome.LOCKED, state.until, purpose, where)
        return SignInResult(Outcome.LOCKED, account, state.until, None,
                            _locked_message(row.name, state.until, now))

    def _record(self, now: datetime, account: int | None, version: int | None, typed: str,
                outcome: Outcome, locked_until: datetime | None, purpose: Purpose,
                where: str) -> None:
        with self._log.appending() as w:
            store.append_sign_in(w, now, account, version, typed, outcome.value, locked_until,
                                 Purpose(purpose).value, _station(where))

    def permits(self, account: Account, action: Action) -> bool:
        """`can(account, action)` on the account as the log holds it now (not a stale copy)."""
        return can(self.get(account), action)
