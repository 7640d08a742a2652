"""Who may do what: the roles, the actions, and the one table of rules between them.

    action            roles that may (any one of them)              also needs one of
    ----------------  --------------------------------------------  --------------------------
    run-session       nurse                                         -
    gate-decision     prescriber                                    -
    review            reviewer, prescriber, administrator           -
    annotate          reviewer, prescriber, administrator           -
    export            reviewer, prescriber, administrator           -
    see-identified    reviewer, prescriber, administrator           nurse, prescriber,
                                                                    administrator
    manage-staff      administrator                                 -

- *run-session*: sign in at the chair to start, resume or take over a session, enter values, and
  sign what a nurse signs there (a phase ended against what refused it, alarm limit change,
  discharge, correction). Acknowledging or pausing an alarm needs no account, ever (IEC
  60601-1-8): it is not an action here.
- *gate-decision*: a prescriber's decision at a gate, and the override of the discharge gate
  (clinical-defaults.md alarm behaviour 9: "a prescriber override"); a prescriber who is also a
  nurse may do both, one who is not only signs the decision.
- *review* is opening the review and reading a session's record; *annotate* adds a signed review
  note; *export* is PDF, CSV, FHIR or the REMS form.
- **De-identification rule.** *see-identified* (the patient's identity in the review and in
  exports) needs, besides the right to review, a role that treats or runs the clinic: nurse,
  prescriber or administrator. An account whose only reviewing role is *reviewer* (a QA or
  research reviewer) sees and exports de-identified records only: the review shows them
  de-identified and every export is forced to `--deidentify`. A nurse without another role does
  not open the review at all (she sees her own patient at the chair).
- A disabled account may do nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Protocol


class Role(StrEnum):
    NURSE = "nurse"
    PRESCRIBER = "prescriber"
    REVIEWER = "reviewer"
    ADMINISTRATOR = "administrator"


class Action(StrEnum):
    RUN_SESSION = "run-session"
    GATE_DECISION = "gate-decision"
    REVIEW = "review"
    ANNOTATE = "annotate"
    EXPORT = "export"
    SEE_IDENTIFIED = "see-identified"
    MANAGE_STAFF = "manage-staff"


_REVIEWING: Final = frozenset({Role.REVIEWER, Role.PRESCRIBER, Role.ADMINISTRATOR})
_CLINICAL_OR_ADMIN: Final = frozenset({Role.NURSE, Role.PRESCRIBER, Role.ADMINISTRATOR})

# Per action, groups of roles: the account needs at least one role of EVERY group (the table in
# the module docstring).
RULES: Final[dict[Action, tuple[frozenset[Role], ...]]] = {
    Action.RUN_SESSION: (frozenset({Role.NURSE}),),
    Action.GATE_DECISION: (frozenset({Role.PRESCRIBER}),),
    Action.REVIEW: (_REVIEWING,),
    Action.ANNOTATE: (_REVIEWING,),
    Action.EXPORT: (_REVIEWING,),
    Action.SEE_IDENTIFIED: (_REVIEWING, _CLINICAL_OR_ADMIN),
    Action.MANAGE_STAFF: (frozenset({Role.ADMINISTRATOR}),),
}

# What each action is, in a sentence a refusal can use ("... may not <this>").
ACTION_WORDS: Final[dict[Action, str]] = {
    Action.RUN_SESSION: "run a session",
    Action.GATE_DECISION: "record a prescriber's decision at a gate",
    Action.REVIEW: "open the review or read a session's record",
    Action.ANNOTATE: "annotate a session in the review",
    Action.EXPORT: "export a session",
    Action.SEE_IDENTIFIED: "see the patient's identity in the review or an export",
    Action.MANAGE_STAFF: "manage staff accounts",
}


class HasRoles(Protocol):
    """What the rules read of an account (console.identity.staff.Account)."""

    @property
    def name(self) -> str: ...

    @property
    def roles(self) -> frozenset[Role]: ...

    @property
    def active(self) -> bool: ...


def parse_roles(text: str | Iterable[str]) -> frozenset[Role]:
    """Roles from "nurse,prescriber", "nurse prescriber" or an iterable of names.

    Raises:
        ValueError: an unknown role (the message lists the allowed ones) or none at all.
    """
    words = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    allowed = ", ".join(r.value for r in Role)
    roles: set[Role] = set()
    for word in words:
        try:
            roles.add(Role(word.strip().lower()))
        except ValueError:
            raise ValueError(f"unknown role {word!r}: the roles are {allowed}") from None
    if not roles:
        raise ValueError(f"an account needs at least one role: {allowed}")
    return frozenset(roles)


def roles_text(roles: Iterable[Role]) -> str:
    """Roles as stored and shown: space-separated, in the order of `Role`."""
    chosen = set(roles)
    return " ".join(r.value for r in Role if r in chosen)


def can(account: HasRoles, action: Action) -> bool:
    """True when the account is active and holds a role of every group the action needs."""
    return account.active and all(account.roles & group for group in RULES[action])


def refusal(account: HasRoles, action: Action) -> str | None:
    """Why `account` may not do `action`, in one sentence naming the roles it needs; None if it
    may."""
    if can(account, action):
        return None
    if not account.active:
        return f"{account.name}'s account is disabled: ask an administrator"
    missing = next(group for group in RULES[action] if not account.roles & group)
    names = [r.value for r in Role if r in missing]
    needed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    has = roles_text(account.roles) or "no role"
    return f"{account.name} ({has}) may not {ACTION_WORDS[action]}: it needs the {needed} role"


def must_deidentify(account: HasRoles) -> bool:
    """True for an account that may review but not see the patient's identity (the rule above)."""
    return can(account, Action.REVIEW) and not can(account, Action.SEE_IDENTIFIED)


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """What an account may do with a session's record.

    Attributes:
        allowed: it may read (or export) at all.
        deidentified: what it gets is de-identified (asked for, or forced by the rule).
        forced: de-identification was not asked for but the rule imposes it.
        message: why not (allowed False), or the note to show when forced; else "".
    """

    allowed: bool
    deidentified: bool
    forced: bool
    message: str


def access_decision(account: HasRoles, action: Action, deidentify: bool) -> AccessDecision:
    """Decide a review read (`Action.REVIEW`) or an export (`Action.EXPORT`) for `account`.

    Args:
        account: the signed-in account.
        action: REVIEW or EXPORT.
        deidentify: whether de-identified output was asked for.
    """
    if action not in (Action.REVIEW, Action.EXPORT):
        raise ValueError(f"an access is a review or an export, not {action.value}")
    why = refusal(account, action)
    if why is not None:
        return AccessDecision(False, deidentify, False, why)
    if not deidentify and must_deidentify(account):
        return AccessDecision(True, True, True,
                              f"de-identified: {account.name} is a reviewer without a nurse, "
                              "prescriber or administrator role, who sees de-identified records "
                              "only")
    return AccessDecision(True, deidentify, False, "")
