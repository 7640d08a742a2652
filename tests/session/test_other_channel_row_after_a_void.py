"""The other probe's rows are not among the vital's kept values: a monitor SpO2 the nurse takes
back ("Entered in error": the probe was on the next chair's patient for a moment) leaves the tile
at the value before it, not at the value she took back, nor at the other probe's (a review)."""

from __future__ import annotations

from tests.session.test_two_channels_of_one_vital import (  # noqa: F401 - the fixture
    DIFF, PULSE, SPO2_85, SPO2_97, Chair, chair,
)


def test_a_judged_spo2_taken_back_leaves_the_tile_at_the_one_before(chair: Chair):
    chair.message([(SPO2_85, 88), (PULSE, None), (SPO2_97, 97), (DIFF, None)])
    chair.message([(SPO2_85, 84), (PULSE, None), (SPO2_97, 97), (DIFF, None)])
    assert chair.tile("spo2") == 84
    rows = [(i, r) for i, r in chair.log.observations(chair.engine.session_id)
            if r.metric == "spo2" and "OTHER_CHANNEL" not in r.flags]
    last_id = rows[-1][0]
    assert rows[-1][1].value == 84
    done = chair.engine.void(last_id, "spo2", "ana", chair.clock.now(), "probe on the next chair")
    assert done.done, done
    assert chair.tile("spo2") == 88
