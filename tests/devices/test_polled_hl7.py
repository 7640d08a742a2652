"""Polled HL7: the queries per vendor, matching replies to queries, one bed only, poll timing
with an injected clock, and the simulated monitor and the decoder talking in memory."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.hl7.dialects import load_dialects, shipped_dialects_dir
from devices.hl7.polled import PolledHL7Decoder
from devices.hl7.query import QUERY_FLAVOURS, build_query, query_spec
from devices.simulator.physiology import Nibp, Sample
from devices.simulator.polled_monitor import PolledMonitor
from devices.stream import DecodeResult
from protocols.vitals import METRICS
from tests.devices.conftest import DECODER_ERROR, RX, random_chunks

UTC = timezone.utc
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SAMPLE = Sample(40.0, 80, 81, 14, 97, Nibp(30.0, 121, 79, 93))
MDC_VALUES = [("heart_rate", 80), ("pulse_rate", 81), ("spo2", 97), ("resp_rate", 14),
              ("bp_systolic", 121), ("bp_diastolic", 79), ("bp_mean", 93)]


def wall(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def frame(*segments: str) -> bytes:
    return b"\x0b" + ("\r".join(segments) + "\r").encode() + b"\x1c\r"


def reasons(result: DecodeResult) -> list[str]:
    return [d.reason for d in result.dropped]


def values(result: DecodeResult) -> list[tuple[str, float]]:
    return [(r.metric, r.value) for r in result.readings]


def decoder(flavour: str, bed: str = "", poll: float = 1.0, **kw: object) -> PolledHL7Decoder:
    return PolledHL7Decoder("sim", query=query_spec(flavour, bed), poll_seconds=poll,
                            **kw)  # type: ignore[arg-type]


def control_id(query: bytes) -> str:
    return query.split(b"|")[9].decode()


ORF_MSH = "MSH|^~\\&|MON|WARD|||20260105090000+0000||ORF^R04|R1|P|2.3"
ROWS = ["OBR|1|||MON|||20260105090000+0000",
        "OBX|1|NM|0002-4182^HR^MDIL||72|0004-0aa0^bpm^MDIL|||||R",
        "OBX|2|NM|0002-4bb8^SpO2^MDIL||96|0004-0220^%^MDIL|||||R"]


# --- Queries --------------------------------------------------------------------------------


def test_philips_efficia_query() -> None:
    assert build_query(query_spec("philips-efficia"), "IC0000010001", T0) == (
        b"\x0bMSH|^~\\&|INFUSION_CONSOLE||||20260105090000+0000||QRY^R02|IC0000010001|P|2.3\r"
        b"QRD|20260105090000+0000|R|I|IC0000010001|||||STA\r"
        b"QRF|MONITOR\r\x1c\r")


@pytest.mark.parametrize("bed", ["ICU1/Bed3", "ICU1^^Bed3", " ICU1 / Bed3 "])
def test_draeger_gateway_query(bed: str) -> None:
    assert build_query(query_spec("draeger-gateway", bed), "Q7", T0) == (
        b"\x0bMSH|^~\\&|INFUSION_CONSOLE||||20260105090000+0000||QRY^R02|Q7|P|2.3\r"
        b"QRD|20260105090000+0000|R|I|Q7|||||RES\r"
        b"QRF|MONITOR||||ICU1^^Bed3\r\x1c\r")


def test_mindray_gateway_query_names_the_bed_by_ipv4_as_uint32() -> None:
    spec = query_spec("mindray-gateway", "192.168.10.21", send_types=3, ip_seq=2)
    # 192.168.10.21 = 0xC0A80A15 = 3232238101
    assert build_query(spec, "Q8", T0) == (
        b"\x0bMSH|^~\\&|INFUSION_CONSOLE||||20260105090000+0000||QRY^R02|Q8|P|2.3.1\r"
        b"QRD|20260105090000+0000|R|I|Q8|||||RES\r"
        b"QRF|MONITOR||||3232238101&2^3^0^0\r\x1c\r")


@pytest.mark.parametrize("flavour,bed,message", [
    ("mindray-gateway", "", "mindray-gateway: bed '' is not an IPv4 address"),
    ("mindray-gateway", "bed 4", "mindray-gateway: bed 'bed 4' is not an IPv4 address"),
    ("draeger-gateway", "Bed3", "draeger-gateway: give the care unit and the bed, as "
                                "'<unit>/<bed>'"),
    ("draeger-gateway", "ICU|1/Bed3", "draeger-gateway: unit 'ICU|1' holds an HL7 separator"),
    ("philips-intellivue", "", "unknown query 'philips-intellivue'; known: philips-efficia, "
                               "draeger-gateway, mindray-gateway"),
])
def test_bad_query_settings_say_why(flavour: str, bed: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        query_spec(flavour, bed)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("bad", ["", "X" * 16, "A|B"])
def test_query_ids_are_short_and_plain(bad: str) -> None:
    with pytest.raises(ValueError, match="query id"):
        build_query(query_spec("philips-efficia"), bad, T0)


def test_every_query_has_a_fresh_short_control_id() -> None:
    dec = decoder("philips-efficia")
    ids = [control_id(dec.outgoing(float(t), wall(t))) for t in range(50)]
    assert len(set(ids)) == 50 and all(len(i) <= 15 for i in ids)
    # Same MSH-10 and QRD-4 query id in each query.
    query = dec.outgoing(50.0, wall(50))
    assert query.split(b"\r")[1].split(b"|")[4].decode() == control_id(query)


def test_closing_bytes() -> None:
    mindray = decoder("mindray-gateway", "192.0.2.21")
    mindray.outgoing(0.0, T0)
    assert mindray.closing_bytes().endswith(b"||ACK|IC6036000002|P|2.3.1\rMSA|AR|0|Close\r\x1c\r")
    assert decoder("philips-efficia").closing_bytes() == b""
    assert decoder("draeger-gateway", "ICU1/Bed3").closing_bytes() == b""


# --- Poll timing (injected monotonic time, no sleeps) ---------------------------------------


def test_poll_timing() -> None:
    dec = decoder("philips-efficia", poll=2.0)
    sent = [t for t in (0.0, 0.1, 1.9, 2.0, 2.1, 3.9, 4.05, 5.9, 6.0, 20.0, 21.9, 22.0)
            if dec.outgoing(t, wall(t))]
    # First at once; then every 2 s on the original cadence (4.05 was a late turn, 6.0 is still
    # due); after a long stall (20.0) the cadence restarts from there.
    assert sent == [0.0, 2.0, 4.05, 6.0, 20.0, 22.0]


def test_unanswered_poll_is_silence_and_reported() -> None:
    dec = decoder("philips-efficia", poll=1.0)
    dec.outgoing(0.0, T0)
    dec.outgoing(1.0, wall(1))
    dec.outgoing(3.0, wall(3))  # the query of t=0 is 3 s old: retired (timeout max(2 s, 3 s))
    result = dec.feed(b"", RX)
    assert result.frames == 0 and result.readings == []
    assert reasons(result) == ["no-reply"] and "not answered within 3 s" in result.dropped[0].detail


# --- Matching replies to queries ------------------------------------------------------------


def test_matched_reply_is_read_and_needs_no_ack() -> None:
    dec = decoder("philips-efficia")
    qid = control_id(dec.outgoing(0.0, T0))
    result = dec.feed(frame(ORF_MSH, f"MSA|AA|{qid}", f"QRD|x|R|I|{qid}|||||STA", "QRF|MONITOR",
                            "PID|||P1", *ROWS), RX)
    assert values(result) == [("heart_rate", 72), ("spo2", 96)]
    assert result.frames == 1 and result.replies == [] and result.dropped == []
    assert {r.source for r in result.readings} == {"hl7:MON"}


def test_reply_to_no_outstanding_query_is_not_read() -> None:
    dec = decoder("philips-efficia")
    qid = control_id(dec.outgoing(0.0, T0))
    reply = frame(ORF_MSH, f"MSA|AA|{qid}", "PID|||P1", *ROWS)
    first = dec.feed(reply, RX)
    again = dec.feed(reply, RX)  # a duplicate: its query has been answered
    stranger = dec.feed(frame(ORF_MSH, "MSA|AA|SOMEONE-ELSE", "PID|||P1", *ROWS), RX)
    assert first.frames == 1 and len(first.readings) == 2
    for result in (again, stranger):
        assert result.readings == [] and result.frames == 0
        assert reasons(result) == ["unmatched-reply"]
    assert "SOMEONE-ELSE, which is not an outstanding query" in stranger.dropped[0].detail


def test_refused_query_and_unsolicited_messages() -> None:
    dec = decoder("philips-efficia")
    qid = control_id(dec.outgoing(0.0, T0))
    refused = dec.feed(frame(ORF_MSH, f"MSA|AE|{qid}|no such bed"), RX)
    assert reasons(refused) == ["query-refused"] and refused.frames == 0
    oru = dec.feed(frame(ORF_MSH.replace("ORF^R04", "ORU^R01"), *ROWS), RX)
    assert reasons(oru) == ["unsolicited"] and oru.readings == [] and oru.replies == []


# --- One patient only -----------------------------------------------------------------------


def test_multi_bed_reply_is_read_for_the_bound_bed_only() -> None:
    monitor = PolledMonitor("mindray-gateway", bed="192.0.2.21")
    dec = decoder("mindray-gateway", "192.0.2.21")
    result = dec.feed(monitor.on_bytes(dec.outgoing(0.0, T0), SAMPLE, T0, T0), RX)
    assert values(result) == MDC_VALUES  # the other bed's HR would be 110, SpO2 87
    assert result.frames == 1
    [other] = [d for d in result.dropped if d.reason == "other-bed"]
    assert "bed '^^192.0.2.22' (PV1-3) not read; this device is bed 192.0.2.21" in other.detail


def test_bound_bed_is_not_read_from_another_bed_even_when_asked_for() -> None:
    # The console is bound to .22: the reply's .21 group is the other patient.
    monitor = PolledMonitor("mindray-gateway", bed="192.0.2.21")
    dec = decoder("mindray-gateway", "192.0.2.22")
    result = dec.feed(monitor.on_bytes(dec.outgoing(0.0, T0), SAMPLE, T0, T0), RX)
    assert values(result) == [("heart_rate", 110), ("pulse_rate", 111), ("spo2", 87),
                              ("resp_rate", 24), ("bp_systolic", 121), ("bp_diastolic", 79),
                              ("bp_mean", 93)]
    assert reasons(result).count("other-bed") == 1


def test_groups_without_a_bed_are_read_only_when_alone_and_echoed() -> None:
    dec = decoder("draeger-gateway", "ICU1/Bed3")
    qid = control_id(dec.outgoing(0.0, T0))
    two = dec.feed(frame(ORF_MSH, f"MSA|AA|{qid}", "QRF|MONITOR||||ICU1^^Bed3", "PID|||A", *ROWS,
                         "PID|||B", *ROWS), RX)
    assert two.readings == [] and reasons(two) == ["unidentified-bed", "unidentified-bed"]
    qid = control_id(dec.outgoing(1.0, wall(1)))
    wrong_echo = dec.feed(frame(ORF_MSH, f"MSA|AA|{qid}", "QRF|MONITOR||||ICU2^^Bed3", "PID|||A",
                                *ROWS), RX)
    assert wrong_echo.readings == [] and reasons(wrong_echo) == ["other-bed"]
    qid = control_id(dec.outgoing(2.0, wall(2)))
    alone = dec.feed(frame(ORF_MSH, f"MSA|AA|{qid}", "QRF|MONITOR||||ICU1^^Bed3", "PID|||A",
                           *ROWS), RX)
    assert values(alone) == [("heart_rate", 72), ("spo2", 96)]


def test_pv1_unit_must_match_when_both_are_known() -> None:
    dec = decoder("draeger-gateway", "ICU1/Bed3")
    qid = control_id(dec.outgoing(0.0, T0))
    result = dec.feed(frame(ORF_MSH, f"MSA|AA|{qid}", "PID|||A", "PV1||I|ICU2^^Bed3", *ROWS,
                            "PID|||B", "PV1||I|icu1^^bed3", *ROWS), RX)
    assert values(result) == [("heart_rate", 72), ("spo2", 96)]
    assert reasons(result) == ["other-bed"] and "'ICU2^^Bed3'" in result.dropped[0].detail


def test_disconnected_bed_reported_and_its_reply_is_no_frame() -> None:
    monitor = PolledMonitor("mindray-gateway", bed="192.0.2.21", disconnected=True)
    dec = decoder("mindray-gateway", "192.0.2.21")
    answer = monitor.on_bytes(dec.outgoing(0.0, T0), SAMPLE, T0, T0)
    ack, orf = answer.split(b"\x1c\r")[:2]
    result = dec.feed(ack + b"\x1c\r", RX)
    assert reasons(result) == ["bed-disconnected"] and result.frames == 0
    assert "gateway reports bed 192.0.2.21 'Disconnected'" in result.dropped[0].detail
    assert dec.feed(orf + b"\x1c\r", RX).frames == 0


def test_connected_gateway_ack_counts_nothing_and_the_reply_counts_once() -> None:
    monitor = PolledMonitor("mindray-gateway", bed="192.0.2.21")
    dec = decoder("mindray-gateway", "192.0.2.21")
    answer = monitor.on_bytes(dec.outgoing(0.0, T0), SAMPLE, T0, T0)
    ack, orf = answer.split(b"\x1c\r")[:2]
    assert dec.feed(ack + b"\x1c\r", RX).frames == 0
    assert dec.feed(orf + b"\x1c\r", RX).frames == 1


# --- The simulated monitor and the decoder, in memory ---------------------------------------


@pytest.mark.parametrize("flavour,bed", [("philips-efficia", ""), ("draeger-gateway", ""),
                                         ("mindray-gateway", "")])
def test_round_trip_over_many_polls_in_random_chunks(flavour: str, bed: str) -> None:
    monitor = PolledMonitor(flavour, bed)
    dialects = load_dialects([shipped_dialects_dir()])
    dec = PolledHL7Decoder("sim", query=monitor.spec, poll_seconds=1.0,
                           dialect=dialects.get("draeger-infinity")
                           if flavour == "draeger-gateway" else None)
    total = DecodeResult()
    for t in range(6):
        now = t * 0.5  # the transport's turns: a query every other turn
        query = dec.outgoing(now, wall(now))
        answer = b"".join(monitor.on_bytes(piece, SAMPLE, wall(now), T0)
                          for piece in random_chunks(query, t, 7)) if query else b""
        for piece in random_chunks(answer, t + 100, 50):
            total.extend(dec.feed(piece, RX))
    assert monitor.queries == 3 and total.frames == 3
    assert values(total) == MDC_VALUES * 3
    nibp = [r for r in total.readings if r.metric.startswith("bp_")]
    assert {r.measured_at for r in nibp} == {T0 + timedelta(seconds=30)}
    expected = {"mindray-gateway": ["other-bed"] * 3}.get(flavour, [])
    assert reasons(total) == expected


def test_draeger_bed_not_found() -> None:
    monitor = PolledMonitor("draeger-gateway", "ICU1/Bed3")
    dec = decoder("draeger-gateway", "ICU1/Bed4")
    result = dec.feed(monitor.on_bytes(dec.outgoing(0.0, T0), SAMPLE, T0, T0), RX)
    assert reasons(result) == ["query-refused"] and "Bed not found" in result.dropped[0].detail


def test_mindray_close_gets_no_answer() -> None:
    monitor = PolledMonitor("mindray-gateway")
    dec = decoder("mindray-gateway", "192.0.2.21")
    dec.outgoing(0.0, T0)
    assert monitor.on_bytes(dec.closing_bytes(), SAMPLE, T0, T0) == b""


def test_unknown_flavour_in_the_simulator() -> None:
    with pytest.raises(ValueError, match="known: philips-efficia"):
        PolledMonitor("ge-carescape")


# --- Fuzz -----------------------------------------------------------------------------------

FUZZ = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_obx = st.builds(
    lambda code, value, unit, status: f"OBX|1|{'SN' if '^' in value else 'NM'}|{code}||{value}|"
                                      f"{unit}|||||{status}",
    st.sampled_from(["0002-4182^HR^MDIL", "HR^^local^8867-4&1^^LOINC", "150456", "007000",
                     "101^HR", "8480-6^^LN", "", "&&^^&"]),
    st.sampled_from(["72", "=^119", "<^5", "***", "   ", "-100", "1e9", "=^400", "^1^-^2", ""]),
    st.sampled_from(["/min^^ISO+", "%", "mm(hg)^^ISO+", "", "0004-0aa0"]),
    st.sampled_from(["R", "F", "X", ""]))
_segment = st.one_of(_obx, st.sampled_from([
    "PID|||A", "PID|||B", "PV1||I|^^192.0.2.21", "PV1||I|^^192.0.2.22", "PV1||I|", "OBR|1",
    "QRF|MONITOR||||3221226005&0^1^0^0", "ERR|1^Disconnected", "ERR|2^Disconnected", "QRD|x"]))


@FUZZ
@given(data=st.data())
def test_fuzz_polled_decoder_never_raises_nor_yields_out_of_range(data: st.DataObject) -> None:
    dialects = load_dialects([shipped_dialects_dir()])
    dec = PolledHL7Decoder("fuzz", query=query_spec("mindray-gateway", "192.0.2.21"),
                           poll_seconds=1.0, dialect=data.draw(st.sampled_from(
                               [None, *dialects.dialects.values()])))
    ids = [control_id(dec.outgoing(float(t), wall(t))) for t in range(3)]
    stream = b""
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["ORF^R04", "ACK^R02", "ORU^R01", "ORF", ""]))
        answered = data.draw(st.sampled_from([*ids, "", "nope", "0"]))
        code = data.draw(st.sampled_from(["AA", "AE", "CA", ""]))
        segments = data.draw(st.lists(_segment, max_size=10))
        end = data.draw(st.sampled_from(["\r", "\n", ""]))
        text = end.join([f"MSH|^~\\&|FUZZ||||||{kind}|R|P|2.3.1", f"MSA|{code}|{answered}",
                         *segments]) + end
        stream += (b"\x0b" if data.draw(st.booleans()) else b"") + text.encode() + b"\x1c\r"
    stream += data.draw(st.binary(max_size=100))
    result = DecodeResult()
    for piece in random_chunks(stream, data.draw(st.integers(0, 1000)), 40):
        result.extend(dec.feed(piece, RX))
    result.extend(dec.flush(RX))
    assert not [d for d in result.dropped if d.reason == DECODER_ERROR], result.dropped
    assert result.replies == [] and result.frames <= 3
    for reading in result.readings:
        assert METRICS[reading.metric].in_hard_range(reading.value)


@FUZZ
@given(pieces=st.lists(st.binary(max_size=200), max_size=12))
def test_fuzz_polled_decoder_random_bytes(pieces: list[bytes]) -> None:
    dec = decoder("philips-efficia")
    dec.outgoing(0.0, T0)
    result = DecodeResult()
    for piece in pieces:
        result.extend(dec.feed(piece, RX))
    result.extend(dec.flush(RX))
    assert not [d for d in result.dropped if d.reason == DECODER_ERROR]
    assert result.readings == [] and result.frames == 0


def test_flavours_listed() -> None:
    assert list(QUERY_FLAVOURS) == ["philips-efficia", "draeger-gateway", "mindray-gateway"]


def test_is_a_conversation_for_the_transport() -> None:
    from devices.stream import Conversation

    assert isinstance(decoder("philips-efficia"), Conversation)


def test_outgoing_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    import devices.hl7.polled

    def broken(*_args: object) -> bytes:
        raise RuntimeError("planted")

    monkeypatch.setattr(devices.hl7.polled, "build_query", broken)
    dec = decoder("philips-efficia")
    assert dec.outgoing(0.0, T0) == b""
    assert [(d.reason, d.detail) for d in dec.feed(b"", RX).dropped] == [
        (DECODER_ERROR, "query: RuntimeError: planted")]
