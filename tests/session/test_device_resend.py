"""A monitor's resend of a message already logged (its AA lost) is kept once and answered AA.

An HL7 sender resends a message until it is answered (devices.md); when the console's answer
is lost, or the console stopped between its commit and its answer, the same message comes
again. Its values are on disk: writing them again would show every value twice in the record,
the trend and the course's counts.
"""

from __future__ import annotations

from datetime import timedelta

from devices.reading import Reading
from protocols.vitals import metric
from tests.session.helpers import Session
from tests.session.test_resume import resume


def message(s: Session, values: dict[str, float], seconds_ago: float = 0.0) -> list[Reading]:
    now = s.now()
    measured = now.wall - timedelta(seconds=seconds_ago)
    return [Reading(n, v, metric(n).unit, measured, now.wall, "hl7:MON") for n, v in values.items()]


def stored(s: Session, name: str) -> list[float]:
    return [o.value for o in s.recorder.observations() if o.metric == name and o.source == "hl7:MON"]


def test_a_resent_message_is_kept_once_answered_aa_and_logged():
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60)
    sent = message(s, {"spo2": 88, "heart_rate": 72})
    assert s.engine.ingest_message(sent, s.now(), device="/dev/ttyUSB0")
    s.engine.tick(s.clock.advance(3))
    again = [Reading(r.metric, r.value, r.unit, r.measured_at, s.now().wall, r.source) for r in sent]
    assert s.engine.ingest_message(again, s.now(), device="/dev/ttyUSB0")   # AA: it is on disk
    assert stored(s, "spo2") == [88] and stored(s, "heart_rate") == [72]
    [event] = s.recorder.events("device_resent")
    assert event.detail["values"] == 2 and event.detail["device"] == "/dev/ttyUSB0"
    assert [o.condition for o in s.engine.alarms()] == ["spo2_low"]   # one alarm, as before


def test_a_message_with_one_new_value_is_a_new_message():
    # A monitor re-reports an unchanged slow value with its old time beside new ones: kept.
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60)
    assert s.engine.ingest_message(message(s, {"spo2": 97, "heart_rate": 72}), s.now())
    first_time = s.now()
    s.t(s.now().mono - s.origin + 1)
    second = [Reading("spo2", 97, "%", first_time.wall, s.now().wall, "hl7:MON"),
              *message(s, {"heart_rate": 73})]
    assert s.engine.ingest_message(second, s.now())
    assert stored(s, "spo2") == [97, 97] and stored(s, "heart_rate") == [72, 73]
    assert s.recorder.events("device_resent") == []


def test_the_same_value_measured_again_is_a_new_reading():
    s = Session()
    s.to_infusion()
    for second in (60, 61, 62):
        s.t(s.now().mono - s.origin + 1 if second > 60 else s.now().mono - s.origin + 60)
        assert s.engine.ingest_message(message(s, {"spo2": 97}), s.now())
    assert stored(s, "spo2") == [97, 97, 97]


def test_a_resend_answered_after_a_restart_is_kept_once():
    # The console committed the message and was killed before its answer left: the monitor
    # sends it again to the restarted console.
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60)
    sent = message(s, {"spo2": 96, "resp_rate": 14})
    assert s.engine.ingest_message(sent, s.now())
    s.engine = resume(s, 5)
    assert s.engine.ingest_message(sent, s.now())
    assert stored(s, "spo2") == [96] and stored(s, "resp_rate") == [14]
    assert len(s.recorder.events("device_resent")) == 1


def nibp_rows(s: Session, at) -> list[Reading]:
    now = s.now()
    return [Reading(n, v, metric(n).unit, at, now.wall, "hl7:MON")
            for n, v in (("bp_systolic", 128), ("bp_diastolic", 82))]


def test_repeated_nibp_beside_a_row_the_decoder_failed_on_is_no_resend():
    # Every PCD-01 message repeats the last NIBP with its old time: once the other rows could
    # not be read, each message passed for a resend, answered AA, with no "Monitor message not
    # read" alarm and no count of the drop (code review).
    from devices.stream import DECODER_ERROR

    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    s.t(s.now().mono - s.origin + 5)
    cuff = s.now().wall - timedelta(minutes=2)
    assert s.engine.ingest_message([*nibp_rows(s, cuff), *message(s, {"spo2": 97})], s.now())
    s.t(s.now().mono - s.origin + 1)
    s.engine.ingest_message(nibp_rows(s, cuff), s.now(), dropped={DECODER_ERROR: 1},
                            example="ValueError: bad OBX-5", device="tty")
    assert "device_unreadable" in [o.condition for o in s.engine.alarms()]
    assert len(s.recorder.events("device_dropped")) == 1
    assert s.recorder.events("device_resent") == []


def test_a_message_of_repeated_nibp_alone_is_no_resend():
    # The SpO2 probe off, no ECG: each message carries only the repeated NIBP. It was logged as
    # "sent again … kept once", an event and a commit a second.
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 5)
    cuff = s.now().wall - timedelta(minutes=2)
    assert s.engine.ingest_message(nibp_rows(s, cuff), s.now())
    writes = len(s.recorder.writes)
    for _ in range(10):
        s.t(s.now().mono - s.origin + 1)
        assert s.engine.ingest_message(nibp_rows(s, cuff), s.now())
    assert s.recorder.events("device_resent") == []
    assert len(s.recorder.writes) - writes <= 1   # at most a prompt, not a row a message


