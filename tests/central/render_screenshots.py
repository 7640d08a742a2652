"""Render the central station with 20 fake chairs (tests/central/clinic.py) at 1366x768 and
1920x1080 into docs/screenshots/central-1366.png and central-1920.png, and room 1's trend open
over the grid at 1366x768 into central-trend-1366.png, offscreen.

    QT_QPA_PLATFORM=offscreen python -m tests.central.render_screenshots [folder]

The afternoon it shows: quiet chairs in several phases, a high SpO2 alarm (room 2, flashing),
a medium BP alarm acknowledged at the bedside (room 5, steady), a medium HR alarm (room 7), a
monitor unplugged (room 9: its values grey), a chair without session (room 11), a quiet room on
soft bedside tones (room 12), two without connection (room 8's Last Will, room 13 silent for
more than 10 s: also the station's own banner), an acknowledgement sent from the central and
not yet confirmed (room 15), two alarms at one chair (room 17). Alarm lines are drawn in their
full-colour phase.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6 import QtWidgets

from console.ui import theme
from console.ui.central_window import CentralWindow
from tests.central.clinic import busy_clinic
from tests.central.helpers import Central, MemoryLog

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def render(folder: Path = OUT) -> list[Path]:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    assert isinstance(app, QtWidgets.QApplication)
    theme.apply(app, theme.LIGHT)
    central = Central(MemoryLog())
    busy_clinic(central)
    central.board.set_bus(True, "Connected to mqtts://broker.clinic:8883 as central-desk",
                          central.now())
    written = []
    for width, height, name in ((1366, 768, "central-1366.png"), (1920, 1080, "central-1920.png")):
        window = CentralWindow(central.board, central.clock, title="Central station desk")
        window.nurse.setText("B. Central")
        window.resize(width, height)
        window.show()
        for _ in range(3):
            app.processEvents()
        window.tick = 0   # the full-colour phase of every flashing line
        window.refresh()
        app.processEvents()
        path = folder / name
        window.grab().save(str(path))
        written.append(path)
        window.close()
    written.append(render_trend(app, folder))
    return written


def render_trend(app: QtWidgets.QApplication, folder: Path) -> Path:
    """Room 1's trend over the grid at 1366x768: its first 9 minutes from the retained snapshot
    (HR, SpO2, RR each 10 s, an NIBP every 3 minutes) under the strip that keeps the clinic's
    highest alarm (room 2's SpO2) in sight. The dialog is drawn where it opens over the window."""
    from PySide6 import QtGui

    from console.network import bus_topics

    central = Central(MemoryLog())
    chairs = busy_clinic(central)
    central.board.set_bus(True, "Connected to mqtts://broker.clinic:8883 as central-desk",
                          central.now())
    chair = chairs[1]
    assert chair.s is not None
    start = chair.s.now().wall.timestamp() - 9 * 60
    seconds = range(0, 9 * 60, 10)
    series = {"heart_rate": [[start + t, 72 + 6 * (t > 200) + (t // 10) % 3] for t in seconds],
              "pulse_rate": [[start + t, 72 + 6 * (t > 200) + (t // 10) % 2] for t in seconds],
              "spo2": [[start + t, 98 - (t // 10) % 2] for t in seconds],
              "resp_rate": [[start + t, 14 + (t // 30) % 2] for t in seconds]}
    for name, values in (("bp_systolic", (126, 134, 142)), ("bp_diastolic", (78, 84, 88)),
                         ("bp_mean", (94, 101, 106))):
        series[name] = [[start + 180 * k + 5, v] for k, v in enumerate(values)]
    snapshot = {"chair": "chair-1", "session": chair.s.engine.session_id,
                "sent_at": chair.s.now().wall.isoformat(), "series": series}
    central.deliver((chair.topic("trend"), bus_topics.encode(snapshot)))
    window = CentralWindow(central.board, central.clock, title="Central station desk")
    window.nurse.setText("B. Central")
    window.resize(1366, 768)
    window.show()
    for _ in range(3):
        app.processEvents()
    window.tick = 0
    window.refresh()
    dialog = window.open_trend("chair-1")
    # Sized as on a 1366x768 screen (the offscreen screen is smaller), centred over the grid as
    # a window manager places it.
    dialog.resize(1200, int(768 * 0.9))
    for _ in range(5):
        app.processEvents()
    image = window.grab()
    painter = QtGui.QPainter(image)
    painter.drawPixmap((1366 - dialog.width()) // 2, (768 - dialog.height()) // 2, dialog.grab())
    painter.end()
    path = folder / "central-trend-1366.png"
    image.save(str(path))
    dialog.close()
    window.close()
    return path


if __name__ == "__main__":
    for written in render(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(written)
