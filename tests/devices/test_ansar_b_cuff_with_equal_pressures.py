"""A cuff whose mean equals its diastolic or its systolic is not "diastolic < mean < systolic":
dropped as impossible, never logged as a measurement (no test had held the boundary, a review)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devices.ansar_b import decode_records
from devices.stream import IMPOSSIBLE_BP

RX = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("record", [b"NIBP=4;120;80;80;70;;", b"NIBP=4;120;80;120;70;;"])
def test_an_ivy_cuff_with_a_mean_equal_to_another_pressure_is_dropped(record: bytes) -> None:
    result = decode_records(record, RX, source_hint="ivy")
    assert [r.metric for r in result.readings] == [], result.readings
    assert IMPOSSIBLE_BP in [d.reason for d in result.dropped], result.dropped

