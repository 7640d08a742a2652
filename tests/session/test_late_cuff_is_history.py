"""A cuff measured during a link outage and delivered after a BP the nurse typed later is
history: it is logged (and drawn on the trend at its measured time) but neither replaces the
typed BP on the tile nor is judged as the patient's current pressure. It had ended the typed
205's high alarm (latched: "condition over") with a pressure measured before it (IEC 60601-1-8
6.1: alarm conditions are the patient's current state)."""
from __future__ import annotations

from datetime import timedelta

from console.session.tile_view import tile_view
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401
from tests.session.test_void_as_restart import seen

NURSE = "nurse.ana"


def outage_then_late_cuff(s: LoggedSession) -> None:
    """Infusion running; the monitor unplugged at +10 min cycles its cuff at +11 (128/80); the
    nurse types 205/95 at +12; the link is back at +15 and the cuff's 09:11 values arrive."""
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("heart_rate", 80)
    s.t(600); s.engine.device_state_changed("disconnected", s.now(), "cable unplugged")
    cuff_at = s.now().wall + timedelta(seconds=60)
    s.t(720); s.bp(205, 95)
    s.t(900); s.engine.device_state_changed("connected", s.now())
    s.device("bp_systolic", 128, measured_at=cuff_at)
    s.device("bp_diastolic", 80, measured_at=cuff_at)
    s.device("bp_mean", 96, measured_at=cuff_at)


def test_a_late_cuff_measured_before_a_typed_bp_leaves_the_typed_bp_standing(log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    outage_then_late_cuff(s)
    # The typed 205/95 is the newest measurement: it stays on the tile, its alarm active.
    view = tile_view(s.engine, "bp_systolic", s.now())
    assert view.value == "205/95", (view.value, view.detail)
    assert ("bp_systolic_high", "HIGH", "active") in [
        (c, p.upper(), st) for c, p, st in s.shown()], s.shown()
    # Nothing lost: the cuff's values are in the log.
    assert [(o.metric, o.value) for _, o in log.observations(s.engine.session_id)
            if o.source != "manual"][-3:] == [("bp_systolic", 128), ("bp_diastolic", 80),
                                               ("bp_mean", 96)]
    # A restart reads it so too.
    live = seen(s)
    restart(s, 0)
    after = seen(s)
    assert tile_view(s.engine, "bp_systolic", s.now()).value == "205/95"
    assert live["alarms"] == after["alarms"] and live["latest"] == after["latest"]


def test_the_late_cuff_stands_once_the_typed_bp_is_entered_in_error(log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    outage_then_late_cuff(s)
    s.t(960)
    for name in ("bp_systolic", "bp_diastolic"):
        row = next(r for r, kept in s.engine._state.rows[name]
                   if kept.reading.source == "manual" and kept.reading.value in (205, 95))
        assert s.engine.void(row, name, NURSE, s.now(), "typed for chair 4").done
    # The newest measurement that stands is the cuff's 09:11 one.
    view = tile_view(s.engine, "bp_systolic", s.now())
    assert view.value.startswith("128/80"), (view.value, view.detail)
    assert "bp_systolic_high" not in [c for c, _, _ in s.shown()], s.shown()
    live = seen(s)
    restart(s, 0)
    after = seen(s)
    assert tile_view(s.engine, "bp_systolic", s.now()).value == view.value
    assert live["alarms"] == after["alarms"] and live["latest"] == after["latest"]


def test_a_bp_typed_after_a_cuff_stamped_ahead_of_its_arrival_is_judged(log: EventLog) -> None:  # noqa: F811
    # A monitor whose clock runs ahead stamps its cuff minutes after it arrived: no measurement
    # comes before it is made, so the cuff counts at its arrival. Placed at its stamp, it stood
    # "newer" than every BP typed in the next minutes: a typed 215/125 raised no alarm and the
    # tile kept the cuff's 119/74 (a nurse walk on X, the simulator at 10x).
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    for second in range(60, 90):   # its HR stamped a minute ahead, every second
        s.t(second); s.device("heart_rate", 72, measured_at=s.now().wall + timedelta(seconds=60))
    s.device("bp_systolic", 119, measured_at=s.now().wall + timedelta(seconds=27))
    s.device("bp_diastolic", 74, measured_at=s.now().wall + timedelta(seconds=27))
    s.t(107); s.bp(215, 125)
    view = tile_view(s.engine, "bp_systolic", s.now())
    assert view.value == "215/125", (view.value, view.detail)
    shown = [(c, p.upper(), st) for c, p, st in s.shown()]
    assert ("bp_systolic_high", "HIGH", "active") in shown, shown
    live = seen(s)
    restart(s, 0)
    assert seen(s)["alarms"] == live["alarms"]


def test_a_late_cuff_stays_history_when_an_older_bp_is_entered_in_error(log: EventLog) -> None:  # noqa: F811
    # Taking back a value rebuilds its vital's alarms from the values after it: the late cuff
    # among them was judged there (never live, nor by a restart's replay), and the typed 190's
    # alarm and its repeat went from the bar at the void, back after a restart.
    s = LoggedSession(log)
    s.bp(150, 85)                      # typed for another chair, before the dose
    s.t(30); s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("heart_rate", 80)
    s.t(600); s.engine.device_state_changed("disconnected", s.now(), "cable unplugged")
    cuff_at = s.now().wall + timedelta(seconds=60)
    s.t(1020); s.bp(190, 95)           # typed at +17 min
    s.t(1080); s.engine.device_state_changed("connected", s.now())
    s.device("bp_systolic", 185, measured_at=cuff_at)   # the cuff of +11 min: history
    s.device("bp_diastolic", 80, measured_at=cuff_at)
    s.t(1140)
    row = next(r for r, kept in s.engine._state.rows["bp_systolic"]
               if kept.reading.source == "manual" and kept.reading.value == 150)
    assert s.engine.void(row, "bp_systolic", NURSE, s.now(), "typed for chair 4").done
    assert tile_view(s.engine, "bp_systolic", s.now()).value == "190/95"
    assert ("bp_systolic_high", "MEDIUM", "active") in [
        (c, p.upper(), st) for c, p, st in s.shown()], s.shown()
    assert "Repeat Systolic BP" in [d.name for d in s.engine.due(s.now())]
    live = seen(s)
    restart(s, 0)
    after = seen(s)
    assert live["alarms"] == after["alarms"] and live["latest"] == after["latest"]
    assert live["due"] == after["due"]
