"""An NIBP of unknown age (an Ivy's screen BP sent at reconnect, no measurement time) is
history while a BP of known time stands: nothing says it is newer than the BP the nurse typed
during the outage. Placed at its arrival, it took the tile from a typed 205/95 ("128/80 · time
unknown") and ended its high alarm (latched: "condition over")."""
from __future__ import annotations

from console.session.tile_view import tile_view
from console.store import EventLog
from devices.reading import AGE_UNKNOWN, Reading
from protocols.vitals import metric
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401
from tests.session.test_void_as_restart import seen

NURSE = "nurse.ana"


def screen_bp(s: LoggedSession, systolic: float, diastolic: float) -> None:
    """The monitor's screen BP, sent in its first frame after the link is back: no time."""
    now = s.now()
    for name, value in (("bp_systolic", systolic), ("bp_diastolic", diastolic)):
        s.engine.ingest(Reading(name, value, metric(name).unit, None, now.wall, "ansar-b",
                                "NIBP", frozenset({AGE_UNKNOWN})), now)


def typed_during_an_outage_then_screen_bp(s: LoggedSession) -> None:
    """Infusion running; the monitor unplugged at +10 min; the nurse types 205/95 at +12; the
    link is back at +15 and the Ivy sends the 128/80 on its screen."""
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    s.t(600); s.engine.device_state_changed("disconnected", s.now(), "cable unplugged")
    s.t(720); s.bp(205, 95)
    s.t(900); s.engine.device_state_changed("connected", s.now())
    screen_bp(s, 128, 80)


def test_a_screen_bp_of_unknown_age_leaves_the_typed_bp_standing(log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    typed_during_an_outage_then_screen_bp(s)
    # The typed 205/95 stays on the tile, its high alarm active.
    view = tile_view(s.engine, "bp_systolic", s.now())
    assert view.value == "205/95", (view.value, view.detail)
    assert ("bp_systolic_high", "high", "active") in s.shown(), s.shown()
    # A restart reads it so too.
    live = seen(s)
    restart(s, 0)
    assert tile_view(s.engine, "bp_systolic", s.now()).value == "205/95"
    after = seen(s)
    assert live["alarms"] == after["alarms"] and live["latest"] == after["latest"]


def test_the_bp_of_known_time_before_it_stands_once_the_typed_bp_is_entered_in_error(
        log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    typed_during_an_outage_then_screen_bp(s)
    s.t(960)
    for name in ("bp_systolic", "bp_diastolic"):
        row = next(r for r, kept in s.engine._state.rows[name]
                   if kept.reading.source == "manual" and kept.reading.value in (205, 95))
        assert s.engine.void(row, name, NURSE, s.now(), "typed for chair 4").done
    # The baseline 120/80 typed at 09:00 is the newest BP of known time: the screen's stays
    # history, as a restart reads it.
    view = tile_view(s.engine, "bp_systolic", s.now())
    assert view.value == "120/80", (view.value, view.detail)
    live = seen(s)
    restart(s, 0)
    after = seen(s)
    assert tile_view(s.engine, "bp_systolic", s.now()).value == "120/80"
    assert live["latest"] == after["latest"]


def test_with_no_bp_of_known_time_the_screen_bp_is_judged_until_one_is_typed(
        log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.engine.device_state_changed("connected", s.now())
    screen_bp(s, 205, 95)                             # the only BP there is: judged
    view = tile_view(s.engine, "bp_systolic", s.now())
    assert view.value == "205/95" and "time unknown" in view.detail, (view.value, view.detail)
    assert ("bp_systolic_high", "high", "active") in s.shown(), s.shown()
    s.t(60)                                           # a BP taken now replaces it
    s.manual("bp_systolic", 128, confirmed=True); s.manual("bp_diastolic", 80)
    assert tile_view(s.engine, "bp_systolic", s.now()).value == "128/80"
    assert ("bp_systolic_high", "high", "active") not in s.shown(), s.shown()
