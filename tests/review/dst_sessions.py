"""Sessions across the night summer time ends in Europe/Berlin, driven through the real engine
into a real log, for the review's, the PDF's and the REMS form's tests.

On Sunday 25 October 2026 at 01:00 UTC the clocks went back from 03:00 CEST (UTC+02:00) to
02:00 CET (UTC+01:00): every clock time from 02:00 to 02:59 came twice.

    label        protocol     start (UTC)       what happened (Berlin clock times)
    clocks-back  iv-ketamine  2026-10-25 00:20  start 02:20 CEST, T0 02:25 CEST, BP 131/81 at
                                                02:45 CEST (+25), BP 139/89 at 02:45 CET (+85),
                                                a note, discharged 02:45 CET
    day-before   iv-ketamine  2026-10-24 00:20  the same session a night earlier: no change
    esketamine   esketamine   2026-10-25 00:20  84 mg, T0 and device 1 at 02:30 CEST, devices
                                                at 02:35 and 02:40 CEST, BP 140/86 with
                                                MOAA/S 4 at 02:10 CET (T+40), still open

Times are passed in as `tz=BERLIN`, as the exports and the review take them: the process's zone
is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver

BERLIN = ZoneInfo("Europe/Berlin")
CLOCKS_BACK = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)   # 03:00 CEST = 02:00 CET
START = datetime(2026, 10, 25, 0, 20, tzinfo=UTC)        # 02:20 CEST
DAY_BEFORE = datetime(2026, 10, 24, 0, 20, tzinfo=UTC)   # 02:20 CEST, no change that night


@dataclass
class DstLog:
    """The log and its sessions' ids by label (the module docstring's table)."""

    path: Path
    ids: dict[str, int] = field(default_factory=dict)


def _iv(log: EventLog, start: datetime, patient: str) -> int:
    r = Driver(log, "iv-ketamine", patient, 70.0, "nurse.ana", start, 1)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()                                       # T0 02:25 CEST
    for minute, systolic in ((15, 128), (25, 131), (35, 135), (45, 133)):
        r.at(minute)                                           # +25: 02:45 CEST
        r.manual(bp_systolic=systolic, bp_diastolic=81, heart_rate=74, spo2=98, resp_rate=14,
                 moaas=5)
    r.manual(nausea=0, dissociation=1)
    r.tick_required(); r.advance()                             # observation
    for minute, systolic in ((60, 130), (75, 141), (85, 139)):
        r.at(minute)                                           # +85: 02:45 CET
        r.manual(bp_systolic=systolic, bp_diastolic=89 if minute == 85 else 80, heart_rate=72,
                 spo2=98, resp_rate=14, moaas=5)
    r.engine.note("patient calm, escort waiting", r.nurse, r.clock.now())
    r.advance()                                                # discharge phase
    r.manual(aldrete=10)
    r.tick_required()
    r.discharge()                                              # 02:45 CET
    return r.id


def _esketamine(log: EventLog) -> int:
    r = Driver(log, "esketamine", "MRN-DST-E", 64.0, "nurse.ben", START, 1, chosen_mg=84)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10); r.advance()                                      # T0 02:30 CEST
    for k, minute in enumerate((10, 15, 20), start=1):         # 02:30, 02:35, 02:40 CEST
        r.at(minute)
        r.engine.tick_item(f"device-{k}", r.nurse, r.clock.now(), note="lot A1")
    r.at(50); r.manual(bp_systolic=140, bp_diastolic=86, moaas=4)   # 02:10 CET, T+40
    return r.id


def build_dst_log(path: Path) -> DstLog:
    """Write the module docstring's sessions into a new log at `path`."""
    built = DstLog(path)
    with EventLog.open(path, "test") as log:
        built.ids["clocks-back"] = _iv(log, START, "MRN-DST")
        built.ids["day-before"] = _iv(log, DAY_BEFORE, "MRN-DST")
        built.ids["esketamine"] = _esketamine(log)
    return built


@pytest.fixture(scope="module")
def dst_log(tmp_path_factory: pytest.TempPathFactory) -> DstLog:
    """The module docstring's log, built once per test module that imports this fixture."""
    return build_dst_log(tmp_path_factory.mktemp("dst") / "log.sqlite3")


def detail_of(built: DstLog, label: str) -> SessionDetail:
    """One session of the log as the exports load it (with its observation rows)."""
    conn = open_readonly(built.path)
    try:
        return load_session(conn, built.ids[label], with_observations=True)
    finally:
        conn.close()
