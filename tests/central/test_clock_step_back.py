"""A chair's clock that steps back (NTP, an administrator, a restart before NTP) never leaves an
alarm on the card that is over at the chair: the chair stays the alarm authority.

The board had compared the chair's times across the step: the PCD-04 start stamped before it
stayed "newer" than the end and every status after it, so the central kept showing and sounding
an alarm the bedside had ended (a code review)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from console.clock import iso
from tests.central.helpers import Central, MemoryLog

STEP = timedelta(minutes=5)


def _medium_spo2_alarm(central: Central):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(60)
    central.deliver(chair.status())
    chair.device("spo2", 92)   # medium SpO2 alarm at the chair
    return chair


def test_an_alarm_ended_after_the_chairs_clock_stepped_back_leaves_the_card():
    central = Central(MemoryLog())
    chair = _medium_spo2_alarm(central)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    assert central.sounding() == "medium"

    # NTP steps the chair's clock back 5 min; SpO2 recovers; the alarm ends at the chair.
    central.t(70)
    chair.device("spo2", 98)
    ended = [r for r in chair.transitions() if r.transition == "cleared"]
    assert ended, "the engine cleared the alarm"
    for record in ended:   # its end, stamped by the stepped clock: "older" than its start
        central.deliver(chair.pcd04(replace(record, at=record.at - STEP)))
    # The end is final for its occurrence, whatever its time: the card clears at once.
    assert central.card("chair-1").alarm is None
    assert central.sounding() is None
    for second in (72, 74, 76, 90):   # statuses count on, none lists the alarm
        central.t(second)
        central.deliver(chair.status(sent_at=iso(central.now().wall - STEP)))
    card = central.card("chair-1")
    assert card.connected
    assert card.alarm is None
    assert central.sounding() is None


def test_a_start_delivered_after_its_end_never_brings_the_alarm_back():
    central = Central(MemoryLog())
    chair = _medium_spo2_alarm(central)
    start = list(chair.new_pcd04s())
    # The clock steps back; the alarm ends at the chair, its end stamped before its start.
    central.t(62)
    chair.device("spo2", 98)
    ended = [r for r in chair.transitions() if r.transition == "cleared"]
    # The end overtakes the start on the way (the start from a backlog): the start, "newer"
    # by time, had replaced the end and sounded for good.
    for message in [chair.pcd04(replace(r, at=r.at - STEP)) for r in ended] + start:
        central.deliver(message)
    central.t(63)
    assert central.card("chair-1").alarm is None
    assert central.sounding() is None


def test_a_status_stamped_before_the_last_one_is_the_whole_truth_of_the_open_alarms():
    central = Central(MemoryLog())
    chair = _medium_spo2_alarm(central)
    for message in chair.new_pcd04s():
        central.deliver(message)
    assert central.sounding() == "medium"
    # The clock steps back; the alarm ends at the chair but its end is lost on the way: the
    # next status (counting on, stamped 5 min earlier) no longer lists it.
    central.t(64)
    chair.device("spo2", 98)
    list(chair.new_pcd04s())
    central.deliver(chair.status(sent_at=iso(central.now().wall - STEP)))
    assert central.card("chair-1").connected
    assert central.card("chair-1").alarm is None
    assert central.sounding() is None


def test_a_pre_crash_alarm_sent_from_the_backlog_after_a_restart_with_the_clock_behind():
    """The console is killed with the raise of an SpO2 alarm still in its outbox; it restarts
    with its hardware clock 5 min behind (before NTP: README's own case), the condition gone.
    Its first status after the Last Will is the whole truth (no alarm); the outbox then sends
    the old raise, stamped ahead of the chair's own clock: not shown."""
    central = Central(MemoryLog())
    chair = _medium_spo2_alarm(central)
    backlog = list(chair.new_pcd04s())   # committed, not yet published: the console dies
    central.t(62)
    central.deliver(chair.will())
    # Restarted 30 s later with the clock 5 min behind; SpO2 is fine now.
    central.t(92)
    chair.device("spo2", 98)
    list(chair.new_pcd04s())
    central.deliver(chair.status(sent_at=iso(central.now().wall - STEP), seq=0))
    assert central.card("chair-1").connected and central.card("chair-1").alarm is None
    for message in backlog:   # the outbox goes again after the restart
        central.deliver(message)
    for second in (94, 96, 98, 100):
        central.t(second)
        central.deliver(chair.status(sent_at=iso(central.now().wall - STEP)))
        card = central.card("chair-1")
        assert card.alarm is None, f"ghost alarm: {card.alarm.text!r}"
        assert central.sounding() is None
