"""20 chairs at 1366x768: a card's second line puts a silent or unplugged monitor, and a quiet
room's soft tones, right after the patient, so that the protocol's name gives way (README). A
patient shown by a longer identifier (the clinic's own 20-letter pseudonym) pushed them to the
line's end, where it was cut: "Pseudonym Blue Heron · Monitor disc…", the grey values then read
as a quiet chair, "soft bedside tones" gone (a review). The patient's label and the protocol give
way; the monitor's and the sound's states never do."""
from __future__ import annotations

from PySide6 import QtGui, QtWidgets

from console.ui.central_card import info_parts
from console.ui.elided_label import given_way
from tests.central.clinic import busy_clinic
from tests.central.helpers import Central, MemoryLog
from tests.central.test_window import window_for

LONG_PATIENT = "Pseudonym Blue Heron"


def test_the_monitor_and_sound_states_stay_in_sight_beside_a_long_patient_label(qtbot):
    central = Central(MemoryLog())
    chairs = busy_clinic(central)
    for n in (9, 12):   # Room 9's monitor unplugged; Room 12 a quiet room on soft tones
        chairs[n].patient = LONG_PATIENT
        central.deliver(chairs[n].status(audio="quiet" if n == 12 else "full"))
    window = window_for(qtbot, central, (1366, 768))
    window.refresh()
    QtWidgets.QApplication.processEvents()
    for name, state in (("chair-9", "Monitor disconnected"), ("chair-12", "soft bedside tones")):
        info = window.cards[name].info
        assert info.full_text().startswith(f"{LONG_PATIENT} · {state}")
        shown = info.text()
        assert state in shown, f"{name}'s card reads {shown!r}"
        # The patient is still there to read, cut at its end if it must be.
        assert shown.startswith(LONG_PATIENT[:9]), shown


def test_a_patient_label_left_out_takes_its_separator_with_it(qtbot):
    central = Central(MemoryLog())
    chairs = busy_clinic(central, count=9)
    chairs[9].patient = LONG_PATIENT
    central.deliver(chairs[9].status())
    parts = info_parts(central.card("chair-9"))
    metrics = QtGui.QFontMetrics(QtWidgets.QApplication.font())
    # Room for the monitor's state alone: the protocol, the phase and the patient are left out
    # whole, each with its separator.
    width = metrics.horizontalAdvance("Monitor disconnected")
    assert given_way(parts, width, metrics) == ("Monitor disconnected", True)
    # With more room, the patient is cut at its end, its separator kept.
    line, fits = given_way(parts, width + metrics.horizontalAdvance("Pseudo… · "), metrics)
    assert fits and line.startswith("Pseud") and line.endswith("… · Monitor disconnected")
