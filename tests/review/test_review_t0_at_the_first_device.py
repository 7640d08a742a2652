"""Esketamine, device 1 given 10 minutes after the nurse confirmed "Start Nasal devices (T0)".
The dose clock starts at the first device (README, "Esketamine"; the engine's `_first_dose`, the
REMS draft's `_DoseClock`), but the review's header and the PDF read "T0 (first dose) 09:05"
(the phase's start) beside "Discharged 11:15 (T0 + 130 min)" (the engine's count from the phase's
start) while the REMS draft said first device 09:15, 120 min: two T0s in one record (an
esketamine walk through the window). The header now names the first device's time and counts
the discharge from it; a log whose `minutes_from_t0` counts from the phase's start reads alike."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

from console.review.content import discharge_text, header_fields
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.session.helpers import START
from tests.session.test_esketamine_dose import ESKETAMINE, MIN, give
from tests.session.test_resume_as_live import NURSE, LoggedSession


def _header(tmp_path: Path, device_1_after_t0_min: float) -> dict[str, str]:
    """T0 at 5 min, the devices from T0 + `device_1_after_t0_min`, discharged 120 min after
    device 1: the review's header."""
    path = tmp_path / "sessions.sqlite3"
    log = EventLog.open(path, "test")
    try:
        s = LoggedSession(log, ESKETAMINE)
        s.engine.details["dose_mg"] = 56
        s.t(5 * MIN)
        assert s.engine.advance_phase(NURSE, s.now(), override_reason="test").done
        first = (5 + device_1_after_t0_min) * MIN
        give(s, first, 1, 2)
        assert s.engine.advance_phase(NURSE, s.now()).done
        s.t(first + 120 * MIN)
        assert s.engine.advance_phase(NURSE, s.now(), override_reason="test").done
        assert s.engine.discharge(NURSE, s.now(), override_reason="test").done
        sid = s.engine.session_id
    finally:
        log.close()
    conn = open_readonly(path)
    try:
        detail = load_session(conn, sid)
    finally:
        conn.close()
    fields = dict(header_fields(detail, UTC))
    assert fields["Discharged"].startswith(discharge_text(detail, UTC))
    return fields


def _hhmm(minutes: float) -> str:
    return f"{START + timedelta(minutes=minutes):%H:%M}"


def test_the_header_names_one_t0_the_first_device_with_its_discharge_minutes(
        tmp_path: Path) -> None:
    fields = _header(tmp_path, 10)
    assert (fields["T0 (first dose)"], fields["Discharged"]) == (
        _hhmm(15), f"{_hhmm(135)} (T0 + 120 min), against the discharge gate"), fields


def test_a_device_1_given_at_t0_leaves_t0_at_the_phase_start(tmp_path: Path) -> None:
    fields = _header(tmp_path, 0)
    assert (fields["T0 (first dose)"], fields["Discharged"]) == (
        _hhmm(5), f"{_hhmm(125)} (T0 + 120 min), against the discharge gate"), fields