def with_id(readings: list[Reading], control_id: str) -> list[Reading]:
    """The readings of one HL7 message whose MSH-10 is `control_id`."""
    return [Reading(r.metric, r.value, r.unit, r.measured_at, r.received_at, r.source,
                    message=control_id) for r in readings]


def test_messages_stamped_to_the_minute_are_each_logged_and_rr_never_goes_missing():
    """A QA run: a steady patient, one message a second, each with its own MSH-10, stamped to
    the minute (HL7 DTM allows it): 39 of 40 were taken for resends of the first and not logged,
    and "No respiratory rate for 20 s" raised a high alarm while RR 14 came every second."""
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60)
    minute = s.now().wall.replace(second=0, microsecond=0)
    for n in range(40):
        now = s.now()
        sent = [Reading(name, value, metric(name).unit, minute, now.wall, "hl7:MON",
                        message=f"QR{n:03d}")
                for name, value in (("heart_rate", 72), ("spo2", 97), ("resp_rate", 14))]
        assert s.engine.ingest_message(sent, now)
        s.engine.tick(s.clock.advance(1))
    assert len(stored(s, "resp_rate")) == 40 and len(stored(s, "spo2")) == 40
    assert s.recorder.events("device_resent") == []
    assert [o.condition for o in s.engine.alarms()] == []


def test_a_resend_of_an_older_message_is_kept_once_and_ends_no_alarm():
    """A monitor resends a message whose answer it lost after eight newer ones were logged: it
    had been logged again, its SpO2 97 taken as the value now, ending a high SpO2 86 alarm."""
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60)
    first = with_id(message(s, {"spo2": 97, "heart_rate": 80}), "A")
    assert s.engine.ingest_message(first, s.now())
    for n in range(8):
        s.engine.tick(s.clock.advance(1))
        assert s.engine.ingest_message(with_id(message(s, {"spo2": 86, "heart_rate": 80}),
                                               f"B{n}"), s.now())
    assert [o.condition for o in s.engine.alarms()] == ["spo2_low"]
    s.engine.tick(s.clock.advance(1))
    again = [Reading(r.metric, r.value, r.unit, r.measured_at, s.now().wall, r.source,
                     message="A") for r in first]
    assert s.engine.ingest_message(again, s.now())   # AA: it is on disk
    assert stored(s, "spo2") == [97] + [86] * 8
    assert s.recorder.events("device_resent")[0].detail["values"] == 2
    assert s.engine.latest("spo2").reading.value == 86
    (alarm,) = s.engine.alarms()
    assert alarm.condition == "spo2_low" and alarm.state.value == "active"
    assert len(s.recorder.events("device_resent")) == 1


def test_a_resend_read_together_with_the_next_message_is_kept_once_and_the_next_logged():
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60)
    first = with_id(message(s, {"spo2": 97}), "A")
    assert s.engine.ingest_message(first, s.now())
    s.engine.tick(s.clock.advance(1))
    nxt = with_id(message(s, {"spo2": 95}), "B")
    assert s.engine.ingest_message([*first, *nxt], s.now())
    assert stored(s, "spo2") == [97, 95]
    (event,) = s.recorder.events("device_resent")
    assert event.detail["values"] == 1


def test_a_resend_with_a_value_the_decoder_dropped_is_kept_once_and_its_drop_logged():
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60)
    first = with_id(message(s, {"spo2": 97}), "A")
    assert s.engine.ingest_message(first, s.now(), dropped={"unknown-code": 1}, example="x")
    s.engine.tick(s.clock.advance(1))
    assert s.engine.ingest_message(first, s.now(), dropped={"unknown-code": 1}, example="x")
    assert stored(s, "spo2") == [97]
    assert len(s.recorder.events("device_dropped")) == 2


class RefusingLog:
    """The log refuses every write while `refusing` (a full disk), then takes them again."""

    def __init__(self, s: Session) -> None:
        from console.store.errors import LogError
        from pathlib import Path

        self.inner, self.refusing = s.recorder, True
        self.error = LogError(Path("/x/sessions.sqlite3"), "disk-full", "full")
        s.engine.recorder = s.engine.writes.recorder = self   # type: ignore[assignment]

    def write(self, records: object) -> list[int]:
        if self.refusing:
            raise self.error
        return self.inner.write(records)   # type: ignore[arg-type]


