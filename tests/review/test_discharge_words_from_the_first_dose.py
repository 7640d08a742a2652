"""Esketamine, device 1 given 10 minutes after the T0 confirmation, discharged 125 min after it:
the review's timeline and the events CSV worded the discharge "Discharged (135.0 min from T0,
145.0 min in total)", the engine's logged minutes from the T0 confirmation, while the header
says "T0 + 125 min" from the first dose. Read alone, a discharge 125 min after the confirmation
but 115 min after the dose looks like the label's 2 hours from the first device were met (a
clinician's review). Both now say it both ways; a session dosed at T0 reads as before."""

from __future__ import annotations

from pathlib import Path

from console.export.csv_export import EVENT_COLUMNS, event_rows
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from tests.review.late_device_sessions import late_device


def _discharge_words(tmp_path: Path, device_after_t0: float) -> tuple[str, str]:
    """The discharge's words in the review's timeline and in the events CSV."""
    path = tmp_path / "log.sqlite3"
    sid = late_device(path, device_after_t0)
    conn = open_readonly(path)
    try:
        detail: SessionDetail = load_session(conn, sid)
    finally:
        conn.close()
    (timeline,) = [e.text for e in detail.timeline() if e.kind == "discharged"]
    kind, text = EVENT_COLUMNS.index("kind"), EVENT_COLUMNS.index("text")
    (csv,) = [row[text] for row in event_rows(detail) if row[kind] == "discharged"]
    return timeline, csv


def test_a_discharge_after_a_late_first_device_counts_from_the_dose_and_the_t0_confirmation(
        tmp_path: Path) -> None:
    # T0 10:10, device 1 10:20, discharged 12:25.
    said = ("Discharged (125.0 min from the first dose, 135.0 min from the T0 confirmation, "
            "145.0 min in total)")
    assert _discharge_words(tmp_path, device_after_t0=10) == (said, said)


def test_a_discharge_after_a_device_given_at_t0_reads_from_t0(tmp_path: Path) -> None:
    said = "Discharged (125.0 min from T0, 135.0 min in total)"
    assert _discharge_words(tmp_path, device_after_t0=0) == (said, said)
