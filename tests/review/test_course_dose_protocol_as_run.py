"""The course's "Dose" row judges each session's dose against the protocol it ran under, logged
at its start (`PROTOCOL_IN_FORCE`), as its header, its PDF and the course trend do; the file
installed today only for a session that logged none.

The course had looked the protocol up in today's folders: a clinic lengthening its infusion to
60 min in a new version read every earlier full 40-minute session "ended at 41 of 60 min", and
removing the file read a stopped infusion as the whole dose.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.review import content as rc
from console.review.queries import load_course, open_readonly
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, clinic_protocols_dir
from tests.review import scenarios
from tests.review.scenarios import Driver

PATIENT = "MRN-DOSE"
SHIPPED = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")


def _install(minutes: int, version: str) -> Path:
    """The clinic's own IV protocol ("clinic-iv"), its infusion `minutes` long."""
    assert 'infusion_minutes = 40' in SHIPPED and 'duration_minutes = 40' in SHIPPED
    assert 'version = "1.6"' in SHIPPED
    text = (SHIPPED.replace('id = "iv-ketamine"', 'id = "clinic-iv"', 1)
            .replace('version = "1.6"', f'version = "{version}"', 1)
            .replace("infusion_minutes = 40", f"infusion_minutes = {minutes}", 1)
            .replace("duration_minutes = 40", f"duration_minutes = {minutes}", 1))
    folder = clinic_protocols_dir()   # the test's own user folders (tests/conftest.py)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "clinic-iv.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _session(path: Path, monkeypatch: pytest.MonkeyPatch, ended_at_t0_plus: float) -> Path:
    """A clinic-iv session under version 1.0 (40-min infusion) whose infusion ends
    `ended_at_t0_plus` minutes after T0: sent home then, against the gate."""
    installed = _install(40, "1.0")
    monkeypatch.setattr(scenarios, "builtin_protocols_dir", clinic_protocols_dir)   # the Driver's
    with EventLog.open(path, "t", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "clinic-iv", PATIENT, 72.0, "nurse.ana",
                   datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
        r.tick_required()
        r.at(5); r.advance()                                    # T0
        r.at(5 + ended_at_t0_plus)
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="stopped").done
    return installed


def _dose(path: Path) -> str:
    conn = open_readonly(path)
    try:
        (row,) = load_course(conn, PATIENT)
    finally:
        conn.close()
    return rc.course_cells(row, UTC)["dose"]


def test_a_whole_infusion_reads_whole_after_the_clinic_lengthens_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log.sqlite3"
    _session(path, monkeypatch, 41)                              # its whole 40 minutes
    assert _dose(path) == "36 mg (0.5 mg/kg)"
    _install(60, "2.0")                                          # the clinic's new version
    assert _dose(path) == "36 mg (0.5 mg/kg)"                    # not "ended at 41 of 60 min"


def test_a_stopped_infusion_still_reads_stopped_once_its_file_is_removed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log.sqlite3"
    installed = _session(path, monkeypatch, 11)
    assert _dose(path) == "36 mg (0.5 mg/kg) planned; ended at 11:00 of 40 min"
    installed.unlink()                                           # the protocol withdrawn
    assert _dose(path) == "36 mg (0.5 mg/kg) planned; ended at 11:00 of 40 min"  # not "36 mg"
