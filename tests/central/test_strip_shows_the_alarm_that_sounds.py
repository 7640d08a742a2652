"""The trend's strip shows the alarm that sounds, not one just acknowledged here.

A trend open over the grid; Room 2's SpO2 86 (high) sounds, then Room 20's SpO2 87 (high,
newer) takes the strip. The nurse presses Acknowledge (F2) on the strip: Room 20 is "ack sent…"
and silent here. The strip still showed Room 20, now with no Acknowledge, while Room 2's high
sounded, counted only as "+1 more: 1 high"; F2 on the trend said "Room 20: nothing to
acknowledge (ack sent…)" under Room 2's tone (a review). `Board.in_sight` ranked chair alarms by
the chair's state alone; at one priority, an alarm that sounds here now comes first, as F2's
`highest_chair` and the banner choose."""

from __future__ import annotations

from tests.central.helpers import Central, MemoryLog


def test_the_strip_shows_the_high_alarm_that_sounds_not_one_acknowledged_here():
    central = Central(MemoryLog())
    chairs = {}
    for n in (1, 2, 20):
        chair = central.chair(f"chair-{n}", f"Room {n}")
        chair.start_infusion()
        chair.monitor({"heart_rate": 80, "spo2": 97, "resp_rate": 14})
        central.deliver(chair.status())
        chairs[n] = chair

    def step(t):
        central.t(t)
        for chair in chairs.values():
            for message in chair.new_pcd04s():
                central.deliver(message)
            central.deliver(chair.status())

    # 5 s: Room 2's SpO2 86 sounds; 8 s: Room 20's SpO2 87, newer, takes Room 1's trend strip.
    chairs[2].device("spo2", 86)
    step(5)
    chairs[20].device("spo2", 87)
    step(8)
    shown = central.board.in_sight(central.now(), viewing="chair-1")
    assert shown.chair == "chair-20" and shown.can_acknowledge
    # F2 on the strip: the window acknowledges the strip's alarm as drawn.
    central.board.acknowledge("chair-20", "B. Central", central.now(), shown.target)
    now = central.now()
    assert central.sounding() == "high"          # Room 2 sounds on
    shown = central.board.in_sight(now, viewing="chair-1")
    assert (shown.chair, shown.can_acknowledge) == ("chair-2", True), (
        f"the strip shows {shown.headline()!r} ({shown.line.note}, Acknowledge "
        f"{'shown' if shown.can_acknowledge else 'hidden'}, {shown.more()}) while Room 2's "
        "high alarm sounds")
    assert shown.more() == "+1 more: 1 high"
    # 9 s: the chairs' next statuses (Room 20's acknowledgement not yet confirmed there): the
    # strip stays on the alarm that sounds.
    step(9)
    shown = central.board.in_sight(central.now(), viewing="chair-1")
    assert (shown.chair, shown.line.sounding) == ("chair-2", True)
