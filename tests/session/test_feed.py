"""What a device message leaves in the log besides its readings (console/session/feed.py)."""

from __future__ import annotations

from console.records import EventRecord
from console.review.model import describe_event
from console.session import feed
from devices.reading import Reading
from devices.stream import Dropped
from devices.transport import DeviceEvent, EventKind

from .helpers import Session


def spo2_message(s: Session, spo2: int) -> bool:
    """The monitor sends an HL7 message with this SpO2, decoded and fed as the console does."""
    import devices.hl7.decoder as hl7
    from tests.devices.test_hl7 import SPO2, message

    now = s.now()
    result = hl7.decode_message(message(SPO2.format(v=spo2)), now.wall)
    return feed.apply(s.engine, DeviceEvent(
        EventKind.DATA, "/dev/ttyUSB0", now.wall, now.mono, readings=tuple(result.readings),
        dropped=tuple(result.dropped), frames=result.frames), now)


def test_a_doubt_about_a_kept_value_is_logged_apart_from_what_was_dropped() -> None:
    # An OBX whose code and name disagree: the value is kept (the code is trusted), so the
    # nurse's "not used" count must not include it; the log keeps the doubt all the same.
    s = Session()
    now = s.now()
    event = DeviceEvent(EventKind.DATA, "/dev/ttyUSB0", now.wall, now.mono, readings=(
        Reading("spo2", 97, "%", now.wall, now.wall, "hl7:SIM"),), dropped=(
        Dropped("name-mismatch", "OBX 1: MDC_RESP_RATE for code 150456, trusting the code"),
        Dropped("unknown-code", "OBX 2: code 999999")))
    assert feed.apply(s.engine, event, now)
    [logged] = [r for r in s.recorder.records
                if isinstance(r, EventRecord) and r.kind == "device_dropped"]
    assert logged.detail["counts"] == {"unknown-code": 1}
    assert logged.detail["kept_with_warnings"] == {"name-mismatch": 1}
    # The example is of what was not used, though a warning came first.
    assert logged.detail["example"] == "OBX 2: code 999999"
    assert [r.value for r in s.recorder.observations() if r.metric == "spo2"] == [97]
    assert describe_event("device_dropped", logged.detail) == (
        "Device /dev/ttyUSB0 values dropped (unknown-code 1); values kept with a warning "
        "(name-mismatch 1)")


def test_a_repeated_nibp_leaves_no_drop_in_the_log() -> None:
    # ANSAR-B repeats the last NIBP in every frame; the decoder reports it once. A repeat is no
    # data lost: logging it would write a "not used" row for every frame of the session.
    s = Session()
    now = s.now()
    event = DeviceEvent(EventKind.DATA, "/dev/ttyUSB0", now.wall, now.mono, readings=(
        Reading("spo2", 97, "%", None, now.wall, "ansar-b"),), dropped=(
        Dropped("nibp-repeat", "NIBP=4;121;75;92: the measurement already reported"),))
    assert feed.apply(s.engine, event, now)
    assert not [r for r in s.recorder.records
                if isinstance(r, EventRecord) and r.kind == "device_dropped"]


def test_an_nibp_with_no_measurement_yet_leaves_no_drop_in_the_log() -> None:
    # A monitor sends an empty NIBP record in every frame (IntelliVue: every poll) until the
    # cuff's first measurement: a `device_dropped` row a frame and "Device data not used:
    # nibp-empty ×60" a minute in the nurse's list, for a cuff that had not run yet.
    from devices.ansar_b import decode_records

    s = Session()
    now = s.now()
    result = decode_records(b"NIBP=4;;;;;;\rSPO2=1;97;PR=72;\r", now.wall)
    assert [d.reason for d in result.dropped] == ["nibp-empty"]
    event = DeviceEvent(EventKind.DATA, "/dev/ttyUSB0", now.wall, now.mono,
                        readings=tuple(result.readings), dropped=tuple(result.dropped))
    assert feed.apply(s.engine, event, now)
    assert not [r for r in s.recorder.records
                if isinstance(r, EventRecord) and r.kind == "device_dropped"]
    assert [r.value for r in s.recorder.observations() if r.metric == "spo2"] == [97]


def test_a_vital_the_console_does_not_show_is_logged_once_not_with_every_frame() -> None:
    # An Ivy sends its temperature in every frame: the first frame's drop is logged with its
    # words, the same again is not (a row a second buried the drops that matter); a new kind
    # of drop, and any other reason, is logged each time.
    from devices.ansar_b import decode_records

    s = Session()

    def frame(text: bytes) -> None:
        now = s.clock.advance(1)
        result = decode_records(text, now.wall)
        event = DeviceEvent(EventKind.DATA, "/dev/ttyUSB0", now.wall, now.mono,
                            readings=tuple(result.readings), dropped=tuple(result.dropped))
        assert feed.apply(s.engine, event, now)

    for _ in range(3):
        frame(b"T1=1;368;\rSPO2=1;97;PR=72;\r")
    frame(b"T1=1;368;\rT2=1;370;\rSPO2=1;96;PR=72;\r")
    frame(b"T1=1;368;\rZZZ=1;\rSPO2=1;95;PR=72;\r")
    frame(b"T1=1;368;\rZZZ=1;\rSPO2=1;95;PR=71;\r")
    logged = [r.detail["counts"] for r in s.recorder.records
              if isinstance(r, EventRecord) and r.kind == "device_dropped"]
    assert logged == [{"not-monitored": 1}, {"not-monitored": 2},
                      {"not-monitored": 1, "unknown-code": 1},
                      {"not-monitored": 1, "unknown-code": 1}]
    assert [r.value for r in s.recorder.observations() if r.metric == "spo2"] == [
        97, 97, 97, 96, 95, 95]


