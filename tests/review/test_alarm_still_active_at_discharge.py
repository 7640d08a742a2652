"""A high alarm still active when the patient is discharged against the gate: the review's and
the PDF report's alarm table (the same rows, console/review/content.py `alarm_rows`) said
"Cleared 09:47:00", as if the SpO2 had recovered at the discharge. The board ended it with the
session (`AlarmBoard.end_all`: its `cleared` row reads "… (session ended)", as the events CSV
prints it); the condition never ended. README: the Cleared column is "when the condition
ended". A reviewer's proof.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.export.pdf import write_session_pdf
from console.review import content as rc
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.export.test_pdf import needs_poppler, pages_of, squash
from tests.review.scenarios import Driver

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def desaturating_at_discharge(path: Path) -> SessionDetail:
    """An IV session whose SpO2 falls to 86 at 09:44 (a high alarm, never acknowledged) and
    whose patient is discharged against the gate at 09:47, the alarm still on."""
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    r = Driver(log, "iv-ketamine", "MRN-77", 72.0, "nurse.ana", START, 1)
    r.device(heart_rate=72, spo2=98)
    r.manual(bp_systolic=126, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()                                       # T0 09:05
    for minute in range(6, 46):
        r.at(minute); r.device(heart_rate=74, spo2=98 if minute < 44 else 86)   # 09:44 SpO2 86
        if minute % 10 == 5:
            r.manual(bp_systolic=130, bp_diastolic=82, resp_rate=14, moaas=5)
    r.at(46); r.advance(override_reason="transfer to ED")
    r.at(47)
    assert [a.condition for a in r.engine.alarms() if a.priority.label == "high"] == ["spo2_low"]
    assert r.engine.discharge(r.nurse, r.clock.now(),
                              override_reason="transfer to ED, patient desaturating").done
    session = r.id
    log.close()
    conn = open_readonly(path)
    try:
        return load_session(conn, session, with_observations=True)
    finally:
        conn.close()


def test_an_alarm_on_at_discharge_reads_still_active_at_discharge_not_cleared(
        tmp_path: Path) -> None:
    detail = desaturating_at_discharge(tmp_path / "log.sqlite3")
    (row,) = [r for r in rc.alarm_rows(detail, UTC) if r.episode.condition == "spo2_low"]
    assert row.episode.steps[-1].message.endswith("(session ended)")   # the board ended it
    assert row.cells[rc.ALARM_COLUMNS.index("Cleared")] == "still active at discharge 09:47:00"


def test_an_alarm_that_ended_before_the_discharge_still_reads_its_clearing_time(
        tmp_path: Path) -> None:
    """Only the alarm the discharge ended: the HR alarm that ended when its rate came back keeps
    its time (the IV session's usual rows)."""
    detail = desaturating_at_discharge(tmp_path / "log.sqlite3")
    cleared = {r.episode.condition: r.cells[rc.ALARM_COLUMNS.index("Cleared")]
               for r in rc.alarm_rows(detail, UTC, include_reminders=True)}
    ended_before = {c: cell for c, cell in cleared.items() if c != "spo2_low"}
    assert ended_before and not [c for c in ended_before.values() if "discharge" in c], cleared


@needs_poppler
def test_the_pdf_report_says_the_desaturation_was_still_active_at_discharge(
        tmp_path: Path) -> None:
    detail = desaturating_at_discharge(tmp_path / "log.sqlite3")
    pdf = tmp_path / "r.pdf"
    write_session_pdf(detail, pdf, tz=UTC)
    text = squash(" ".join(pages_of(pdf)))
    assert "Alarm not resolved: SpO2 86 %" in text            # the banner says so
    alarms = text[text.index("Alarms"):text.index("Checklist")]
    # The Cleared cell wraps beside "not acknowledged": "still active … at discharge 09:47:00".
    assert "still active" in alarms and "at discharge 09:47:00" in alarms, alarms
