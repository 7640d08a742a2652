"""The Signatures table of a session: a time under another UTC offset than the session's (a
review annotation written and signed after the clocks went forward) carries its own zone, as the
Notes table prints the same record; a time under the session's offset stays bare under the
report's one named zone ("times GMT, UTC+00:00").

Audit: the Notes table said "Fri 10 Apr 2026 10:15 BST", the Signatures table "10 Apr 2026
10:15:00" for the same record, under "times GMT": read as 10:15 GMT, an hour off.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from console.review import content as rc
from console.review.model import SessionSignatures, SignatureEntry, UnsignedRecord

LONDON = ZoneInfo("Europe/London")
SESSION_START = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)      # 09:00 GMT
WRITTEN = datetime(2026, 4, 10, 9, 15, tzinfo=UTC)          # 10:15 BST
SIGNED = datetime(2026, 4, 10, 9, 15, 20, tzinfo=UTC)
STARTED_RECORD = datetime(2026, 3, 9, 9, 0, 5, tzinfo=UTC)  # in the session, GMT


def _signed() -> SessionSignatures:
    late = SignatureEntry(SIGNED, 7, "Dr Lee", "reviewed", "events", 999, WRITTEN,
                          "Review note: BP fine on review", True)
    unsigned = UnsignedRecord("events", 12, STARTED_RECORD, "started", "Session started")
    return SessionSignatures(signatures=(late,), unsigned=(unsigned,),
                             enforced_since=datetime(2026, 3, 1, tzinfo=UTC))


def test_a_signature_made_in_the_other_season_carries_its_zone() -> None:
    rows = rc.signature_rows(_signed(), LONDON, session_start=SESSION_START)
    late = next(r for r in rows if r[1].startswith("Review note"))
    assert late[0] == "10 Apr 2026 10:15:00 BST"
    assert late[5] == "10 Apr 2026 10:15:20 BST"


def test_a_time_under_the_session_s_offset_stays_bare() -> None:
    rows = rc.signature_rows(_signed(), LONDON, session_start=SESSION_START)
    [started] = [r for r in rows if r[1] == "Session started"]
    assert started[0] == "09 Mar 2026 09:00:05"
    # Signed in the season of a session run in April: nothing to tell apart.
    april = rc.signature_rows(_signed(), LONDON, session_start=WRITTEN)
    late = next(r for r in april if r[1].startswith("Review note"))
    assert late[0] == "10 Apr 2026 10:15:00" and late[5] == "10 Apr 2026 10:15:20"


def test_a_session_across_a_change_of_the_clock_zones_every_signature_time() -> None:
    rows = rc.signature_rows(_signed(), LONDON, True, session_start=WRITTEN)
    assert all(r[0].endswith(("GMT", "BST")) for r in rows)
