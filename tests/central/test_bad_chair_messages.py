"""One chair's bad message never costs the station its other chairs, its banner or its tone.

Board.receive promises "a bad message is counted, never raised", and the station's rule is "a
bug is a technical alarm, never silence" (README). A code review found a status that receive
took but no card could draw (a NaN `elapsed_s`, a vital's time out of datetime's range): every
`cards()` raised, the window's refresh stopped at its first line on every tick, for all
chairs, and the "Central station fault" it raised was never shown nor sounded. A trend snapshot
with an empty point raised IndexError out of receive."""

from __future__ import annotations

import json

import pytest

from console.network import bus_topics
from console.ui.audio import AlarmSounder, RecordingAudioOut
from console.ui.central_window import CentralWindow
from console.ui.tones import HIGH
from tests.central.helpers import Central, MemoryLog
from tests.ui.conftest import Answers


def _room2_sounding_spo2(central: Central) -> None:
    """Room 2 in infusion with a high SpO2 alarm (88 %), shown and sounding."""
    good = central.chair("chair-2", "Room 2")
    good.start_infusion()
    central.t(60)
    central.deliver(good.status())
    good.device("spo2", 88)
    for message in good.new_pcd04s():
        central.deliver(message)
    central.deliver(good.status())


@pytest.mark.parametrize(("override", "reason"), [
    ({"session": {"elapsed_s": float("nan")}}, "elapsed_s is not a finite number"),
    ({"session": {"elapsed_s": float("inf")}}, "elapsed_s is not a finite number"),
    ({"vitals": {"heart_rate": {"value": 80, "at": "0001-01-01T00:00:00+05:00"}}},
     "'heart_rate' time '0001-01-01T00:00:00+05:00' is not a readable time"),
    ({"vitals": {"spo2": {"value": float("nan"), "at": None}}},
     "'spo2' value is not a finite number"),
    # Valid JSON, an integer no float can hold: it passed the float check, and every cards()
    # raised OverflowError from then on (a code review).
    ({"vitals": {"heart_rate": {"value": 10 ** 400, "at": None}}},
     "'heart_rate' value is too large for any number a card can draw (a 1329-bit integer)"),
    ({"session": {"elapsed_s": 10 ** 400}},
     "elapsed_s is too large for any number a card can draw (a 1329-bit integer)"),
], ids=["nan-elapsed", "infinite-elapsed", "vital-time-out-of-range", "nan-vital",
        "huge-integer-vital", "huge-integer-elapsed"])
def test_a_chairs_status_no_card_can_draw_is_ignored_and_the_other_chairs_still_show(
        override, reason):
    central = Central(MemoryLog())
    _room2_sounding_spo2(central)
    bad = central.chair("chair-1", "Room 1")
    bad.start_infusion()
    topic, payload = bad.status()
    obj = json.loads(payload)
    for key, value in override.items():
        obj[key] = {**(obj.get(key) or {}), **value}
    # Refused at receive, counted with its reason, like any bad message.
    central.deliver((topic, json.dumps(obj).encode()))
    assert central.board.ignored == 1
    assert reason in central.board.last_ignored
    # Every redraw of the window calls cards(): it still draws Room 2, its alarm on its card;
    # Room 1, never heard but for the refused status, has no card (refused, it changes nothing).
    cards = central.board.cards(central.now())
    assert [c.chair for c in cards] == ["chair-2"]
    assert cards[0].alarm is not None and "SpO2" in cards[0].alarm.text
    assert central.sounding() == "high"


