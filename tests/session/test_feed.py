"""What a device message leaves in the log besides its readings (console/session/feed.py)."""

from __future__ import annotations

from console.records import EventRecord
from console.review.model import describe_event
from console.session import feed
from devices.reading import Reading
from devices.stream import Dropped
from devices.transport import DeviceEvent, EventKind

from .helpers import Session


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
