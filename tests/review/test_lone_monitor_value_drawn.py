"""A monitor value with no other within 2 minutes of it is drawn, on the session's trend and on the
course's: a device line breaks where its monitor was silent longer than the gap
(trend_feed.GAP_MINUTES) or the console was closed, and a value with a break (or nothing) on
both sides was a line of one point, which draws nothing. A clinician saw the SpO2 86 that raised
the HIGH alarm as its marker only, the course's peak "HR 80 at T0 + 20" nowhere on the session's
page, a monitor sending every 3 minutes as a blank SpO2 panel, and an empty Pulse panel.

These tests look at the pixels of the vital's colour where the value belongs: what the clinician
sees, whichever item draws it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6 import QtGui

from console.records import SessionOpened
from console.session.engine import SessionEngine
from console.session.trend_feed import VITAL_COLOURS
from console.store import EventLog
from console.ui.review_course_trend import style_of
from devices.reading import Reading
from tests.review import course_sessions as cs
from tests.review.logged_session import logged_session
from tests.review.review_windows import open_review

MONITOR = "hl7:MON"


def _near(colour: QtGui.QColor, want: QtGui.QColor, within: int) -> bool:
    return (abs(colour.red() - want.red()) + abs(colour.green() - want.green())
            + abs(colour.blue() - want.blue())) < within


def pixels_near(window, minutes: float, value: float, metric: str) -> int:
    """Pixels of `metric`'s colour within 6 px of (`minutes`, `value`) on the session's trend."""
    trend = window.detail_page.trend
    panel = trend.panels[trend._panel_of[metric]]
    scene = panel.plot.getViewBox().mapViewToScene(QtGui.QVector2D(minutes, value).toPointF())
    at = trend.graphics.mapFromScene(scene)
    image = trend.graphics.grab().toImage()
    want = QtGui.QColor(VITAL_COLOURS[metric])
    return sum(1 for dx in range(-6, 7) for dy in range(-6, 7)
               if _near(image.pixelColor(at.x() + dx, at.y() + dy), want, 60))


def pixels_of(widget, colour: str) -> int:
    """Pixels of `colour` anywhere in `widget`."""
    image = widget.grab().toImage()
    want = QtGui.QColor(colour)
    return sum(1 for x in range(image.width()) for y in range(image.height())
               if _near(image.pixelColor(x, y), want, 40))


def restarted_session(path: Path) -> int:
    """Session 5 of MRN-2024: T0 at 09:05; at 09:10 the monitor's SpO2 86 (a HIGH alarm), then
    the console is killed; restarted 7 min later, the alarm acknowledged; at 09:58 the monitor's
    SpO2 97; discharged. Each SpO2 is the monitor's only value for many minutes."""
    log = EventLog.open(path, "test")
    r = cs._dosed(log, datetime(2026, 3, 10, 9, 0, tzinfo=UTC), 5, 5)
    r.at(10)
    now = r.clock.now()
    r.engine.ingest_message([Reading("spo2", 86, "%", now.wall, now.wall, MONITOR)], now)
    session = r.id
    log.close()                                    # the console is killed
    r.clock.advance(7 * 60)
    log = EventLog.open(path, "test")
    (row,) = [x for x in log.open_sessions() if x.id == session]
    engine = SessionEngine.resume(
        r.protocol, log, session,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                      row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
        [o for _, o in log.observations(session)], [e for _, e in log.events(session)],
        [a for _, a in log.alarm_events(session)], r.clock.now(), "nurse.ben")
    for alarm in engine.alarms():
        assert engine.acknowledge(alarm.id, "nurse.ben", r.clock.advance(30)).done
    r.clock.advance(40 * 60)
    now = r.clock.now()
    engine.tick(now)
    engine.ingest_message([Reading("spo2", 97, "%", now.wall, now.wall, MONITOR)], now)
    assert engine.discharge("nurse.ben", r.clock.advance(60), override_reason="sent home").done
    log.close()
    return session


