"""A chair with a pulse oximeter alone (a Masimo: SpO2 and pulse rate, no ECG): the bedside has
a Pulse tile and draws the pulse on its trend's HR · Pulse panel. The chair's status and trend
snapshot carry only bus_topics.VITALS (no pulse_rate): the central card reads "HR —" beside the
pulse alarm, and a station started or restarted later draws no pulse for the session so far."""
from __future__ import annotations

from console.network import bus_topics
from console.network.chair_status import TrendPoints, build_trend
from console.records import ObservationRecord
from protocols.model import Priority
from tests.central.helpers import Central, MemoryLog


def _oximeter_chair(central: Central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(60)
    chair.monitor({"spo2": 97, "pulse_rate": 132})
    for m in chair.new_pcd04s():
        central.deliver(m)
    central.deliver(chair.pcd01(chair.observations()))
    central.deliver(chair.status())
    return chair


def test_the_card_shows_the_pulse_the_bedside_shows():
    central = Central(MemoryLog())
    _oximeter_chair(central)
    card = central.card("chair-1")
    texts = {v.label: v.text for v in card.vitals}
    alarm = card.alarm.text if card.alarm else None
    assert "132" in texts.values(), (
        f"card vitals {texts}, alarm line {alarm!r}: the pulse 132 the bedside's tile shows is "
        "nowhere on the card")


def test_a_station_started_later_draws_the_oximeter_pulse():
    running = Central(MemoryLog())
    chair = _oximeter_chair(running)
    assert "pulse_rate" in running.board.trend("chair-1").series   # the running station has it
    rows = [(i + 1, r) for i, r in enumerate(chair.s.recorder.records)
            if isinstance(r, ObservationRecord)]
    sid = chair.s.engine.session_id
    points = TrendPoints(sid, chair.s.engine.started.wall).add(rows)
    snapshot = build_trend("chair-1", sid, running.now().wall, points)
    late = Central(MemoryLog(), clock=running.clock)
    late.deliver(chair.status())
    late.deliver((chair.topic("trend"), bus_topics.encode(snapshot)))
    series = late.board.trend("chair-1").series
    assert "spo2" in series
    assert "pulse_rate" in series, f"a restarted station draws {sorted(series)}: no pulse"


def test_the_pulse_takes_the_hr_place_on_a_card_at_20_chairs(qtbot):
    # 20 chairs at 1366x768; Room 1's monitor sends SpO2 and pulse alone from 9 min on (its
    # ECG leads off): after 30 s its card says "PR 132" (pulse rate) in the alarm's colour
    # where it said HR, in a place kept for it (nothing moves, no value shrinks); back to HR
    # once the ECG's heart rate comes again.
    from PySide6 import QtWidgets

    from console.ui.alarm_bar import COLOURS
    from console.ui.central_card import VALUE_PT
    from tests.central.clinic import busy_clinic
    from tests.central.test_window import window_for
    from tests.ui.tile_geometry import tile_problems

    central = Central(MemoryLog())
    chairs = busy_clinic(central)
    window = window_for(qtbot, central, (1366, 768))
    card = window.cards["chair-1"]
    size = card.size()
    assert (card.captions["HR"].text(), card.values["HR"].text()) == ("HR", "71")
    for s in range(9 * 60 + 5, 9 * 60 + 45, 5):
        central.t(s)
        chairs[1].monitor({"spo2": 97, "pulse_rate": 132})
        for n, chair in chairs.items():
            for m in chair.new_pcd04s() if chair.s is not None and n != 13 else ():
                central.deliver(m)
            if n not in (8, 13):
                central.deliver(chair.status())
    # Its protocol's pulse alarm (the clinic's: pulse ≥131 high; the test protocol has none),
    # as the chair marks the value in its status.
    topic, payload = chairs[1].status()
    status = bus_topics.decode(payload)
    assert status is not None and status["ecg_heart_rate"] is False
    status["vitals"]["pulse_rate"]["alarm"] = "high"
    central.deliver((topic, bus_topics.encode(status)))
    window.refresh()
    QtWidgets.QApplication.processEvents()
    assert (card.captions["HR"].text(), card.values["HR"].text()) == ("PR", "132")
    assert COLOURS[Priority.HIGH][0] in card.values["HR"].styleSheet()
    assert card.size() == size and tile_problems(card) == []
    assert card.values["HR"].font().pointSizeF() == VALUE_PT * card.scale
    # The ECG's heart rate again: HR in its place.
    central.t(9 * 60 + 50)
    chairs[1].monitor({"heart_rate": 84, "spo2": 97, "pulse_rate": 84})
    central.deliver(chairs[1].status())
    window.refresh()
    assert (card.captions["HR"].text(), card.values["HR"].text()) == ("HR", "84")
