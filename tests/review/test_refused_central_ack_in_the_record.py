"""A central station's nurse presses Acknowledge on a medium RR alarm that has risen to HIGH before
her command reaches the chair: the chair refuses it and logs `central_ack_not_applied` (who,
where, why: console/session/engine.py `acknowledge_from_central`, "the record of who silenced
what had no word of a central nurse's press"). The events CSV had the row; the review's session
page and the PDF report (the same rows, console/review/content.py `alarm_rows`) said nothing of
it: the alarm row read as if nobody but the bedside nurse had ever answered, and an incident
review of "I acknowledged it at the desk at 09:06:30" found no trace of it in the clinician's
record (a review of the exports). The alarm row's Acknowledged cell names it now."""
from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.export.csv_export import event_rows
from console.export.deidentify import deidentify
from console.export.pdf import write_session_pdf
from console.review import content as rc
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.export.test_pdf import pages_of, squash
from tests.review.scenarios import Driver

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REFUSED = ("not applied 09:06:30 B. Central (at central desk): the alarm rose to high after the "
           "central nurse acknowledged it at medium")


def _refused_at_central(path: Path) -> SessionDetail:
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    r = Driver(log, "iv-ketamine", "MRN-77", 72.0, "nurse.ana", START, 1)
    r.device(heart_rate=72, spo2=98)
    r.manual(bp_systolic=126, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()                                         # T0 09:05
    r.at(6); r.device(heart_rate=74, spo2=98, resp_rate=9)       # RR 9: medium
    [rr] = r.engine.alarms()
    r.at(6.5); r.device(resp_rate=8)                             # RR 8: HIGH
    # The central nurse's press, made on the medium alarm she saw, reaches the chair now.
    refused = r.engine.acknowledge_from_central(rr.id, "B. Central", "desk", "cmd-1",
                                                r.clock.now(), "medium")
    assert not refused.done
    r.at(7); r.ack_all()                                         # the bedside answers
    session = r.id
    log.close()
    conn = open_readonly(path)
    try:
        return load_session(conn, session, with_observations=True)
    finally:
        conn.close()


def test_a_refused_central_acknowledgement_is_named_in_the_alarm_row(tmp_path: Path) -> None:
    detail = _refused_at_central(tmp_path / "log.sqlite3")
    # In the log and the events CSV:
    csv_texts = [row[9] for row in event_rows(detail)]
    assert any("B. Central" in t and "not applied" in t for t in csv_texts)
    # The review's session page and the PDF: the alarm row, beside the bedside's answer.
    [row] = [r for r in rc.alarm_rows(detail, UTC) if r.episode.condition.startswith("resp_rate")]
    acknowledged = row.cells[rc.ALARM_COLUMNS.index("Acknowledged")]
    assert acknowledged == f"09:07:00 nurse.ana · {REFUSED}", acknowledged
    # The time to acknowledge is the bedside's, from the escalation: the press silenced nothing.
    assert row.cells[rc.ALARM_COLUMNS.index("To ack")] == "30 s"


def test_a_refused_central_acknowledgement_names_the_numbered_nurse_when_deidentified(
        tmp_path: Path) -> None:
    clean = deidentify(_refused_at_central(tmp_path / "log.sqlite3"), b"k" * 32)
    [row] = [r for r in rc.alarm_rows(clean, UTC) if r.episode.condition.startswith("resp_rate")]
    acknowledged = row.cells[rc.ALARM_COLUMNS.index("Acknowledged")]
    assert "B. Central" not in acknowledged and "desk" not in acknowledged, acknowledged
    assert "not applied" in acknowledged and "staff-" in acknowledged, acknowledged


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_a_refused_central_acknowledgement_is_in_the_pdf_report(tmp_path: Path) -> None:
    detail = _refused_at_central(tmp_path / "log.sqlite3")
    pdf = tmp_path / "report.pdf"
    write_session_pdf(detail, pdf, tz=UTC)
    text = squash(" ".join(pages_of(pdf)))
    # The cell wraps within its column: the words of its first line stand among its neighbours'.
    assert ("09:06:30 B. Central (at central desk): the alarm rose to high after the central "
            "nurse acknowledged it at medium") in text, text
