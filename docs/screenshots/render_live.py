"""Render the live session window offscreen to PNG: a quiet session and one with alarms, at
1366×768 and 1920×1080. The session is scripted through the engine with a hand-moved clock.

    QT_QPA_PLATFORM=offscreen python docs/screenshots/render_live.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PySide6 import QtWidgets

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from console.clock import ManualClock  # noqa: E402
from console.session.engine import Patient, SessionEngine  # noqa: E402
from console.session.journal import Journal  # noqa: E402
from console.store import EventLog  # noqa: E402
from console.ui.controller import SessionController  # noqa: E402
from console.ui.live_window import LiveWindow  # noqa: E402
from devices.reading import Reading  # noqa: E402
from protocols.vitals import metric  # noqa: E402
from protocols.loader import builtin_protocols_dir, load_protocol  # noqa: E402

SIZES = {"1366x768": (1366, 768), "1920x1080": (1920, 1080)}


class _Yes:
    def confirm(self, message: str) -> bool:
        return True

    def ask(self, title: str, message: str) -> str:
        return "screenshot"


def _session(folder: Path, alarms: bool) -> tuple[LiveWindow, SessionController]:
    log = EventLog.open(folder / f"log-{alarms}.sqlite3", "screenshot")
    journal = Journal(log)
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    engine = SessionEngine.open(protocol, journal, Patient("MRN-2040", 72), "Ana Lima", clock.now(),
                                details={"device": "/dev/ttyUSB0", "format": "hl7"})
    engine.device_state_changed("connected", clock.now())
    for name, value in (("bp_systolic", 128), ("bp_diastolic", 82), ("moaas", 5), ("dissociation", 0)):
        engine.enter_manual(name, value, "Ana Lima", clock.now())
    for item in engine.phase.checklist:
        engine.tick_item(item.id, "Ana Lima", clock.now())
    clock.advance(300)
    engine.advance_phase("Ana Lima", clock.now())
    for second in range(0, 22 * 60, 5):
        clock.advance(5)
        now = clock.now()
        surge = alarms and second > 20 * 60
        values = {"heart_rate": 78 + second // 300, "pulse_rate": 78 + second // 300,
                  "spo2": 89 if surge else 97, "resp_rate": 15}
        if second % 180 == 0 or (surge and second % 60 == 0):
            values |= {"bp_systolic": 204 if surge else 130 + second // 120,
                       "bp_diastolic": 104 if surge else 82, "bp_mean": 137 if surge else 98}
        for name, value in values.items():
            engine.ingest(Reading(name, value, metric(name).unit, now.wall, now.wall, "hl7:MONITOR"), now)
    engine.tick(clock.now())
    controller = SessionController(engine, clock)
    window = LiveWindow(controller, journal, _Yes(), _Yes())
    return window, controller


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        for alarms, name in ((False, "live-quiet"), (True, "live-alarm")):
            window, controller = _session(Path(tmp), alarms)
            for size_name, size in SIZES.items():
                window.resize(*size)
                window.show()
                window.refresh()
                app.processEvents()
                suffix = "" if size_name == "1366x768" else f"-{size_name}"
                window.grab().save(str(out / f"{name}{suffix}.png"))
            controller.stop()
            window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
