"""What a chair sends is drawn as it sent it on the central station: its room, its patient's
label, its alarm's words and its Last Will's reason, on the card, the banner, the trend and on
hover. Qt's QLabel took a text that looks like HTML for markup: two chairs in "Bay <A>" and
"Bay <B>" both read "Bay " (each letter a tag), and the nurse could not tell which bay
sounded (a review)."""

from __future__ import annotations

import json

from PySide6 import QtWidgets

from tests.central.helpers import Central, MemoryLog
from tests.central.test_window import window_for
from tests.drawn_text import drawn, hovered


def _bays(central: Central):
    """Bay <A> and Bay <B> in infusion; Bay <B>'s patient "<i>K-0042</i>" with a high alarm
    whose words look like markup."""
    a = central.chair("chair-1", "Bay <A>")
    b = central.chair("chair-2", "Bay <B>", patient="<i>K-0042</i>")
    for chair in (a, b):
        chair.start_infusion()
        central.deliver(chair.status())
    topic, payload = b.status()
    obj = json.loads(payload)
    obj["alarms"] = [{"priority": "high", "occurrence": 1, "state": "active",
                      "category": "physiological", "text": "SpO2 <b>84</b> %, limit <u>≤90</u>",
                      "raised_at": obj["sent_at"]}]
    central.board.receive(topic, json.dumps(obj).encode(), central.now())
    assert central.board.ignored == 0
    return a, b


def test_two_bays_with_a_letter_in_angle_brackets_are_told_apart_on_their_cards(qtbot):
    central = Central(MemoryLog())
    _bays(central)
    window = window_for(qtbot, central)
    a, b = window.cards["chair-1"], window.cards["chair-2"]
    assert (drawn(a.room), drawn(b.room)) == ("Bay <A>", "Bay <B>")
    assert (hovered(a.room), hovered(b.room)) == ("Bay <A>", "Bay <B>")
    assert drawn(b.info).startswith("<i>K-0042</i> · ")
    # The alarm's words as the chair sent them, with the priority's marks.
    assert drawn(b.alarm.text) == "*** SpO2 <b>84</b> %, limit <u>≤90</u>"
    assert hovered(b.alarm.text) == "*** SpO2 <b>84</b> %, limit <u>≤90</u>"


def test_the_trend_names_the_bay_and_patient_as_sent(qtbot):
    central = Central(MemoryLog())
    _bays(central)
    window = window_for(qtbot, central)
    dialog = window.open_trend("chair-2")
    qtbot.waitExposed(dialog)
    assert drawn(dialog.title).startswith("Bay <B> · <i>K-0042</i>: the session's trend")
    # From Bay <A>'s trend, the strip names Bay <B>'s alarm as sent.
    other = window.open_trend("chair-1")
    other.resize(1300, 700)
    qtbot.waitExposed(other)
    other.strip_timer.timeout.emit()
    QtWidgets.QApplication.processEvents()
    assert drawn(other.elsewhere) == "*** Bay <B>: SpO2 <b>84</b> %, limit <u>≤90</u>"


def test_a_lost_bay_and_its_will_are_named_as_sent(qtbot):
    central = Central(MemoryLog())
    _, b = _bays(central)
    window = window_for(qtbot, central)
    # Bay <B>'s console goes: its Last Will gives a reason that looks like markup.
    topic, payload = b.will()
    will = {**json.loads(payload), "reason": "<b>power</b> lost"}
    central.board.receive(topic, json.dumps(will).encode(), central.now())
    assert central.board.ignored == 0
    central.t(5)
    window.refresh()
    card = window.cards["chair-2"]
    assert "<b>power</b> lost" in drawn(card.offline_detail)
    assert "<b>power</b> lost" in hovered(card)
    # The banner sends the nurse to Bay <B>.
    assert "Bay <B>" in drawn(window.banner.text), drawn(window.banner.text)