def test_after_a_status_with_a_huge_integer_vital_the_other_chairs_card_shows_its_alarm(qtbot):
    """At the window: Room 2 sends HR 10**400 (a bug, a damaged message); then Room 1's SpO2
    drops to 84. Taken, the bad status made every refresh raise: every card frozen with what it
    last showed, Room 1's high alarm never on its card, "Central station fault" until a
    restart."""
    central = Central(MemoryLog())
    window = CentralWindow(central.board, central.clock, asker=Answers())
    qtbot.addWidget(window)
    first, second = (central.chair(f"chair-{n}", f"Room {n}") for n in (1, 2))
    for chair in (first, second):
        chair.start_infusion()
        central.deliver(chair.status())
    window.refresh(central.now())
    # Room 2's status with a heart rate no float can hold.
    topic, payload = second.status()
    obj = json.loads(payload)
    obj["vitals"]["heart_rate"] = {"value": 10 ** 400, "at": None}
    central.deliver((topic, json.dumps(obj).encode()))
    # Room 1: SpO2 84, high.
    central.t(2)
    first.device("spo2", 84)
    for message in first.new_pcd04s():
        central.deliver(message)
    central.deliver(first.status())
    window.refresh(central.now())   # raised OverflowError at every tick
    assert window.cards["chair-1"].alarm.full_text().startswith("*** SpO2 84")
    assert window.cards["chair-2"].view.connected   # its last good status still shown
    assert window.ignored.text() == "Ignored messages: 1"
    assert "too large for any number a card can draw" in window.ignored.toolTip()
    assert window.banner.line is None   # no station fault


def test_a_trend_with_an_empty_point_is_counted_not_raised():
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    bad = bus_topics.encode({"chair": "chair-1", "session": 1, "sent_at": "x",
                             "series": {"heart_rate": [[]]}})
    # Raised, this was the station's permanent high fault for one chair's retained snapshot.
    central.deliver((chair.topic("trend"), bad))
    assert central.board.ignored == 1
    assert "not [time, value]" in central.board.last_ignored


def test_a_bug_drawing_the_cards_still_shows_and_sounds_the_station_fault(qtbot, monkeypatch):
    central = Central(MemoryLog())
    out = RecordingAudioOut()
    window = CentralWindow(central.board, central.clock, sounder=AlarmSounder(out),
                           asker=Answers())
    qtbot.addWidget(window)
    quiet = central.chair("chair-1", "Room 1")   # in session, no alarm: nothing sounds
    quiet.start_infusion()
    central.deliver(quiet.status())
    window.refresh()
    assert out.last is None

    # A bug in the cards (any: the one found was a NaN no card could draw) at every redraw.
    def broken(now):
        raise ValueError("cannot convert float NaN to integer")

    monkeypatch.setattr(central.board, "cards", broken)
    # The fault handler does what app.py's on_fault does: the board takes the fault, redraw.
    central.board.station_fault("ValueError: cannot convert float NaN to integer")
    # The failure still goes on to the station's fault path (its handler dedupes repeats) ...
    with pytest.raises(ValueError, match="NaN"):
        window.refresh()
    # ... but only after the banner and the tone: the fault is shown and sounds high.
    assert window.banner.line is not None
    assert "Central station fault" in window.banner.line.text
    assert out.last == HIGH


@pytest.mark.parametrize(("topic", "reason"), [
    ("infusion/chair/chair-1/alarm",
     "unknown kind 'alarm' (known: status, pcd01, pcd04, trend, command, confirm)"),
    (f"infusion/chair/{'c' * 33}/status",
     f"chair name '{'c' * 33}' is not 1-32 letters, digits, '_' or '-'"),
    ("infusion/chair/chair-1/status/extra", "not infusion/chair/<chair>/<kind>"),
    ("infusion/elsewhere", "not under infusion/chair/"),
])
def test_a_topic_the_station_cannot_take_is_named_for_what_is_wrong(topic, reason):
    # A newer console or a foreign tool writes infusion/chair/chair-1/alarm: the status line's
    # tooltip said "not a chair topic under infusion/", sending the clinic's IT to the prefix.
    central = Central(MemoryLog())
    central.board.receive(topic, b"{}", central.now())
    assert central.board.ignored == 1
    assert central.board.last_ignored == f"{topic}: {reason}"
