"""A de-identified copy made in another zone than the chair's keeps its logged clock times right.

A logged text names a clock time in the chair's zone ("back inside its limits since 09:10:01
EDT", console.clock.clock_time). The copy moved the record's dates and kept the text's digits
with the exporting computer's zone name pasted on: a New York session exported in Berlin read
"since 09:10:01 CEST", six hours before the alarm it ended. Each time is read back to its
instant, moved with the record and written in the export's zone, digits and name together.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from console.export.csv_export import EVENT_COLUMNS, event_rows
from console.export.deidentify import deidentify
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.export.test_logged_clock_times_name_their_zone import START, spo2_dips_and_recovers
from tests.review.scenarios import Driver
from tests.session.helpers import type_attested

YEAR = timedelta(weeks=-52)   # July to July: no change of offset by the move


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch):
    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()
    yield set_zone
    monkeypatch.undo()
    time.tzset()


def _in_new_york(tmp_path, zone, in_session) -> SessionDetail:
    """An infusion session run at a chair in New York (from 09:00 EDT), in which
    `in_session(driver)` ran, as loaded."""
    zone("America/New_York")
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "test", now=START) as log:
        r = Driver(log, "iv-ketamine", "MRN-NY", 70.0, "nurse.ana", START, 1)
        in_session(r)
        sid = r.id
    conn = open_readonly(path)
    try:
        return load_session(conn, sid)
    finally:
        conn.close()


def _texts(detail: SessionDetail) -> list[str]:
    return [row[EVENT_COLUMNS.index("text")] for row in event_rows(detail)]


def dosed_then_spo2_dips(r: Driver) -> None:
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()
    spo2_dips_and_recovers(r)   # back inside at 09:10:01 EDT (13:10:01 UTC), acknowledged before


def gate_reached_again_and_overridden(r: Driver) -> None:
    r.manual(bp_systolic=140, bp_diastolic=92, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    for item in r.engine.phase.checklist:   # baseline ticked at 09:00:00 EDT (13:00 UTC)
        type_attested(r.engine, item, r.nurse, r.clock.now())
        assert r.engine.tick_item(item.id, r.nurse, r.clock.now(), note="yes",
                                  gate_decision="Dr Lee: proceed at 140/92").done
    r.at(2)
    r.manual(bp_systolic=166, bp_diastolic=103)   # the gate again: the prescriber by phone
    r.advance(override_reason="Dr Lee by phone")


def test_a_copy_made_in_berlin_says_the_moved_time_on_berlins_clock(tmp_path, zone):
    detail = _in_new_york(tmp_path, zone, dosed_then_spo2_dips)
    zone("Europe/Berlin")   # the reviewer's computer
    [ended] = [t for t in _texts(detail) if "back inside" in t]
    assert ended.endswith("(back inside its limits since 09:10:01 EDT)"), ended   # as logged
    [moved] = [t for t in _texts(deidentify(detail, b"key", shift=YEAR)) if "back inside" in t]
    # 13:10:01 UTC, a year back, on Berlin's summer clock (the copy's other times are Berlin's).
    assert moved.endswith("(back inside its limits since 15:10:01 CEST)"), moved


def test_a_copy_says_its_times_in_the_zone_it_is_asked_for(tmp_path, zone):
    detail = _in_new_york(tmp_path, zone, dosed_then_spo2_dips)
    tokyo = deidentify(detail, b"key", shift=YEAR, tz=ZoneInfo("Asia/Tokyo"))
    [moved] = [t for t in _texts(tokyo) if "back inside" in t]
    assert moved.endswith("(back inside its limits since 22:10:01 JST)"), moved


def test_a_copy_made_in_berlin_moves_an_overridden_gates_tick_time(tmp_path, zone):
    detail = _in_new_york(tmp_path, zone, gate_reached_again_and_overridden)
    [blocker] = [b for o in detail.overrides for b in o.blockers if b.startswith("Systolic")]
    assert "ticked at 09:00:00 EDT:" in blocker, blocker   # as logged
    zone("Europe/Berlin")
    moved = deidentify(detail, b"key", shift=YEAR)
    said = [b for o in moved.overrides for b in o.blockers if b.startswith("Systolic")]
    said += [b for e in moved.events if e.kind == "override"
             for b in e.detail.get("blockers", ()) if b.startswith("Systolic")]
    assert len(said) == 2 and all("ticked at 15:00:00 CEST:" in b for b in said), said
    assert not any(re.search(r"\bEDT\b", t) for t in _texts(moved)), _texts(moved)
