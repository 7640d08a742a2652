"""Render the live session window offscreen to PNG, at 1366×768 and 1920×1080:

- live-quiet: 27 minutes of a calm infusion;
- live-alarm: the same session with a hypertensive surge (systolic 204, diastolic 118, heart
  rate up, a short desaturation): several alarms at once;
- live-4h: four hours of a session (infusion, surge, observation), the panels on the last 15
  minutes and the whole session in the strip above them;
- trend.png: the trend alone over that whole 4-hour session (its "Whole session" view);
- live-alarm-light / live-alarm-dim: two high alarms (systolic 204, SpO2 89) and one technical
  alarm (audio unavailable) and nothing else, in the light and the dim theme (console/ui/theme.py);
- live-ended: a quiet session after its discharge: read-only, with "New session".

Each session is scripted through the engine into a real log with a hand-moved clock; the monitor
sends continuous values every 5 s and an NIBP every 3 minutes, 40 s after its measurement (so the
bars stand at the measured time, not at the arrival).

    QT_QPA_PLATFORM=offscreen python docs/screenshots/render_live.py [OUT_DIR] [NAME ...]

NAME limits the run to those screenshots (e.g. live-alarm-light live-alarm-dim).
"""

from __future__ import annotations

import math
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6 import QtWidgets

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from console.clock import ManualClock  # noqa: E402
from console.session.engine import Patient, SessionEngine  # noqa: E402
from console.session.journal import Journal  # noqa: E402
from console.store import EventLog  # noqa: E402
from console.ui import theme  # noqa: E402
from console.ui.controller import SessionController  # noqa: E402
from console.ui.live_window import LiveWindow  # noqa: E402
from devices.reading import Reading  # noqa: E402
from protocols.loader import builtin_protocols_dir, load_protocol  # noqa: E402
from protocols.vitals import metric  # noqa: E402

SIZES = {"1366x768": (1366, 768), "1920x1080": (1920, 1080)}
NURSE = "Ana Lima"
MONITOR = "hl7:MONITOR"
NIBP_DELAY_S = 40   # a cuff determination reaches the console this long after its measured time


class _Yes:
    def confirm(self, message: str) -> bool:
        return True

    def ask(self, title: str, message: str) -> str:
        return "screenshot"

    def agree(self, title: str, message: str, action: str) -> bool:
        return True


def _surge(minute: float, peak_at: float) -> float:
    """0..1: the hypertensive surge, rising from 8 min before `peak_at` and easing over 20 min."""
    if minute < peak_at - 8:
        return 0.0
    if minute < peak_at:
        return (minute - (peak_at - 8)) / 8
    return math.exp(-((minute - peak_at) / 12) ** 2)


def _monitor(engine: SessionEngine, clock: ManualClock, seconds: int, surge_at: float | None,
             start_minute: float, heart_rise: float = 40, diastolic_rise: float = 36,
             sedation_every_s: int = 900) -> None:
    """`seconds` of a monitor: values every 5 s, NIBP every 3 min; the surge adds up to
    `heart_rise` /min and `diastolic_rise` mmHg; MOAA/S typed every `sedation_every_s`."""
    for second in range(0, seconds, 5):
        clock.advance(5)
        now = clock.now()
        minute = start_minute + second / 60
        s = _surge(minute, surge_at) if surge_at is not None else 0.0
        desat = surge_at is not None and surge_at - 1 <= minute < surge_at + 2
        values = {"heart_rate": round(78 + heart_rise * s), "pulse_rate": round(78 + heart_rise * s),
                  "spo2": 89 if desat else 97, "resp_rate": 15 if s < 0.5 else 18}
        readings = [Reading(n, v, metric(n).unit, now.wall, now.wall, MONITOR) for n, v in values.items()]
        if second % 180 == 175:
            measured = now.wall - timedelta(seconds=NIBP_DELAY_S)
            bp = {"bp_systolic": round(130 + 74 * s), "bp_diastolic": round(82 + diastolic_rise * s),
                  "bp_mean": round(98 + 48 * s)}
            readings += [Reading(n, v, "mmHg", measured, now.wall, MONITOR) for n, v in bp.items()]
        engine.ingest_message(readings, now)
        if second % sedation_every_s == sedation_every_s * 2 // 3:
            engine.enter_manual("moaas", 4 if s > 0.3 else 5, NURSE, now)
        engine.tick(now)


