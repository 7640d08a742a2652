"""The rule table: who may do what, and the de-identification rule (console/identity/roles.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from console.identity import Action, Role, access_decision, can, must_deidentify, refusal
from console.identity.roles import parse_roles


@dataclass(frozen=True)
class Someone:
    name: str
    roles: frozenset[Role]
    active: bool = True


def who(roles: str, active: bool = True) -> Someone:
    return Someone("Kim", parse_roles(roles), active)


A = Action
EXPECTED = {
    #                       run  gate review annotate export identified staff
    "nurse":               (1,   0,   0,     0,       0,     0,         0),
    "prescriber":          (0,   1,   1,     1,       1,     1,         0),
    "reviewer":            (0,   0,   1,     1,       1,     0,         0),
    "administrator":       (0,   0,   1,     1,       1,     1,         1),
    "nurse prescriber":    (1,   1,   1,     1,       1,     1,         0),
    "nurse reviewer":      (1,   0,   1,     1,       1,     1,         0),
    "reviewer prescriber": (0,   1,   1,     1,       1,     1,         0),
}
ORDER = (A.RUN_SESSION, A.GATE_DECISION, A.REVIEW, A.ANNOTATE, A.EXPORT, A.SEE_IDENTIFIED,
         A.MANAGE_STAFF)


@pytest.mark.parametrize("roles", sorted(EXPECTED))
def test_the_rule_table(roles: str) -> None:
    account = who(roles)
    assert tuple(int(can(account, action)) for action in ORDER) == EXPECTED[roles]
    assert not any(can(who(roles, active=False), action) for action in ORDER)


def test_a_reviewer_without_a_clinical_or_administrator_role_gets_deidentified_data() -> None:
    assert must_deidentify(who("reviewer"))
    assert not must_deidentify(who("reviewer nurse"))
    assert not must_deidentify(who("prescriber"))
    assert not must_deidentify(who("nurse"))          # she does not review at all
    forced = access_decision(who("reviewer"), A.EXPORT, deidentify=False)
    assert (forced.allowed, forced.deidentified, forced.forced) == (True, True, True)
    assert forced.message == ("de-identified: Kim is a reviewer without a nurse, prescriber or "
                              "administrator role, who sees de-identified records only")
    asked = access_decision(who("reviewer"), A.EXPORT, deidentify=True)
    assert (asked.deidentified, asked.forced, asked.message) == (True, False, "")
    plain = access_decision(who("administrator"), A.REVIEW, deidentify=False)
    assert (plain.allowed, plain.deidentified) == (True, False)


def test_refusals_name_the_role_that_is_needed() -> None:
    assert refusal(who("nurse"), A.GATE_DECISION) == (
        "Kim (nurse) may not record a prescriber's decision at a gate: it needs the prescriber "
        "role")
    assert refusal(who("nurse"), A.EXPORT) == (
        "Kim (nurse) may not export a session: it needs the prescriber, reviewer or "
        "administrator role")
    assert refusal(who("nurse", active=False), A.RUN_SESSION) == (
        "Kim's account is disabled: ask an administrator")
    assert refusal(who("nurse"), A.RUN_SESSION) is None
    denied = access_decision(who("nurse"), A.REVIEW, deidentify=True)
    assert (denied.allowed, denied.message) == (
        False, "Kim (nurse) may not open the review or read a session's record: it needs the "
               "prescriber, reviewer or administrator role")
