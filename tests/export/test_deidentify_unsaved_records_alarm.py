"""A de-identified export of a session whose discharge the log never took (locked), found at the
restart in an unsaved-records file: the "Records from before the restart are not in the log"
alarm (console/session/engine.py `_unsaved_left`) says "Discharge at 09:03 by nurse.ana was not
saved: discharge again; … in unsaved-records-20260302T090300Z-….jsonl: re-enter what matters",
and the events CSV and the PDF's alarm table printed it word for word: the nurse's name (a
person was numbered only before ")", "," or the end) and the REAL date (the file's name is
stamped with the UTC date and time of its first record; README: dates are moved by whole weeks).
A reviewer's proof. The clock time "09:03" stays: de-identification keeps the time of day.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.export.csv_export import write_session_csv
from console.export.deidentify import deidentify
from console.review import content as rc
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.session.alarms import UNSAVED_RECORDS
from console.store import EventLog
from tests.review.scenarios import Driver
from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_t0_after_held_readings import Locked
from tests.session.test_unsaved_records_at_restart import resumed

NURSE = "nurse.ana"
KEY = b"k" * 32
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def spare_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder (where unsaved-records files go, and a restart looks) is
    the test's own."""
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spare))
    return spare


def discharged_while_locked_then_restarted(log: EventLog, by: str) -> tuple[SessionDetail, str]:
    """SpO2 85 in the infusion; the log locks; `by` discharges (transfer to ED), held; the
    console restarts on the log. Returns the session as the review loads it, and the real day
    (YYYYMMDD) the unsaved-records file is named for."""
    s = LoggedSession(log)
    s.to_infusion()
    s.t(180); s.device("spo2", 85)
    Locked(s, log.path).locked = True
    assert s.engine.discharge(by, s.now(), override_reason="transfer to ED").done
    (held,) = log.path.parent.glob("unsaved-records-*.jsonl")
    real_day = s.now().wall.astimezone(UTC).strftime("%Y%m%d")
    engine = resumed(s)
    [alarm] = [o for o in engine.alarms() if o.condition == UNSAVED_RECORDS]
    assert real_day in held.name and f"by {by} was not saved" in alarm.message   # the premise
    session = engine.session_id
    log.close()
    conn = open_readonly(log.path)
    try:
        return load_session(conn, session, with_observations=True), real_day
    finally:
        conn.close()


@pytest.mark.parametrize("by", [NURSE, "Ben Okafor, RN"],
                         ids=["the-sessions-nurse", "a-nurse-named-only-in-the-held-records"])
def test_deidentified_export_of_a_held_discharge_names_no_nurse_and_no_real_date(
        log: EventLog, tmp_path: Path, by: str) -> None:
    detail, real_day = discharged_while_locked_then_restarted(log, by)

    anon = deidentify(detail, KEY, tz=UTC)

    paths = write_session_csv(anon, tmp_path / "out")
    text = paths["events"].read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(text.splitlines()))
    leaked = [row["text"] for row in rows if by in row["text"] or real_day in row["text"]]
    assert leaked == [], leaked[0]
    said = [row["text"] for row in rows if row["condition"] == UNSAVED_RECORDS]
    assert said and all(
        re.fullmatch(r"Discharge at \d\d:\d\d by staff-\d+ was not saved: discharge again; "
                     r"records from before the restart are not in the log: 1 alarm change, "
                     r"\d+ other entries in an unsaved-records file: re-enter what matters, "
                     r"tell Support", words) for words in said), said[0]
    # The PDF's and the review's alarm table: the same rows.
    cells = [cell for row in rc.alarm_rows(anon, UTC) for cell in row.cells]
    assert not [cell for cell in cells if by in cell or real_day in cell or NURSE in cell]


def test_every_engine_shape_of_by_a_nurse_in_an_alarms_words_is_numbered(tmp_path: Path) -> None:
    """The engine's other alarm words that name a person (console/session/engine.py): "ended by
    a value typed by <nurse>, replacing the monitor's reading", "its value was corrected to …,
    by <nurse>", "its value was entered in error, by <nurse>"; the nurse a name with a space and
    a comma, as a signature reads."""
    other = "Ben Okafor, RN"
    log = EventLog.open(tmp_path / "log.sqlite3", "test", now=START - timedelta(days=1))
    r = Driver(log, "iv-ketamine", "MRN-3", 72.0, NURSE, START, 1)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()                                          # T0 09:05
    r.at(6); r.device(bp_diastolic=112)                           # the monitor's medium alarm
    _, typed = r.engine.enter_manual_row("bp_diastolic", 95, other, r.clock.now(),
                                         confirmed=True, replaces=True)   # typed, replacing it
    assert typed is not None
    r.at(7)
    _, high = r.engine.enter_manual_row("bp_systolic", 250, other, r.clock.now(), confirmed=True)
    assert high is not None                                       # a typo: a high alarm
    r.at(8)
    assert type(r.engine.correct(high, "bp_systolic", 150, other, r.clock.now(),
                                 "typo")).__name__ == "Accepted"
    r.at(9)
    _, slow = r.engine.enter_manual_row("resp_rate", 5, other, r.clock.now(), confirmed=True)
    assert slow is not None
    r.at(10)
    assert r.engine.void(slow, "resp_rate", other, r.clock.now(), "wrong box").done
    session = r.id
    log.close()
    conn = open_readonly(log.path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    shapes = (f"typed by {other}, replacing", f", by {other})")
    words = [s.message for a in detail.alarms for s in a.steps]
    assert all(any(shape in w for w in words) for shape in shapes), words   # the premise
    assert sum(f"by {other}" in w for w in words) >= 3

    anon = deidentify(detail, KEY, tz=UTC)

    said = [s.message for a in anon.alarms for s in a.steps]
    assert not [w for w in said if "Okafor" in w]
    assert any("typed by staff-2, replacing" in w for w in said), said
    assert any("corrected to 150 mmHg, by staff-2)" in w for w in said), said
    assert any("entered in error, by staff-2)" in w for w in said), said
