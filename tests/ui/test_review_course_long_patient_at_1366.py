"""A patient with a long identifier (64 characters, the most the start screen takes:
start_checks.MAX_PATIENT_ID_LENGTH) on the Course page at 1366x768 (a clinic laptop).

The course bar's title did not wrap and the patient box was as wide as its longest identifier:
the bar asked for 2031 px, and the window grew past the screen's right edge (the title, what
course this is, out of sight). Now the title wraps, as the Session page's does, and the box is
as wide as a usual identifier, a longer one cut in it and whole in its list and in the title.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6 import QtCore, QtWidgets

from console.store import EventLog
from tests.review.scenarios import Driver
from tests.ui.test_review_layout import open_window, protocols  # noqa: F401 - a fixture

PATIENT = "MRN-2026-0311-CLINICA-UNIVERSITARIA-SANTA-MARIA-DEL-ROSARIO-0042"


def a_session(log: EventLog, protocol: str, day: int, mg: float | None = None) -> None:
    r = Driver(log, protocol, PATIENT, 70.0, "nurse.ana",
               datetime(2026, 3, day, 9, 0, tzinfo=UTC), 1, chosen_mg=mg)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
    r.tick_required()
    r.at(5); r.advance()
    r.at(40)
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="test").done


def right_edge(widget: QtWidgets.QWidget, window: QtWidgets.QWidget) -> int:
    return widget.mapTo(window, QtCore.QPoint(widget.width(), 0)).x()


def test_a_long_identifier_s_course_fits_1366_with_its_title_whole(qtbot, protocols, tmp_path):
    assert len(PATIENT) == 64
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC)) as log:
        a_session(log, "iv-ketamine", 2)          # two routes: the route box shows too
        a_session(log, "esketamine", 20, mg=56)
    window = open_window(qtbot, (path, None), protocols, (1366, 768))
    assert window.width() == 1366
    window.show_course(PATIENT)
    QtCore.QCoreApplication.processEvents()   # the layout the first paint would see
    page = window.course_page
    title, box = page.title, page.patient_box
    facts = {"window": window.width(), "window's least width": window.minimumSizeHint().width(),
             "title": title.text(), "title right edge": right_edge(title, window),
             "title lines fit": title.height() >= title.heightForWidth(title.width()),
             "box right edge": right_edge(box, window), "route box shown": page.route_box.isVisible(),
             "box lists": [box.itemText(i) for i in range(box.count())]}
    window.close_log()
    assert facts["window"] == 1366 and facts["window's least width"] <= 1366, facts
    assert PATIENT in facts["title"] and facts["title lines fit"], facts
    assert facts["title right edge"] <= 1366 and facts["box right edge"] <= 1366, facts
    assert facts["route box shown"] and facts["box lists"] == [PATIENT], facts
