"""A monitor's value beyond its range reads as its limit in the course too: "Lowest RR <5 /min",
not "5 /min".

A Dräger Infinity sends "RR below 5" as `<^5`; the console keeps it as 5 flagged `<`, and the
vitals table, the PDF and FHIR say "<5" (tests/review/test_vitals_beyond_range.py). The course
read the lowest and the peaks without the flag: "Lowest RR 5 /min", a rate the monitor never
measured, and a cuff "above 250" a peak of exactly 250.
"""

from __future__ import annotations

from datetime import UTC

from console.review import content as rc
from console.review.queries import load_course, open_readonly
from tests.review.logged_session import LoggedSession, logged_session
from tests.review.test_vitals_beyond_range import MMHG, monitor_sends


def course_cells(s: LoggedSession) -> dict[str, str]:
    s.log.close()
    conn = open_readonly(s.log.path)
    try:
        [row] = load_course(conn, "MRN-7")
    finally:
        conn.close()
    return rc.course_cells(row, UTC)


def test_the_lowest_rr_below_the_monitors_range_reads_as_its_limit(tmp_path):
    s = logged_session(tmp_path)
    s.engine.device_state_changed("connected", s.clock.now())
    s.clock.advance(60)
    monitor_sends(s, "OBX|1|SN|RR^^local^9279-1&1^^LOINC||<^5|/min^^ISO+|||||F",
                  "OBX|2|SN|SpO2^^local^59408-5&1^^LOINC||<^50|%^^ISO+|||||F")
    cells = course_cells(s)
    assert (cells["min_rr"], cells["min_spo2"]) == ("<5 /min", "<50 %")


def test_a_measured_value_at_the_limit_does_not_hide_the_limit(tmp_path):
    # A measured 5, then "below 5": the lowest is below 5, whichever came first.
    s = logged_session(tmp_path)
    s.engine.device_state_changed("connected", s.clock.now())
    s.clock.advance(60)
    monitor_sends(s, "OBX|1|NM|RR^^local^9279-1&1^^LOINC||5|/min^^ISO+|||||F")
    s.clock.advance(1)
    monitor_sends(s, "OBX|1|SN|RR^^local^9279-1&1^^LOINC||<^5|/min^^ISO+|||||F")
    assert course_cells(s)["min_rr"] == "<5 /min"


def test_a_peak_above_the_monitors_range_reads_as_its_limit(tmp_path):
    s = logged_session(tmp_path)
    s.engine.device_state_changed("connected", s.clock.now())
    s.clock.advance(60)
    at = s.clock.now().wall.strftime("%Y%m%d%H%M%S+0000")
    monitor_sends(
        s,
        f"OBX|1|SN|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.1|>^250|{MMHG}|||||R|||{at}",
        f"OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.2|120|{MMHG}|||||R|||{at}",
    )
    cells = course_cells(s)
    assert cells["peak_systolic"] == ">250 at 1 min", cells["peak_systolic"]
    assert cells["peak_diastolic"] == "120 at 1 min"   # measured: no mark
