"""The trend's strip shows the highest open alarm of the clinic, a silenced station alarm
included (README: "the highest open alarm of the whole clinic, the station's own included").

Room 1's console dies with its SpO2 high open: the high station alarm "Room 1: no connection to
the chair". The charge nurse silences it here; it is still open (the chair is still lost). The
speaker fails (a low station alarm that sounds) and Room 2 has a medium HR alarm. With Room 3's
trend open, the strip showed Room 2's medium, the lost chair's high only as "+2 more: 1 high"
(a review): it took the banner's station alarm, the highest that *sounds*, which is what Silence
acts on, not the highest open one."""

from __future__ import annotations

from protocols.model import Priority
from tests.central.helpers import Central, MemoryLog


def test_the_strip_keeps_a_silenced_high_loss_above_a_medium_chair_alarm():
    central = Central(MemoryLog())
    lost = central.chair("chair-1", "Room 1")
    other = central.chair("chair-2", "Room 2")
    viewed = central.chair("chair-3", "Room 3")
    for chair in (lost, other, viewed):
        chair.start_infusion()
        central.deliver(chair.status())
    # 10 s: a high at Room 1, a medium at Room 2; then Room 1's console dies.
    central.t(10)
    lost.device("spo2", 88)
    other.device("heart_rate", 118)
    for chair in (lost, other, viewed):
        for message in chair.new_pcd04s():
            central.deliver(message)
        central.deliver(chair.status())
    central.deliver(lost.will())
    # 11 s: the nurse silences Room 1's high loss here; the speaker then fails.
    central.t(11)
    (loss,) = central.board.station_alarms(central.now())
    assert loss.priority is Priority.HIGH
    central.board.silence_station("B. Central", central.now(), loss.key, loss.priority)
    central.board.set_audio(False, "no sound device")
    central.t(12)
    # The banner shows the station alarm that sounds (what Silence acts on): the speaker's.
    banner = central.board.banner(central.now())
    assert banner is not None and banner.key == "audio" and banner.sounding

    # The strip over Room 3's trend: the highest open alarm, Room 1's loss, silenced here.
    sight = central.board.in_sight(central.now(), viewing="chair-3")
    assert sight is not None
    assert sight.line.priority is Priority.HIGH, (
        f"strip shows {sight.where}: {sight.line.text} ({sight.line.priority.label}), "
        f"{sight.more()}")
    assert sight.where == "Central station" and sight.chair is None
    assert sight.line.text.startswith("Room 1: no connection to the chair")
    assert sight.line.note == "silenced here" and not sight.line.sounding
    assert not sight.line.flashing   # silenced: steady, as on the banner
    assert sight.more() == "+2 more: 1 medium, 1 low"
