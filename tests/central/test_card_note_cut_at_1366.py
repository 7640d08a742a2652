"""20 chairs at 1366x768: a chair's SpO2 85 went latched (over at the chair, nobody saw it), the
central nurse silenced it here, and its HR 125 now sounds. The card draws the SpO2 85 in red,
flashing, the button "Ack ** HR 125/min", and its note "+1 more · latched: silenced here, reset
at the chair" read "+1 more · lat…": that the red SpO2 line is a past excursion, silenced here
and reset only at the chair, was nowhere on screen (tooltip only). The alarm's line says
"(latched)" as the bedside does, with the count; the note beside the button says the rest."""
from __future__ import annotations

from PySide6 import QtWidgets

from tests.central.clinic import busy_clinic
from tests.central.helpers import Central, MemoryLog
from tests.central.test_window import window_for


def test_the_latched_note_is_read_whole_at_20_chairs(qtbot):
    central = Central(MemoryLog())
    chairs = busy_clinic(central)
    c = chairs[3]
    t = 9 * 60

    def step(values, dt=2):
        nonlocal t
        t += dt
        central.t(t)
        c.monitor(values)
        for m in c.new_pcd04s():
            central.deliver(m)
        for n, other in chairs.items():
            if n not in (8, 13):
                central.deliver(other.status())

    for _ in range(3):
        step({"spo2": 85, "heart_rate": 80, "resp_rate": 14})
    for _ in range(3):
        step({"spo2": 97, "heart_rate": 80, "resp_rate": 14})
    window = window_for(qtbot, central, (1366, 768))
    window.nurse.setText("B. Central")
    window.acknowledge("chair-3")
    assert window.message.full_text().endswith("silenced here; a latched alarm is reset at the chair")
    for _ in range(43):
        step({"spo2": 97, "heart_rate": 125, "resp_rate": 14}, dt=5)
    window.refresh()
    QtWidgets.QApplication.processEvents()
    card = window.cards["chair-3"]
    assert card.alarm.full_text().startswith("*** SpO2 85") and card.flashing()
    assert card.ack_button.isVisible() and card.ack_button.text() == "Ack ** HR 125/min"
    # Latched on the alarm's line, as the bedside says it, with the count of the others; what
    # this station did beside it, whole.
    shown = card.alarm.text.text().replace("\n", " ")
    assert "(latched)" in shown and "+1 more" in shown and not card.alarm.text.cut, shown
    assert card.note.full_text() == "silenced here"
    assert not card.note.is_cut(), f"the note reads {card.note.text()!r} on screen"
    assert central.card("chair-3").alarm.note == "latched · silenced here"
