"""An acknowledgement or audio pause given on a locked station is logged as "<nurse in charge>
(station locked: not signed in)" (console/session/lock.py `locked_actor`). De-identified, that
actor was numbered as a person of its own: the nurse in charge read staff-1 and her F2 on the
locked station a staff-2 nobody ever was, and the "station locked" qualifier was gone."""

from __future__ import annotations

from datetime import UTC, datetime

from console.clock import ManualClock
from console.export.deidentify import deidentify
from console.review.queries import load_session, open_readonly
from console.session.engine import Patient, SessionEngine
from console.session.lock import locked_actor
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.ui.test_lock_screen import ANA, LOCK_AFTER_S, chair  # noqa: F401  (fixture)

KEY = b"k" * 32
LOCKED_ANA = locked_actor(ANA)


def _locked_steps(detail, transition):
    return [s.actor for a in detail.alarms for s in a.steps if s.transition == transition]


def test_a_locked_station_acknowledgement_keeps_the_nurse_number(tmp_path):
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"), log,
                                Patient("MRN-4711", 72.0), ANA, clock.now())
    engine.enter_manual("heart_rate", 140, ANA, clock.advance(60))       # a high alarm, by Ana
    assert engine.acknowledge_all(LOCKED_ANA, clock.advance(600)).done    # F2, station locked
    session = engine.session_id
    log.close()
    conn = open_readonly(tmp_path / "log.sqlite3")
    loaded = load_session(conn, session, with_observations=True)
    conn.close()
    assert _locked_steps(loaded, "acknowledged") == [LOCKED_ANA]

    clean = deidentify(loaded, KEY)

    nurse = clean.summary.nurse
    assert nurse == "staff-1"
    # The nurse in charge, numbered as she is elsewhere, and that nobody was signed in.
    assert _locked_steps(clean, "acknowledged") == [locked_actor(nurse)]
    assert "Ana" not in str(clean)


def test_a_locked_station_acknowledgement_through_the_chair(chair):  # noqa: F811
    """The reviewer's path: F2 pressed on the chair's locked station."""
    chair.controller.enter_manual("heart_rate", 140)       # a high alarm, by Ana
    chair.t(LOCK_AFTER_S)
    assert chair.controller.locked
    assert chair.controller.acknowledge_all().done           # F2 on the locked station
    acks = chair.rows("SELECT actor FROM alarm_events WHERE transition = 'acknowledged'")
    assert acks and acks[0][0] == LOCKED_ANA

    detail = deidentify(load_session(chair.log.conn, chair.engine.session_id), KEY)
    nurse = detail.summary.nurse
    steps = _locked_steps(detail, "acknowledged")
    assert steps, [s for a in detail.alarms for s in a.steps]
    assert all(actor == locked_actor(nurse) for actor in steps), (
        f"nurse in charge is {nurse!r}; the locked-station acknowledgement reads {steps!r}")
