"""After a restart the composer learns a session's open alarms from the log, then folds each
transition it composes. The log it first reads is read inside the write transaction, which
already holds the rows being composed: folded twice, a typo's escalation forgot what it
escalated from, and taken back it went out sounding (`enabled`) while the bedside showed the
alarm acknowledged, silent; the central sounded it and its Acknowledge was refused by the chair.

The composer is the link's own (its history read from the log), on a real log."""

from __future__ import annotations

from pathlib import Path

from console.clock import ManualClock
from console.network.config import NetworkConfig
from console.network.link import NetworkLink
from console.network.pcd_read import read_pcd04
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from console.store.outbox import OutboxHooks
from tests.network.test_link import STATION, resumed
from tests.session.helpers import START, iv_protocol

NURSE = "nurse.ana"


def attach(log: EventLog, clock: ManualClock) -> None:
    """The link's composer on the log, as `NetworkLink.start` attaches it (no transports)."""
    link = NetworkLink(NetworkConfig(forward="mllp://127.0.0.1:9", chair="chair-3"), log, clock,
                       station=STATION)

    def fail(exc: BaseException) -> None:
        raise AssertionError(f"the composer failed: {exc}")

    log.attach_outbox(OutboxHooks(link.composer, lambda _rows: None, fail))


def sent(log: EventLog, occurrence: int) -> list[tuple[str, str]]:
    """(phase, inactivation) of the PCD-04s of `occurrence` in the outbox, oldest first."""
    reports = (read_pcd04(m) for (m,) in log.conn.execute(
        "SELECT message FROM outbox WHERE kind = 'pcd04' ORDER BY id"))
    return [(r.phase.value, r.inactivation.value) for r in reports if r.occurrence == occurrence]


def bp_state(engine: SessionEngine) -> list[str]:
    return [o.state.value for o in engine.alarms() if o.condition == "bp_systolic_high"]


def test_after_a_restart_a_typo_escalation_taken_back_is_sent_acknowledged(tmp_path: Path) -> None:
    clock = ManualClock(START)
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test")
    attach(log, clock)
    engine = SessionEngine.open(iv_protocol(), log, Patient("P-001", 70.0), NURSE, clock.now())
    for name, value in (("bp_systolic", 120), ("bp_diastolic", 80), ("heart_rate", 70)):
        engine.enter_manual(name, value, NURSE, clock.now(), False)
    for item in ("consent", "baseline_bp"):
        assert engine.tick_item(item, NURSE, clock.now(), gate_decision="Dr Lee: proceed").done
    assert engine.advance_phase(NURSE, clock.now()).done
    clock.advance(60)
    engine.tick(clock.now())
    engine.enter_manual("bp_systolic", 185, NURSE, clock.now(), False)   # medium
    bp = next(o.id for o in engine.alarms() if o.condition == "bp_systolic_high")
    assert engine.acknowledge(bp, NURSE, clock.now()).done
    session_id = engine.session_id
    log.close()

    clock.advance(30)   # the console restarts and resumes the session
    log = EventLog.open(path, "test")
    attach(log, clock)
    engine = resumed(log, session_id, clock)
    assert bp_state(engine) == ["acknowledged"]
    clock.advance(5)
    engine.tick(clock.now())
    _, typo = engine.enter_manual_row("bp_systolic", 250, NURSE, clock.now())   # high: sounds
    assert typo is not None
    assert sent(log, bp)[-1] == ("update", "enabled")
    clock.advance(5)
    assert engine.void(typo, "bp_systolic", NURSE, clock.now(), "typed 250").done
    assert bp_state(engine) == ["acknowledged"]   # the bedside: silent again
    assert sent(log, bp)[-1] == ("update", "alert-acknowledged")   # and the network says so
    log.close()
