"""The console's link composes with its log (console/network/link.py): a value entered in error is
withdrawn (a PCD-01 posting it as wrong, OBX-11 W, composer.py) by the composer the console
runs, not only by one a test wires up."""

from __future__ import annotations

from pathlib import Path

from console.clock import ManualClock
from console.network.config import NetworkConfig
from console.network.link import NetworkLink
from console.network.pcd import segments
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from console.store.outbox import OutboxHooks
from tests.network.test_link import STATION
from tests.session.helpers import START, iv_protocol


def test_the_consoles_link_withdraws_a_value_entered_in_error(tmp_path: Path) -> None:
    clock = ManualClock(START)
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    # Its composer on the log, as `start` attaches it (no transport needed to fill the outbox).
    link = NetworkLink(NetworkConfig(forward="mllp://127.0.0.1:9", chair="chair-3"), log, clock,
                       station=STATION)
    log.attach_outbox(OutboxHooks(link.composer, lambda rows: None, _fail))
    engine = SessionEngine.open(iv_protocol(), log, Patient("P-001", 70.0), "nurse.ana",
                                clock.now())
    _, typo = engine.enter_manual_row("bp_systolic", 250, "nurse.ana", clock.now())
    assert typo is not None
    clock.advance(5)
    assert engine.void(typo, "bp_systolic", "nurse.ana", clock.now(), "typed 250").done
    statuses = [(seg[5], seg[11]) for (m,) in log.conn.execute(
        "SELECT message FROM outbox WHERE kind = 'pcd01' ORDER BY id")
        for seg in segments(m) if seg[0] == "OBX" and "NONINV_SYS" in seg[3]]
    assert statuses == [("250", "F"), ("250", "W")]
    log.close()


def _fail(exc: BaseException) -> None:
    raise AssertionError(f"the composer failed: {exc}")