def test_a_message_the_decoder_fails_on_is_a_technical_alarm_not_only_a_count(monkeypatch) -> None:
    # A bug that breaks the decoder on one kind of message (here: a low SpO2 row) loses the very
    # value that alarms. Before, the monitor got AE, gave up after its resends, and the nurse saw
    # only a "values dropped" line in the events while the link stayed connected.
    import devices.hl7.decoder as hl7
    from tests.devices.test_hl7 import SPO2, message

    real = hl7._Observations._obx

    def broken(self, fields):   # the planted bug
        if len(fields) > 5 and fields[5] == "85":
            raise IndexError("planted decoder bug")
        return real(self, fields)

    monkeypatch.setattr(hl7._Observations, "_obx", broken)
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())

    def monitor_sends(spo2: int) -> None:
        spo2_message(s, spo2)

    start = s.now().mono - s.origin
    monitor_sends(85)
    [row] = [o for o in s.engine.alarms() if o.condition == "device_unreadable"]
    assert (row.priority.label, row.category) == ("medium", "technical")
    assert row.message == "Monitor message not read: values may be missing, check the monitor"
    assert "planted decoder bug" in row.detail
    assert s.sounding() == "medium"
    # It stands while such messages keep coming, and ends a minute after the last one.
    s.t(start + 50); monitor_sends(85)
    s.t(start + 100); monitor_sends(97)
    assert [o.condition for o in s.engine.alarms()] == ["device_unreadable"]
    s.t(start + 110)
    assert s.engine.alarms() == []


def test_rows_of_a_message_its_sender_paused_inside_are_a_technical_alarm() -> None:
    # Bare HL7: a sender paused 0.5 s after its OBR; the head was taken whole (and answered),
    # and its SpO2 84 row then came with no message start: dropped as garbage, no alarm, and
    # the monitor, told the message was stored, never sent it again.
    from devices.hl7.decoder import HL7Decoder
    from tests.devices.test_hl7 import SPO2, message

    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    whole = message(SPO2.format(v=84))
    head, rows = whole.split(b"OBX", 1)
    decoder = HL7Decoder("/dev/ttyUSB0")

    def fed(result) -> None:
        now = s.now()
        feed.apply(s.engine, DeviceEvent(
            EventKind.DATA, "/dev/ttyUSB0", now.wall, now.mono, readings=tuple(result.readings),
            dropped=tuple(result.dropped), frames=result.frames), now)

    fed(decoder.feed(head, s.now().wall))
    fed(decoder.quiet(s.now().wall))                  # 0.5 s quiet: the head is a message
    fed(decoder.feed(b"OBX" + rows + message(SPO2.format(v=97)), s.now().wall))
    [row] = [o for o in s.engine.alarms() if o.condition == "device_unreadable"]
    assert (row.priority.label, row.category) == ("medium", "technical")
    assert row.message == "Monitor message not read: values may be missing, check the monitor"
    assert "after a 0.5 s pause inside a message" in row.detail and "|84|" in row.detail


def test_an_impossible_value_from_the_monitor_is_a_technical_alarm_not_a_steady_tile() -> None:
    # A nurse walk on X: the monitor sent SpO2 150 for a minute; the value was dropped, the tile
    # kept 98 in normal colours, and nothing alarmed (a probe gone bad looked like a steady
    # patient). It is a medium technical alarm, standing through a restart, ending a minute
    # after the last impossible value.
    from tests.session.test_resume import resume

    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())

    def monitor_sends(spo2: int) -> None:
        assert spo2_message(s, spo2)

    start = s.now().mono - s.origin
    monitor_sends(98)
    s.t(start + 5); monitor_sends(150)
    [row] = [o for o in s.engine.alarms() if o.condition == "device_implausible"]
    assert (row.priority.label, row.category) == ("medium", "technical")
    assert row.message == "Impossible value from the monitor, not used: check the sensor"
    assert "SpO2 150 outside" in row.detail
    assert s.sounding() == "medium"
    engine = resume(s, 10)   # a restart keeps it, and its minute runs from the last value
    assert [o.condition for o in engine.alarms()] == ["device_implausible"]
    engine.tick(s.clock.advance(50))
    assert engine.alarms() == []
