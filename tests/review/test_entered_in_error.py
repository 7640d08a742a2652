"""A value taken back as entered in error counts nowhere, but the review and the PDF say who took
it back and why (it left no trace there: the data-path audit), as they do for a correction."""

from __future__ import annotations

from datetime import UTC, datetime

from console.clock import ManualClock
from console.review import content as rc
from console.review.queries import load_session, open_readonly
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol


def test_a_value_entered_in_error_is_listed_with_who_and_why(tmp_path):
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"), log,
                                Patient("MRN-7", 72.0), "nurse.ana", clock.now())
    row = engine.enter_manual_row("moaas", 1, "nurse.bea", clock.advance(60))[1]
    assert row is not None
    assert engine.void(row, "moaas", "nurse.bea", clock.advance(60), "scored the wrong patient").done
    session = engine.session_id
    log.close()
    detail = load_session(open_readonly(tmp_path / "log.sqlite3"), session)
    assert rc.note_rows(detail, UTC) == [
        ("Mon 02 Mar 2026 09:02", "Entered in error", "nurse.bea",
         "Sedation (MOAA/S) 1 taken back: scored the wrong patient")]
    assert detail.scales == ()   # and it counts nowhere
