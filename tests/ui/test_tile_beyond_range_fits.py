"""A monitor's value beyond its range reads as its limit on the tile ("<5", ">300"), and the
mark fits the tile at 1366x768 as any value does: the value's room is kept for its widest text,
so a limit never moves the rest of the tile nor is cut."""

from __future__ import annotations

import html
import re

from devices.reading import Reading
from protocols.vitals import metric
from tests.ui.test_tiles import MONITOR, Bedside, bedside, panel, show  # noqa: F401
from tests.ui.tile_geometry import settled_geometry, tile_problems


def beyond(bedside: Bedside, flag: str, **values: float) -> None:
    """One monitor message of values beyond its range, kept as the limit flagged `flag`."""
    now = bedside.now()
    assert bedside.engine.ingest_message(
        [Reading(n, v, metric(n).unit, now.wall, now.wall, MONITOR, flags=frozenset({flag}))
         for n, v in values.items()], now)


def plain(text: str) -> str:
    """What a marked value (rich text) reads as."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def test_values_beyond_the_monitors_range_read_as_limits_and_fit_at_1366(qtbot, bedside, panel):
    show(panel, bedside)
    empty = settled_geometry(panel.tiles)
    beyond(bedside, "<", resp_rate=5, spo2=50)
    beyond(bedside, ">", heart_rate=300, pulse_rate=300)
    show(panel, bedside)
    shown = {n: plain(panel.tiles[n].value.text()) for n in ("resp_rate", "spo2", "heart_rate",
                                                      "pulse_rate")}
    assert shown == {"resp_rate": "<5", "spo2": "<50", "heart_rate": ">300", "pulse_rate": ">300"}
    assert settled_geometry(panel.tiles) == empty
    for name, tile in panel.tiles.items():
        assert tile_problems(tile) == [], name
