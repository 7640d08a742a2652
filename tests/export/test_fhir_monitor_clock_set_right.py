"""The FHIR clock note of a monitor whose clock was set right during the session: 2 h behind at
its first readings, then set right by the nurse. Every reading of it is dated when the console
received it (the trend's rule), but only the readings its wrong clock stamped say an offset.

Review: each later reading carried "Monitor clock 0 s behind the console's: dated when the
console received it", an offset nobody measured, in the EHR's record of a reading whose own time
was right."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fhir.resources")

from tests.export.test_fhir_monitor_clock import START, _bundle, _from_monitor  # noqa: E402

SET_RIGHT = START + timedelta(minutes=10, seconds=30)


def _stamp(at: datetime) -> datetime:
    """2 h behind until the nurse set the monitor's clock at 09:10:30, right after."""
    return at - timedelta(hours=2) if at < SET_RIGHT else at


def _notes(bundle: dict[str, Any]) -> dict[str, list[str]]:
    """issued -> the notes of the monitor's readings received then (HR and SpO2, or the cuff)."""
    out: dict[str, list[str]] = {}
    for o in _from_monitor(bundle):
        out.setdefault(o["issued"][11:16], []).extend(n["text"] for n in o.get("note", []))
    return out


def test_only_the_readings_the_wrong_clock_stamped_say_an_offset(tmp_path: Path) -> None:
    notes = _notes(_bundle(tmp_path / "s.sqlite3", _stamp))
    behind = ("Monitor clock 2 h behind the console's: dated when the console received it "
              "(the monitor's time 2026-03-02T07:10:00.000+00:00)")
    assert notes["09:10"] == [behind, behind]   # HR and SpO2
    assert (notes["09:11"], notes["09:12"]) == ([], [])   # HR and SpO2 by the right clock
    # Its cuff reading, right clock: at its own time, no note.
    assert notes["09:20"] == []


def test_a_cuff_reading_delivered_late_after_the_clock_was_set_right_says_why_it_moved(
        tmp_path: Path) -> None:
    """Taken at 09:18 by the right clock, delivered at 09:20: dated at 09:20 (the monitor was
    found off), and said without an offset of its own (a delivery, not the clock)."""
    bundle = _bundle(tmp_path / "s.sqlite3", _stamp, nibp_late=timedelta(minutes=2))
    panel = next(o for o in _from_monitor(bundle) if "component" in o)
    assert panel["effectiveDateTime"] == "2026-03-02T09:20:00.000+00:00"
    (note,) = panel["note"]
    assert note["text"] == (
        "Dated when the console received it: this monitor's clock was found 2 h behind the "
        "console's during the session (the monitor's time 2026-03-02T09:18:00.000+00:00)")