def first_session(path: Path) -> int:
    """Session 1 of MRN-2024 (course_sessions): the monitor's one message, HR 80, pulse 81 and
    SpO2 97, at T0 + 20 (09:25)."""
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        return cs._first(log)
    finally:
        log.close()


def test_the_spo2_that_raised_the_high_alarm_is_drawn_after_a_restart(qtbot, tmp_path):
    path = tmp_path / "log.sqlite3"
    session = restarted_session(path)
    window = open_review(qtbot, path, datetime(2026, 3, 12, 10, 0, tzinfo=UTC), size=(1920, 1080))
    window.open_session(session)
    qtbot.wait(200)
    # Its alarm's marker is drawn...
    assert "SpO2 86" in " ".join(str(t) for t in window.detail_page.trend.text_boxes())
    # ... and so are the value that raised it (09:10) and the one after the restart (09:58).
    assert pixels_near(window, 10.0, 86.0, "spo2") > 0, "the SpO2 86 of the HIGH alarm"
    assert pixels_near(window, 58.0, 97.0, "spo2") > 0, "the SpO2 97 after the restart"


def test_the_monitor_values_the_course_names_as_peak_and_lowest_are_drawn(qtbot, tmp_path):
    # The course reads "Peak HR (or pulse) 80 at T0 + 20 min" and "Lowest SpO2 97 %": the
    # monitor's one message at 09:25.
    path = tmp_path / "log.sqlite3"
    session = first_session(path)
    window = open_review(qtbot, path, datetime(2026, 3, 12, 10, 0, tzinfo=UTC), size=(1920, 1080))
    window.open_session(session)
    qtbot.wait(200)
    assert pixels_near(window, 25.0, 80.0, "heart_rate") > 0, "the monitor's HR 80"
    assert pixels_near(window, 25.0, 97.0, "spo2") > 0, "the monitor's SpO2 97"
    assert pixels_near(window, 25.0, 81.0, "pulse_rate") > 0, "the oximeter's pulse 81"


def test_a_monitor_reporting_every_3_minutes_is_drawn_dip_included(qtbot, tmp_path):
    # Periodic values every 3 minutes (a monitor or a gateway): each more than the 2-min gap
    # from the last, so each was a line of one point and the whole SpO2 panel was blank.
    s = logged_session(tmp_path, patient="MRN-3")
    values = (97, 95, 91, 85, 88, 94, 96)
    for value in values:
        now = s.clock.advance(180)
        s.engine.ingest_message([Reading("spo2", value, "%", now.wall, now.wall, MONITOR)], now)
    session = s.engine.session_id
    s.log.close()
    window = open_review(qtbot, tmp_path / "log.sqlite3", datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
                         size=(1920, 1080))
    window.open_session(session)
    qtbot.wait(200)
    drawn = [pixels_near(window, 3.0 * (k + 1), v, "spo2") for k, v in enumerate(values)]
    assert all(drawn), f"SpO2 values not drawn (pixels near each): {drawn}"


def test_the_course_trend_draws_the_lone_pulse_its_pulse_panel_is_shown_for(qtbot, tmp_path):
    # The course's "Trend from T0" shows a Pulse panel for session 1's oximeter pulse 81 at
    # T0 + 20, the session's only pulse value: a line of one point, the panel was empty.
    path = tmp_path / "log.sqlite3"
    session = first_session(path)
    window = open_review(qtbot, path, datetime(2026, 3, 12, 10, 0, tzinfo=UTC), size=(1920, 1080))
    window.show_course(cs.PATIENT, session)
    page = window.course_page
    page.views.setCurrentWidget(page.trend)
    qtbot.waitUntil(lambda: not page.trend_reading, timeout=30_000)
    qtbot.wait(200)
    view = page.trend
    assert "pulse_rate" in view.shown_metrics()
    colour = style_of(0).colour
    assert pixels_of(view.panels["heart_rate"].widget, colour) > 0
    assert pixels_of(view.panels["pulse_rate"].widget, colour) > 0, "session 1's pulse 81"
    # Drawn as the session's symbol, where the value is.
    x, y = view.measured("pulse_rate", 0)
    assert y.tolist() == [81.0] and x.tolist() == [20.0]
