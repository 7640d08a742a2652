"""The review's unsigned records after the station's clock was set back (issue 13).

A record that needs a signature and has none (the console stopped between the record's commit
and its signature, a record held while the log was locked) is listed as unsigned when it was
written while the log had staff accounts. That was decided by wall time, against the first
account's `changed_at`: a station whose clock was fast when IT created the accounts, corrected
by NTP since, left every unsigned override, discharge and correction of the following hours out
of the list, reading neither signed nor unsigned. It is decided by the log's order now.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.review import content as rc
from console.review.queries import load_signatures
from console.session.engine import Patient, SessionEngine
from console.session.journal import Journal
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.ui.test_lock_screen import ANA, START, add_accounts, fast_hasher


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    with EventLog.open(tmp_path / "log.sqlite3", "test", now=START) as log:
        yield log


def open_session(log: EventLog, clock: ManualClock) -> SessionEngine:
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    return SessionEngine.open(protocol, Journal(log), Patient("MRN-7", 72), ANA, clock.now())


def override(log: EventLog, engine: SessionEngine, clock: ManualClock) -> int:
    """Ana moves on against what refuses it; the console stops before the signature is written
    (nothing signs here). Returns the override's row id."""
    clock.advance(60)
    outcome = engine.advance_phase(ANA, clock.now(), "consent on paper, scanned later")
    assert outcome.done, outcome
    return max(row_id for row_id, e in log.events(engine.session_id) if e.kind == "override")


@pytest.mark.parametrize("clock_back", [timedelta(0), timedelta(hours=1)],
                         ids=["clock right", "clock set back an hour after the accounts"])
def test_an_unsigned_override_is_listed_as_unsigned(log: EventLog,
                                                    clock_back: timedelta) -> None:
    # Step 1: IT creates the accounts at START on the station's clock (fast by `clock_back`).
    add_accounts(log, fast_hasher())
    # Step 2: NTP sets the clock back; ten minutes later Ana's session moves on unsigned.
    clock = ManualClock(START - clock_back + timedelta(minutes=10))
    engine = open_session(log, clock)
    override_id = override(log, engine, clock)
    found = load_signatures(log.conn, engine.session_id)
    assert [(u.row_id, u.meaning) for u in found.unsigned] == [
        (override_id, "phase ended against its checklist or rules")]
    assert rc.signature_summary(found) == "0 signatures · 1 record unsigned"


def test_a_session_started_before_the_first_account_lists_what_came_after_it(
        log: EventLog) -> None:
    # Step 1: a session on a log without accounts: its override needs no signature.
    clock = ManualClock(START - timedelta(minutes=30))
    engine = open_session(log, clock)
    before = override(log, engine, clock)
    # Step 2: IT creates the accounts at START, on another station's clock half an hour ahead.
    add_accounts(log, fast_hasher())
    # Step 3: the session's next override, unsigned, is after the accounts in the log.
    after = override(log, engine, clock)
    found = load_signatures(log.conn, engine.session_id)
    assert before < after
    assert [u.row_id for u in found.unsigned] == [after]
    assert found.enforced_since == START