def _session(folder: Path, name: str, surge_at: float | None, hours: float,
             two_high_one_technical: bool = False,
             ended: bool = False) -> tuple[LiveWindow, SessionController, EventLog]:
    """A session scripted through the engine. `two_high_one_technical`: a surge that raises
    exactly two high alarms (systolic, SpO2; heart rate and diastolic stay under their limits,
    MOAA/S is typed on time) and the speaker fails (a steady technical alarm)."""
    log = EventLog.open(folder / f"log-{name}.sqlite3", "screenshot")
    journal = Journal(log)
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    engine = SessionEngine.open(protocol, journal, Patient("MRN-2040", 72), NURSE, clock.now(),
                                details={"device": "/dev/ttyUSB0", "format": "hl7"})
    engine.device_state_changed("connected", clock.now())
    for vital, value in (("bp_systolic", 128), ("bp_diastolic", 82), ("moaas", 5), ("dissociation", 0)):
        engine.enter_manual(vital, value, NURSE, clock.now())
    for item in engine.phase.checklist:
        engine.tick_item(item.id, NURSE, clock.now())
    clock.advance(300)
    engine.advance_phase(NURSE, clock.now())   # T0 at minute 5
    total = int(hours * 3600) - 300
    infusion = min(total, 40 * 60)
    shape = ({"heart_rise": 20, "diastolic_rise": 18, "sedation_every_s": 600}
             if two_high_one_technical else {})
    if two_high_one_technical:
        engine.audio_status(False, clock.now(), "no sound server: QSoundEffect could not open the "
                                                "default output device")
    _monitor(engine, clock, infusion, surge_at, 5.0, **shape)
    if total > infusion:
        for item in engine.phase.checklist:
            engine.tick_item(item.id, NURSE, clock.now())
        engine.advance_phase(NURSE, clock.now())   # observation
        _monitor(engine, clock, total - infusion, surge_at, 45.0)
    if ended:   # the observation and discharge phases, then the discharge (the prescriber's word)
        while engine.phase.kind.value != "discharge":
            engine.advance_phase(NURSE, clock.now(), override_reason="screenshot: on to discharge")
        clock.advance(60)
        engine.discharge(NURSE, clock.now(), override_reason="screenshot: discharged by Dr Lee")
    controller = SessionController(engine, clock)
    window = LiveWindow(controller, journal, _Yes(), _Yes())
    return window, controller, log


# name: (surge at minute, hours, two high alarms and one technical only, theme, ended)
SCENARIOS: dict[str, tuple[float | None, float, bool, theme.Theme, bool]] = {
    "live-quiet": (None, 27 / 60, False, theme.LIGHT, False),
    "live-alarm": (26.0, 27 / 60, False, theme.LIGHT, False),
    "live-4h": (38.0, 4.0, False, theme.LIGHT, False),
    "live-alarm-light": (26.0, 27 / 60, True, theme.LIGHT, False),
    "live-alarm-dim": (26.0, 27 / 60, True, theme.DIM, False),
    "live-ended": (None, 27 / 60, False, theme.LIGHT, True),
}


def main() -> int:
    args = sys.argv[1:]
    out = Path(args.pop(0)) if args and args[0] not in SCENARIOS else Path(__file__).resolve().parent
    unknown = [a for a in args if a not in SCENARIOS]
    if unknown:
        print(f"render_live.py: unknown screenshot {', '.join(unknown)}; known: {', '.join(SCENARIOS)}",
              file=sys.stderr)
        return 2
    existing = QtWidgets.QApplication.instance()
    app = existing if isinstance(existing, QtWidgets.QApplication) else QtWidgets.QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        for name, (surge_at, hours, two_high_one_technical, look, ended) in SCENARIOS.items():
            if args and name not in args:
                continue
            theme.apply(app, look)   # before the window is built, as the console does
            window, controller, log = _session(Path(tmp), name, surge_at, hours,
                                               two_high_one_technical, ended)
            for size_name, size in SIZES.items():
                window.resize(*size)
                window.show()
                window.refresh()
                app.processEvents()
                suffix = "" if size_name == "1366x768" else f"-{size_name}"
                window.grab().save(str(out / f"{name}{suffix}.png"))
            if name == "live-4h":
                trend = window.trend
                trend.set_view("whole")
                app.processEvents()
                trend.grab().save(str(out / "trend.png"))
            controller.stop()
            window.close()
            log.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