def test_while_the_log_refuses_writes_messages_are_told_apart_by_their_ids():
    """Held in memory (the log refused writes), a new message with the values and the minute of
    a held one was taken for its resend: answered AE and not kept, so after three resends the
    monitor gave it up and it was lost. And a held message resent once the log took writes again
    was logged a second time. By MSH-10: each new message is held, each resend kept once."""
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60)
    s.engine.ingest_message(with_id(message(s, {"resp_rate": 14}), "M0"), s.now())   # ids in use
    log = RefusingLog(s)
    minute = s.now().wall.replace(second=0, microsecond=0)

    def sent(control_id: str) -> list[Reading]:
        return [Reading("resp_rate", 14, "/min", minute, s.now().wall, "hl7:MON",
                        message=control_id)]

    assert s.engine.ingest_message(sent("M1"), s.now()) is False          # AE: held
    s.engine.tick(s.clock.advance(1))
    assert s.engine.ingest_message(sent("M2"), s.now()) is False          # new: held too
    s.engine.tick(s.clock.advance(1))
    assert s.engine.ingest_message(sent("M1"), s.now()) is False          # a resend: AE again
    held = [r for r in s.engine.writes.held if getattr(r, "metric", "") == "resp_rate"]
    assert len(held) == 2
    log.refusing = False
    s.engine.tick(s.clock.advance(3))                                     # the held rows go in
    assert s.engine.ingest_message(sent("M2"), s.now()) is True           # on disk now: AA
    assert stored(s, "resp_rate") == [14, 14, 14]
    assert len(s.recorder.events("device_resent")) == 2


def test_a_logged_id_carrying_new_values_is_a_new_message_and_alarms():
    """The QA audit: a monitor restarted numbers its messages from 1 again, and one whose MSH-10
    names the kind of message (a Mindray bedside's "204") has one id for all. A message with a
    logged id and new values was answered AA and not logged: SpO2 84 never alarmed."""
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60)
    assert s.engine.ingest_message(with_id(message(s, {"spo2": 97, "resp_rate": 14}), "QA1"),
                                   s.now())
    for value in (96, 84):
        s.engine.tick(s.clock.advance(1))
        assert s.engine.ingest_message(with_id(message(s, {"spo2": value, "resp_rate": 14}),
                                               "QA1"), s.now())
    assert stored(s, "spo2") == [97, 96, 84] and len(stored(s, "resp_rate")) == 3
    assert s.recorder.events("device_resent") == []
    assert [(o.condition, o.priority.label) for o in s.engine.alarms()] == [("spo2_low", "high")]
    # The same message again, every value and time as logged: a resend, kept once.
    last = [Reading(r.metric, r.value, r.unit, r.measured_at, s.now().wall, r.source,
                    message="QA1") for r in message(s, {"spo2": 84, "resp_rate": 14})]
    s.engine.tick(s.clock.advance(1))
    assert s.engine.ingest_message(last, s.now())
    assert stored(s, "spo2") == [97, 96, 84]
    assert len(s.recorder.events("device_resent")) == 1


def test_a_message_read_in_part_and_resent_whole_has_only_its_new_rows_logged():
    """A bare message cut by the next one's header is logged without its cut row and answered
    AE; the monitor resends it whole (same MSH-10, rows and times). Taken for a new message (it
    carries a row more than was logged), its SpO2 and HR were logged twice."""
    from devices.stream import CUT_MESSAGE

    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60)
    whole = with_id(message(s, {"spo2": 97, "heart_rate": 72, "resp_rate": 14}), "M1")
    read_in_part = whole[:2]
    assert s.engine.ingest_message(read_in_part, s.now(), dropped={CUT_MESSAGE: 1},
                                   example="row cut by the next message's MSH")
    for _ in range(2):   # the resend AE asked for, then that one again (its AA lost)
        s.engine.tick(s.clock.advance(2))
        again = [Reading(r.metric, r.value, r.unit, r.measured_at, s.now().wall, r.source,
                         message="M1") for r in whole]
        assert s.engine.ingest_message(again, s.now())
    assert stored(s, "spo2") == [97] and stored(s, "heart_rate") == [72]
    assert stored(s, "resp_rate") == [14]
    first, second = s.recorder.events("device_resent")
    assert (first.detail["values"], first.detail["new_values"]) == (2, 1)
    assert "1 new" in first.detail["message"]
    assert second.detail["values"] == 3 and "new_values" not in second.detail


def test_a_message_and_its_resend_in_one_read_are_logged_once():
    """The console stalled past the monitor's ACK time-out: the message and its resend wait in
    the port together and come in one read. Resends were known only against earlier reads: each
    value was logged twice (and counted twice by the alarms' persistence)."""
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60)
    sent = with_id(message(s, {"spo2": 97, "heart_rate": 72}), "M1")
    later = with_id(message(s, {"spo2": 96}), "M2")
    assert s.engine.ingest_message([*sent, *sent, *later], s.now())
    assert stored(s, "spo2") == [97, 96] and stored(s, "heart_rate") == [72]
    (event,) = s.recorder.events("device_resent")
    assert event.detail["values"] == 2
    # The read of a message in part and of its whole resend: each row once.
    s.engine.tick(s.clock.advance(2))
    whole = with_id(message(s, {"spo2": 95, "heart_rate": 70, "resp_rate": 12}), "M3")
    assert s.engine.ingest_message([*whole[:2], *whole], s.now())
    assert stored(s, "spo2") == [97, 96, 95] and stored(s, "resp_rate") == [12]
