"""Render the central station with 20 fake chairs (tests/central/clinic.py) at 1366x768 and
1920x1080 into docs/screenshots/central-1366.png and central-1920.png, offscreen.

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
    return written


if __name__ == "__main__":
    for written in render(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(written)
