"""An unseen high "Respiratory rate 7", then no rate at all: the bedside's alarm reads "No
respiratory rate for 20 s" at the same priority, and so does the central: a PCD-04 update of
the same alarm, still active and sounding, in the absence's words."""

from __future__ import annotations

from console.network.pcd_read import read_pcd04
from tests.network.test_composer_state import Chair


def test_rr7_gone_to_an_apnoea_is_an_update_in_the_apnoeas_words(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    chair.engine.device_state_changed("connected", chair.clock.now())
    chair.device("resp_rate", 7)   # high
    chair.t(1)
    rr = chair.occurrence("resp_rate_low")
    chair.seen = 0
    for _ in range(20):            # nothing more from the monitor
        chair.t(1)
    rows = chair.log.conn.execute(
        "SELECT message FROM outbox WHERE kind = 'pcd04' ORDER BY id").fetchall()
    sent = [(r.occurrence, r.phase.value, r.state.value, r.inactivation.value, r.priority,
             r.text) for r in (read_pcd04(m) for (m,) in rows)]
    assert [s for s in sent if s[0] == rr][-1] == (
        rr, "update", "active", "enabled", "high", "No respiratory rate for 20 s")
