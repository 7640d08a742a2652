"""20 chairs at 1366x768, the station's bus down while Room 2's SpO2 88 (high) is open: the one
bus alarm is high because of that chair and names it, after the bus line's words ("Central
station not connected to the clinic bus (<the status line>); Room 2: last heard with *** SpO2
88 %…"). The status line holds the broker's whole sentence: the banner, elided at its end,
shows a red flashing bus message and never which chair's alarm it stands for."""
from __future__ import annotations

from PySide6 import QtWidgets

from console.central.app import bus_line
from console.network.mqtt_bus import BusState, BusStatus
from tests.central.clinic import busy_clinic
from tests.central.helpers import Central, MemoryLog
from tests.central.test_window import window_for


def test_the_bus_alarm_banner_keeps_the_chair_it_names_in_sight(qtbot):
    central = Central(MemoryLog())
    busy_clinic(central)
    window = window_for(qtbot, central, (1366, 768))
    receiving, text = bus_line(BusStatus(
        BusState.DISCONNECTED,
        "cannot connect to the broker mqtts://broker.clinic.lan:8883: connection refused (is "
        "the broker running and listening on that port?); retrying", 0.0, 3, None))
    assert not receiving
    central.board.set_bus(False, text, central.now())
    central.t(9 * 60 + 12)   # Room 2's last status is now 12 s old: unheard
    window.refresh()
    QtWidgets.QApplication.processEvents()
    banner = window.banner.text
    assert "Room 2: last heard with *** SpO2 88" in banner.full_text()
    assert window.banner.line is not None and window.banner.line.priority.label == "high"
    assert "SpO2 88" in banner.text(), f"the banner reads {banner.text()!r}"
    # Nothing of it is cut: the broker's sentence is the status line's, whole there.
    assert not banner.is_cut(), banner.text()
    assert window.bus_label.full_text() == text
