"""The identity layer's refusals: each message is for the user, names what is wrong and what to
do, and never holds a secret."""

from __future__ import annotations


class IdentityError(ValueError):
    """A request the identity layer refuses (bad name, duplicate badge, weak secret, not
    permitted ...)."""


class NotPermittedError(IdentityError):
    """The account lacks the role (or is disabled) for what was asked."""


class UnknownAccountError(IdentityError, LookupError):
    """No account with that id, name or badge."""
