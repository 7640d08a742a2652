"""PCD-01 after the station's clock is set back (NTP correcting a fast clock, logged as
`clock_stepped`: README "a fast clock set back"). The session's start was logged by the fast
clock, so every reading received after the step carries a wall time about 50 min before that
start. A value is none of the session's (trend_feed.py `before_the_session`) only when it was
already more than `STALE_MANUAL_SECONDS` old when it arrived (a monitor's last cuff, the previous
patient's): judged by its place alone, every reading after the step had been left out of the
PCD-01, and the interface engine had nothing of the session after it."""

from __future__ import annotations

from datetime import timedelta

from console.clock import Moment
from devices.reading import Reading
from protocols.vitals import metric
from tests.network.test_composer_state import Chair
from tests.network.test_pcd01_leaves_out_the_previous_patients_cuff import _last_id, _obx


def stepped_chair(chair: Chair) -> int:
    """Ten minutes into `chair`'s session NTP sets its clock back 60 min; then three messages
    of the monitor (SpO2 97, HR 72, 74, 76), 5 s apart. Returns the outbox's last row before
    them."""
    chair.t(9 * 60)
    now = chair.clock.now()
    # NTP: the fast clock set back an hour; the engine logs the step at its next tick.
    chair.clock._now = Moment(now.mono, now.wall - timedelta(minutes=60))
    chair.t(1)
    assert chair.log.conn.execute(
        "SELECT count(*) FROM events WHERE kind = 'clock_stepped'").fetchone()[0] == 1
    last = _last_id(chair)
    for hr in (72.0, 74.0, 76.0):
        chair.t(5)
        now = chair.clock.now()
        chair.engine.ingest_message([
            Reading("spo2", 97.0, metric("spo2").unit, now.wall, now.wall, "hl7:SIM"),
            Reading("heart_rate", hr, metric("heart_rate").unit, now.wall, now.wall, "hl7:SIM"),
        ], now)
    return last


def test_readings_after_the_clock_is_set_back_still_go_out_as_pcd01(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    last = stepped_chair(chair)
    # Each message's values, measured as they came: this patient's, whatever the clock read.
    sent = [value for _, value, _ in _obx(chair, last)]
    assert sent == ["97", "72", "97", "74", "97", "76"], sent
