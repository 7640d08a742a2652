"""Who did it (issue 13): staff accounts and roles, sign-in with lock-out, electronic signatures
bound to the records they sign, and the access log. No Qt: the UI builds on this API.

    staff = Staff(log)                                    # accounts, sign-in (staff.py)
    staff.change_roles(account, "nurse", admin, "moved to the chairs", now)   # a new version
    staff.changes(account)                                # its history, oldest first
    result = staff.sign_in("Ana", pin, now, where="chair 3")
    can(result.account, Action.RUN_SESSION)               # the rule table (roles.py)
    signatures = Signatures(staff)                        # signatures.py
    approval = signatures.approve(account, pin, Meaning.DISCHARGE, now)
    ... the engine commits the record, the caller learns its row id ...
    signatures.sign_approved(approval, "events", row_id, now)
    signatures.signer(signature).roles                    # the roles it was made under
    AccessLog(log).record_access(account, "export", session, "pdf", True, now)   # access.py

Rules (roles, de-identification, lock-out, when signatures are written) are in the docstrings of
roles.py, staff.py and signatures.py; the tables in console/store/SCHEMA.md.
"""

from console.identity.access import AccessKind, AccessLog, AccessRow
from console.identity.errors import IdentityError, NotPermittedError, UnknownAccountError
from console.identity.roles import (
    ACTION_WORDS,
    RULES,
    AccessDecision,
    Action,
    Role,
    access_decision,
    can,
    must_deidentify,
    parse_roles,
    refusal,
)
from console.identity.secrets import Argon2Hasher, SecretError, SecretHasher, SecretKind
from console.identity.signatures import (
    APPROVAL_VALID,
    Approval,
    ApprovalError,
    Meaning,
    Signature,
    SignatureRefused,
    Signatures,
    UnknownRecordError,
)
from console.identity.staff import (
    LOCK_AFTER,
    LOCK_FOR,
    Account,
    Change,
    Lock,
    LockState,
    Outcome,
    Purpose,
    SignInResult,
    Staff,
)

__all__ = [
    "ACTION_WORDS", "APPROVAL_VALID", "LOCK_AFTER", "LOCK_FOR", "RULES", "AccessDecision",
    "AccessKind", "AccessLog", "AccessRow", "Account", "Action", "Approval", "ApprovalError",
    "Argon2Hasher", "Change", "IdentityError", "Lock", "LockState", "Meaning", "NotPermittedError",
    "Outcome", "Purpose", "Role", "SecretError", "SecretHasher", "SecretKind", "SignInResult",
    "Signature", "SignatureRefused", "Signatures", "Staff", "UnknownAccountError",
    "UnknownRecordError", "access_decision", "can", "must_deidentify", "parse_roles", "refusal",
]
