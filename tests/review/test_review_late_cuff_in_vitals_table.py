"""A cuff measured during a link outage (09:11 on the session's clock) and delivered after a BP the
nurse typed (205/95) is history: the tile keeps 205/95 and the trend draws the cuff at its measured
time. The review's vitals table places every device reading at its *arrival* instead, so the
history cuff reads as the newest BP, below the typed 205/95."""
from __future__ import annotations

from datetime import UTC

from console.review import content as rc
from console.review.queries import load_session, open_readonly
from console.session.tile_view import tile_view
from console.store import EventLog
from tests.session.test_late_cuff_is_history import outage_then_late_cuff
from tests.session.test_resume_as_live import LoggedSession, log  # noqa: F401
from protocols.loader import builtin_protocols_dir, load_protocol


def test_the_late_cuff_is_not_shown_as_the_bp_after_the_typed_one(log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    outage_then_late_cuff(s)
    s.t(960); s.device("heart_rate", 82)
    assert tile_view(s.engine, "bp_systolic", s.now()).value == "205/95"
    session = s.engine.session_id
    log.close()
    conn = open_readonly(log.path)
    try:
        detail = load_session(conn, session)
    finally:
        conn.close()
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    rows = rc.vital_rows(detail, UTC, protocol)
    for r in rows:
        print(r)
    bps = [r[2] for r in rows if r[2] != rc.NONE]
    # The last BP the table shows must be the one that stands (the tile's 205/95), not the
    # cuff measured a minute before it.
    assert bps[-1] == "205/95", rows
