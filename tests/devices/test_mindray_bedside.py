"""Mindray bedside direct (devices/hl7/mindray_bedside.py): the subscription query, the echo every
second on an injected clock, the re-send after the first echo, 204/503 read, what is dropped and
not counted, chunked and hostile input, the announcement on UDP 4600, and the simulated monitor
and the decoder talking in memory."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.hl7 import codes
from devices.hl7.mindray_bedside import (
    PARAMETER_IDS,
    AnnouncementListener,
    MindrayBedsideDecoder,
    Phase,
    build_echo,
    build_queries,
    read_announcement,
)
from devices.profiles import builtin_profiles_dir, format_for, load_catalogue
from devices.simulator.mindray_bedside_monitor import MindrayBedsideMonitor
from devices.simulator.physiology import Nibp, Sample
from devices.stream import DecodeResult
from tests.devices.conftest import DECODER_ERROR, RX, random_chunks

UTC = timezone.utc
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SAMPLE = Sample(40.0, 80, 81, 14, 97, Nibp(30.0, 121, 79, 93))


def wall(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def frame(*segments: str) -> bytes:
    return b"\x0b" + ("\r".join(segments) + "\r").encode() + b"\x1c\r"


def oru(kind: str, *segments: str) -> bytes:
    """An ORU^R01 from the monitor whose MSH-10 is `kind`."""
    return frame(f"MSH|^~\\&|Mindray Monitor||||20260105090000+0000||ORU^R01|{kind}|P|2.3.1",
                 *segments)


VALUES = oru("204", "PID|||P1", "OBR||||MINDRAY|||20260105090000+0000",
             "OBX|1|NM|101^HR|2101|72||||||F", "OBX|2|NM|151^RR|2102|14||||||F",
             "OBX|3|NM|160^SpO2|2103|97||||||F", "OBX|4|NM|161^PR|2104|73||||||F")
NIBP = oru("503", "OBR||||MINDRAY|||20260105085500+0000",
           "OBX|1|NM|170^NIBP-S|2170|121||||||F|||20260105085500+0000",
           "OBX|2|NM|171^NIBP-D|2171|79||||||F|||20260105085500+0000",
           "OBX|3|NM|172^NIBP-M|2172|93||||||F|||20260105085500+0000")
ECHO = oru("106")


def reasons(result: DecodeResult) -> list[str]:
    return [d.reason for d in result.dropped]


def values(result: DecodeResult) -> list[tuple[str, float]]:
    return [(r.metric, r.value) for r in result.readings]


def messages(data: bytes) -> list[list[str]]:
    """The segments of each MLLP message in `data`."""
    return [m.strip(b"\r").decode().split("\r") for m in data.split(b"\x1c\r\x0b")
            if m.strip(b"\x0b\x1c\r")]


def started(echo_seconds: float = 1.0) -> tuple[MindrayBedsideDecoder, bytes]:
    decoder = MindrayBedsideDecoder("sim", echo_seconds=echo_seconds)
    return decoder, decoder.outgoing(0.0, wall(0))


# --- What we send ---------------------------------------------------------------------------


def test_the_query_is_a_qry_r02_with_msh10_1203_and_four_ids_per_qrf_at_most() -> None:
    assert build_queries(T0) == (
        b"\x0bMSH|^~\\&|INFUSION_CONSOLE||||20260105090000+0000||QRY^R02|1203|P|2.3.1\r"
        b"QRD|20260105090000+0000|R|I|1203|||||RES\r"
        b"QRF|MON||||0&0^1^0^0^101&151&160&161\r\x1c\r"
        b"\x0bMSH|^~\\&|INFUSION_CONSOLE||||20260105090000+0000||QRY^R02|1203|P|2.3.1\r"
        b"QRD|20260105090000+0000|R|I|1203|||||RES\r"
        b"QRF|MON||||0&0^1^0^0^170&171&172\r\x1c\r")


@pytest.mark.parametrize("count", [1, 3, 4, 5, 8, 9])
def test_any_number_of_ids_is_asked_in_whole_queries_of_four_ids_at_most(count: int) -> None:
    ids = list(range(100, 100 + count))
    sent = messages(build_queries(T0, ids))
    assert len(sent) == -(-count // 4)
    asked: list[int] = []
    for segments in sent:
        assert segments[0].split("|")[9] == "1203"
        (qrf,) = [s for s in segments if s.startswith("QRF")]
        group = [int(x) for x in qrf.split("|")[5].split("^")[4].split("&")]
        assert 1 <= len(group) <= 4
        asked += group
    assert asked == ids


def test_a_query_without_ids_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="parameter ids must be 1-999999, at least one; got"):
        build_queries(T0, [])
    with pytest.raises(ValueError, match="got \\[101, 0\\]"):
        MindrayBedsideDecoder(ids=[101, 0])


def test_the_ids_asked_are_the_legacy_mindray_codes_of_the_six_vitals() -> None:
    found = [codes.resolve_code(str(i), "", "") for i in PARAMETER_IDS]
    metrics = {hit.metric for hit in found if hit is not None and hit.family == "MINDRAY"}
    assert metrics == {"heart_rate", "resp_rate", "spo2", "pulse_rate", "bp_systolic",
                       "bp_diastolic", "bp_mean"}


def test_the_echo_is_an_oru_r01_with_msh10_106_and_nothing_after_msh() -> None:
    assert build_echo(T0) == (b"\x0bMSH|^~\\&|INFUSION_CONSOLE||||20260105090000+0000||ORU^R01|"
                              b"106|P|2.3.1\r\x1c\r")


def test_the_first_turn_sends_the_query_then_an_echo() -> None:
    decoder, first = started()
    assert first == build_queries(wall(0)) + build_echo(wall(0))
    assert decoder.phase is Phase.QUERIED
    assert (decoder.queries_sent, decoder.echoes_sent) == (1, 1)


def test_an_echo_goes_every_second_whatever_the_monitor_says() -> None:
    decoder, _ = started()
    decoder.feed(VALUES, RX)
    # The transport turns every 0.1 s for 5 s; the monitor streams values all along.
    sent = {}
    for tick in range(1, 51):
        now = tick / 10
        if tick % 10 == 5:
            decoder.feed(VALUES, RX)
        out = decoder.outgoing(now, wall(now))
        if out:
            sent[round(now, 1)] = out
    assert list(sent) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert all(out == build_echo(wall(at)) for at, out in sent.items())
    assert decoder.queries_sent == 1 and decoder.phase is Phase.STREAMING


def test_the_echo_keeps_its_cadence_when_a_turn_is_late_and_restarts_after_a_stall() -> None:
    decoder, _ = started()
    assert decoder.outgoing(1.3, wall(1.3)) == build_echo(wall(1.3))   # late: next still at 2
    assert decoder.outgoing(1.9, wall(1.9)) == b""
    assert decoder.outgoing(2.0, wall(2.0)).endswith(build_echo(wall(2.0)))
    decoder.feed(VALUES, RX)
    assert decoder.outgoing(4.5, wall(4.5)) == build_echo(wall(4.5))   # stalled: restart
    assert decoder.outgoing(5.0, wall(5.0)) == b""
    assert decoder.outgoing(5.5, wall(5.5)) == build_echo(wall(5.5))


def test_a_profile_period_longer_than_5_s_still_echoes_every_5_s() -> None:
    decoder = MindrayBedsideDecoder(echo_seconds=30)
    assert decoder.echo_seconds == 5.0
    with pytest.raises(ValueError, match="echo_seconds must be > 0, got 0"):
        MindrayBedsideDecoder(echo_seconds=0)


def test_the_query_is_sent_again_after_the_first_echo_when_no_values_came() -> None:
    decoder, _ = started()
    # The monitor was in its start-up burst: it ignored the query, and now echoes.
    assert decoder.feed(ECHO, RX).frames == 1
    assert decoder.outgoing(0.1, wall(0.1)) == build_queries(wall(0.1))
    assert decoder.queries_sent == 2
    # Its next echoes do not repeat the query (the retry is on time only from now on).
    decoder.feed(ECHO, RX)
    assert decoder.outgoing(0.2, wall(0.2)) == b""
    decoder.feed(VALUES, RX)
    decoder.outgoing(0.3, wall(0.3))
    assert decoder.phase is Phase.STREAMING and decoder.queries_sent == 2


def test_no_second_query_when_values_came_before_the_first_echo() -> None:
    decoder, _ = started()
    decoder.feed(VALUES + ECHO, RX)
    assert decoder.outgoing(0.1, wall(0.1)) == b""
    assert decoder.phase is Phase.STREAMING and decoder.queries_sent == 1


def test_a_monitor_that_echoes_but_never_sends_values_is_asked_again_every_5_s() -> None:
    decoder, _ = started()
    decoder.feed(ECHO, RX)
    decoder.outgoing(0.1, wall(0.1))                  # the re-send after the first echo
    sent_at, result = [], DecodeResult()
    for tick in range(2, 122):
        now = tick / 10
        result.extend(decoder.feed(ECHO, RX))
        if build_queries(wall(now)) in decoder.outgoing(now, wall(now)):
            sent_at.append(now)
    assert sent_at == [5.1, 10.1]
    assert reasons(result) == ["no-values"] * 2 and result.frames == 120
    assert result.dropped[0].detail == ("no periodic values (204) for 5 s after query 1203; "
                                        "asking again")


def test_values_that_stop_for_5_s_make_the_query_go_again() -> None:
    decoder, _ = started()
    decoder.feed(VALUES, RX)
    decoder.outgoing(0.5, wall(0.5))                  # the last 204, seen at 0.5
    assert build_queries(wall(5.4)) not in decoder.outgoing(5.4, wall(5.4))
    assert decoder.outgoing(5.5, wall(5.5)).startswith(build_queries(wall(5.5)))
    assert decoder.phase is Phase.QUERIED
    assert reasons(decoder.feed(VALUES, RX)) == ["no-values"]
    decoder.outgoing(5.6, wall(5.6))
    assert decoder.phase is Phase.STREAMING


def test_nothing_is_said_on_closing_and_nothing_is_ever_acknowledged() -> None:
    decoder, _ = started()
    assert decoder.closing_bytes() == b""
    result = decoder.feed(VALUES + NIBP + ECHO + oru("103") + oru("54") + oru("56"), RX)
    assert result.replies == []


# --- What we read ---------------------------------------------------------------------------


def test_periodic_values_and_nibp_are_read_with_the_nibp_measurement_time() -> None:
    decoder = MindrayBedsideDecoder("sim")
    result = decoder.feed(VALUES + NIBP, RX)
    assert values(result) == [("heart_rate", 72), ("resp_rate", 14), ("spo2", 97),
                              ("pulse_rate", 73), ("bp_systolic", 121), ("bp_diastolic", 79),
                              ("bp_mean", 93)]
    assert result.frames == 2 and result.dropped == []
    nibp = [r for r in result.readings if r.metric.startswith("bp_")]
    assert {r.measured_at for r in nibp} == {datetime(2026, 1, 5, 8, 55, tzinfo=UTC)}
    assert {r.source for r in result.readings} == {"hl7:Mindray Monitor"}
    assert all(r.received_at == RX for r in result.readings)


def test_minus_100_is_no_value_and_the_message_still_counts() -> None:
    result = MindrayBedsideDecoder().feed(oru("204", "OBX|1|NM|101^HR|2101|-100||||||F",
                                              "OBX|2|NM|160^SpO2|2103|96||||||F"), RX)
    assert values(result) == [("spo2", 96)]
    assert reasons(result) == ["no-value"] and result.frames == 1
    assert "-100 is a device 'no value' marker" in result.dropped[0].detail


@pytest.mark.parametrize(("kind", "reason", "says"), [
    ("103", "monitor-patient", "the console's patient is the one entered at the console"),
    ("54", "monitor-alarm", "the console raises its alarms from the values and the protocol's"),
    ("56", "monitor-alarm", "(the monitor's own alarms) not read"),
    ("999", "unknown-kind", "the kinds read are 204 (values), 503 (NIBP) and 106 (echo)"),
])
def test_patient_alarm_and_unknown_messages_are_dropped_and_not_counted(
        kind: str, reason: str, says: str) -> None:
    result = MindrayBedsideDecoder().feed(oru(kind, "OBX|1|NM|101^HR|2101|72||||||F"), RX)
    assert result.readings == [] and result.frames == 0
    assert reasons(result) == [reason] and says in result.dropped[0].detail


def test_other_messages_and_our_own_in_a_two_way_capture_are_not_read() -> None:
    decoder = MindrayBedsideDecoder()
    adt = frame("MSH|^~\\&|Mindray Monitor||||20260105090000+0000||ADT^A01|1|P|2.3.1")
    ours = build_queries(T0) + build_echo(T0)
    result = decoder.feed(adt + ours, RX)
    assert reasons(result) == ["unexpected-message", "not-from-monitor", "not-from-monitor",
                               "not-from-monitor"]
    assert result.frames == 0 and result.readings == []
    assert "ADT^A01 message '1' not read" in result.dropped[0].detail


def test_random_chunks_read_the_same_as_whole_messages() -> None:
    stream = VALUES + ECHO + NIBP + oru("54") + VALUES
    whole = MindrayBedsideDecoder().feed(stream, RX)
    for seed in range(20):
        decoder, got = MindrayBedsideDecoder(), DecodeResult()
        for piece in random_chunks(stream, seed, largest=13):
            got.extend(decoder.feed(piece, RX))
        got.extend(decoder.flush(RX))
        assert (values(got), reasons(got), got.frames) == (values(whole), reasons(whole),
                                                           whole.frames) == (
            values(whole), ["monitor-alarm"], 4)


def test_a_truncated_frame_at_the_end_is_dropped_on_flush() -> None:
    decoder = MindrayBedsideDecoder()
    assert decoder.feed(VALUES + NIBP[:40], RX).frames == 1
    flushed = decoder.flush(RX)
    assert flushed.readings == [] and flushed.frames == 0 and flushed.dropped


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(
    st.binary(max_size=64),
    st.sampled_from([VALUES, NIBP, ECHO, oru("103"), oru("54"), b"\x0b", b"\x1c\r",
                     b"MSH|^~\\&|", b"OBX|1|NM|101^HR||", b"-100", b"\r"]),
    st.builds(lambda k, v: oru(k, f"OBX|1|NM|{v}"), st.text(max_size=6),
              st.text(max_size=40)),
), max_size=12), st.lists(st.floats(0, 30), max_size=12))
def test_the_decoder_never_raises_whatever_it_is_fed(pieces: list[bytes],
                                                     turns: list[float]) -> None:
    decoder = MindrayBedsideDecoder("fuzz")
    now = 0.0
    for i, piece in enumerate(pieces):
        result = decoder.feed(piece, RX)
        assert DECODER_ERROR not in reasons(result)
        assert result.replies == []
        if i < len(turns):
            now += turns[i]
            assert isinstance(decoder.outgoing(now, wall(now)), bytes)
    assert DECODER_ERROR not in reasons(decoder.flush(RX))


# --- The monitor announcing itself ----------------------------------------------------------


ANNOUNCE = frame("MSH|^~\\&|Mindray Monitor||||20260105090000+0000||ADT^A01|1|P|2.3.1",
                 "PID|||P1", "PV1||I|ICU^^Bed 7")


def test_an_adt_a01_announcement_gives_the_monitor_address_to_open() -> None:
    found = read_announcement(ANNOUNCE, "192.0.2.40")
    assert found is not None
    assert (found.ip, found.name, found.bed) == ("192.0.2.40", "Mindray Monitor", "ICU^^Bed 7")
    assert found.url == "socket://192.0.2.40:4601"
    bare = ANNOUNCE.strip(b"\x0b").replace(b"\x1c\r", b"")
    assert read_announcement(bare, "192.0.2.41") is not None
    # One datagram is one whole message: its last segment (the bed) counts without its CR,
    # where a stream ending without one was cut (devices/framing.py, `whole_at_end`).
    found = read_announcement(bare.rstrip(b"\r"), "192.0.2.41")
    assert found is not None and found.bed == "ICU^^Bed 7"
    assert read_announcement(VALUES, "192.0.2.40") is None
    assert read_announcement(b"\xff\x00 not hl7", "192.0.2.40") is None


def test_the_listener_hears_an_announcement_on_a_real_udp_port() -> None:
    listener = AnnouncementListener(port=0, host="127.0.0.1")
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        assert listener.wait(0.05) is None
        sender.sendto(b"noise", ("127.0.0.1", listener.port))
        sender.sendto(ANNOUNCE, ("127.0.0.1", listener.port))
        found = listener.wait(2.0)
        assert found is not None and found.url == "socket://127.0.0.1:4601"
    finally:
        sender.close()
        listener.close()


# --- The profile, and the simulated monitor talking to the decoder --------------------------


def test_the_shipped_profile_echoes_every_second_and_alarms_after_4_s() -> None:
    profile = load_catalogue([builtin_profiles_dir()]).profiles["mindray-bedside"]
    assert (profile.format, profile.connection) == ("mindray-bedside", "tcp")
    assert profile.address_example == "socket://192.0.2.40:4601"
    assert profile.stale_after_seconds == 4.0
    decoder = format_for(profile).new_decoder("socket://192.0.2.40:4601")
    assert isinstance(decoder, MindrayBedsideDecoder) and decoder.echo_seconds == 1.0


def test_the_simulated_monitor_ignores_the_burst_query_and_streams_after_the_resend() -> None:
    decoder, monitor = MindrayBedsideDecoder("sim"), MindrayBedsideMonitor()
    got = DecodeResult()
    for second in range(6):
        sample = Sample(40.0 + second, 80 + second, 81, 14, 97, Nibp(30.0, 121, 79, 93))
        for tick in range(10):
            now = second + tick / 10
            for message in monitor.answer(decoder.outgoing(now, wall(now)), sample, wall(now)):
                got.extend(decoder.feed(message, wall(now)))
    assert monitor.ignored_queries == 2        # both queries of the first write: the burst
    assert monitor.asked == set(PARAMETER_IDS)  # the re-send after the first echo subscribed it
    assert decoder.queries_sent == 2 and decoder.phase is Phase.STREAMING
    hr = [r.value for r in got.readings if r.metric == "heart_rate"]
    assert hr == [80, 81, 82, 83, 84, 85]
    nibp = [r for r in got.readings if r.metric == "bp_systolic"]
    assert len(nibp) == 1 and nibp[0].measured_at == wall(0) - timedelta(seconds=10)
    assert got.dropped == [] and got.replies == []


def test_the_simulated_monitor_ignores_a_query_with_another_msh10_without_a_nak() -> None:
    monitor = MindrayBedsideMonitor(startup_burst=False)
    wrong = build_queries(T0).replace(b"|1203|", b"|1204|")
    assert monitor.answer(wrong, SAMPLE, T0) == []
    assert monitor.bad_queries == 2 and monitor.asked == set()
    assert monitor.answer(build_queries(T0, [101]), SAMPLE, T0) != []
    assert monitor.asked == {101}
