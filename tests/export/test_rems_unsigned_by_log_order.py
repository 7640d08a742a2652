"""A prescriber's decision the review lists as unsigned reads UNSIGNED on the REMS draft too.

The review decides a record's "unsigned" by the log's order (after the first staff account,
whatever the clock said); the draft had decided by time alone, so after a clock set back since
the accounts were created the same decision read "no accounts yet" there."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

from console.export.rems import SignatureState, rems_form
from console.review.model import GATE_DECISION, UnsignedRecord
from tests.export.test_rems_pre_dose_bp import at, read, signed_log  # noqa: F401 - fixture


def test_a_decision_listed_unsigned_is_unsigned_on_the_draft(signed_log):
    detail, signatures = read(*signed_log)
    signed = next(s for s in signatures.signatures if s.meaning == GATE_DECISION)
    # The accounts' time reads after the decision (a clock set back since), the log's order
    # puts it after them: the review lists it unsigned.
    unsigned = replace(signatures, signatures=(), enforced_since=at(11, 0), unsigned=(
        UnsignedRecord("events", signed.row_id, at(10, 10), GATE_DECISION, signed.record),))
    [decision] = rems_form(detail, tz=UTC, signatures=unsigned).pre_dose_bp.decisions
    assert decision.signature is SignatureState.UNSIGNED
