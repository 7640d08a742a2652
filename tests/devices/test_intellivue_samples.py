"""IntelliVue Data Export: every real frame and message of the shared samples.

The expected values are the samples' own annotations (shared/device-samples/
philips-intellivue-*.txt): HR 60 /min from a real MIB/RS232 capture, NBP unavailable, SpO2 and
pleth pulse invalid, a LAN poll reply with Russian labels that holds no valid vital, and the
Connect Indications of two real monitors. The hex in those files is parsed here, at test time.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devices.intellivue import ids
from devices.intellivue.association import (
    COLD_START,
    PollProfile,
    association_request,
    parse_association_response,
    read_poll_profile,
)
from devices.intellivue.codec import read_envelope
from devices.intellivue.decoder import IntelliVueDecoder, Phase
from devices.intellivue.framing import frame, split_frames
from devices.intellivue.messages import poll_request, read_connect_indication
from tests.devices.conftest import RX, SAMPLES, feed_all

SERIAL = "philips-intellivue-mib-serial-capture.txt"
LAN = "philips-intellivue-lan-udp-samples.txt"
_HEX_LINE = re.compile(r"^\s*(?:[0-9a-f]{4}\s{2,})?((?:[0-9a-f]{2}\s*)+)$")


def load_sections(path: Path) -> dict[str, bytes]:
    """Return each `### TITLE` section's hex bytes, keyed by the title up to its first colon
    or parenthesis (`FRAME 5`, `HOST FRAME 2`, `MESSAGE 3`, `DETT ASSOCIATION REQUEST`).

    A hex line is 2-digit hex groups, optionally after a Wireshark offset column (`0010   ...`).
    """
    sections: dict[str, bytes] = {}
    title = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("###"):
            title = re.split(r"[:(]", line[3:], maxsplit=1)[0].strip()
            sections[title] = b""
            continue
        if line.startswith("#") or not title:
            continue
        m = _HEX_LINE.match(line.lower())
        if m:
            sections[title] += bytes.fromhex(m.group(1))
    return sections


def serial_sections() -> dict[str, bytes]:
    return load_sections(SAMPLES / SERIAL)


def monitor_capture() -> bytes:
    """The nine monitor frames of the serial sample, in capture order."""
    sections = serial_sections()
    return b"".join(sections[f"FRAME {n}"] for n in range(1, 10))


@pytest.fixture
def serial(samples_dir: Path) -> dict[str, bytes]:
    return load_sections(samples_dir / SERIAL)


@pytest.fixture
def lan(samples_dir: Path) -> dict[str, bytes]:
    return load_sections(samples_dir / LAN)


# --------------------------------------------------------------------------- serial frames


def test_the_sample_file_parses_into_its_frames(serial: dict[str, bytes]) -> None:
    assert [f"FRAME {n}" for n in range(1, 10)] == [k for k in serial if k.startswith("FRAME")]
    sizes = {"FRAME 1": 217, "FRAME 2": 298, "FRAME 5": 896, "FRAME 6": 808, "FRAME 7": 372,
             "FRAME 8": 58, "HOST FRAME 1": 309, "DETT ASSOCIATION REQUEST": 238}
    assert {k: len(serial[k]) for k in sizes} == sizes


def test_every_frame_checks_and_reframes_byte_for_byte(serial: dict[str, bytes]) -> None:
    for title, data in serial.items():
        if "FRAME" not in title:
            continue
        split = split_frames(data, final=True)
        assert split.dropped == [], title
        (only,) = split.frames
        assert frame(only.data) == data, title  # same header, FCS and escapes


def test_capture_decodes_to_the_annotated_values(serial: dict[str, bytes]) -> None:
    decoder = IntelliVueDecoder("bed-3")
    result = feed_all(decoder, monitor_capture())
    assert result.frames == 9
    # Frame 5: handle 0x82CF HR (NOM_ECG_CARD_BEAT_RATE 0x4182) = 60, state 0, unit 0x0AA0.
    (hr,) = result.readings
    assert (hr.metric, hr.value, hr.unit, hr.flags) == ("heart_rate", 60.0, "beats/min",
                                                         frozenset())
    assert hr.measured_at is None and hr.received_at == RX
    # The MDS-create event's system id (00 09 fb 02 9e 18) names the monitor.
    assert hr.source == "intellivue:0009fb029e18"
    assert hr.channel == "ECG_CARD_BEAT_RATE:82CF"
    reasons = [d.reason for d in result.dropped]
    # NBP sys/dia/mean UNAVAILABLE (0x2000), stamped: no cuff measurement yet; SpO2 INVALID
    # (0x8000) and pleth pulse 0x8001; ST leads, PVC and perfusion are not vitals; frame 9 is a
    # wave poll.
    assert reasons == ["nibp-empty", "not-monitored", "invalid", "invalid", "not-monitored",
                       "waveform-skipped"]
    assert "0x4bb8" in result.dropped[2].detail and "0x8000" in result.dropped[2].detail
    assert "0x4822" in result.dropped[3].detail and "0x8001" in result.dropped[3].detail
    assert decoder.phase is Phase.POLLING
    assert decoder.offer.read and decoder.offer.min_poll_seconds == 0.5
    assert decoder.offer.max_message_bytes == 996


def test_mds_create_is_confirmed_like_the_real_host_did(serial: dict[str, bytes]) -> None:
    result = IntelliVueDecoder().feed(serial["FRAME 1"] + serial["FRAME 2"], RX)
    (reply,) = result.replies
    assert not reply.waits
    ours = split_frames(reply.now).frames[0].data
    host = split_frames(serial["HOST FRAME 3"]).frames[0].data
    # Identical except the current time: the host echoes the event's time (0x001DC200) where the
    # logged host sent its own clock.
    assert ours[:20] == host[:20] and ours[24:] == host[24:]
    assert ours[20:24] == bytes.fromhex("001dc200")


@pytest.mark.parametrize("seed", range(6))
def test_capture_in_random_chunks_decodes_the_same(serial: dict[str, bytes], seed: int) -> None:
    whole = feed_all(IntelliVueDecoder(), monitor_capture())
    chunked = feed_all(IntelliVueDecoder(), monitor_capture(), seed)
    assert chunked.readings == whole.readings
    assert chunked.frames == whole.frames
    assert chunked.dropped == whole.dropped
    assert [r.now for r in chunked.replies] == [r.now for r in whole.replies]


def test_truncated_abort_run_into_the_next_frame_loses_nothing(serial: dict[str, bytes]) -> None:
    # The host capture's frame #62: an abort cut short, run straight into the next frame.
    cut = bytes.fromhex("c0 11 01 00 30 19 2e 11 01 03 7d e1 29 a0 80")
    result = feed_all(IntelliVueDecoder(), cut + serial["FRAME 5"])
    assert [d.reason for d in result.dropped][0] == "truncated-frame"
    assert [(r.metric, r.value) for r in result.readings] == [("heart_rate", 60.0)]
    assert result.frames == 1


def test_stream_starting_mid_frame_drops_the_tail_and_reads_the_next(
        serial: dict[str, bytes]) -> None:
    data = serial["FRAME 4"][20:] + serial["FRAME 5"]
    for seed in (None, 1, 2):
        result = feed_all(IntelliVueDecoder(), data, seed)
        assert [d.reason for d in result.dropped][0] == "garbage"
        assert [(r.metric, r.value) for r in result.readings] == [("heart_rate", 60.0)]


def test_host_frames_are_not_monitor_frames(serial: dict[str, bytes]) -> None:
    hosts = b"".join(serial[f"HOST FRAME {n}"] for n in range(1, 7))
    result = feed_all(IntelliVueDecoder(), hosts)
    assert result.frames == 0 and result.readings == []
    assert {d.reason for d in result.dropped} == {"not-from-monitor"}


def test_our_requests_match_the_logged_ones(serial: dict[str, bytes]) -> None:
    # The vendor test tool's association request, rebuilt from its decoded parameters.
    dett = PollProfile(min_poll_seconds=0x000FDE80 / 8000, max_receive_bytes=1000,
                       max_send_bytes=1000, bandwidth=0, ext_options=0x89000000,
                       startup_mode=COLD_START)
    assert association_request(dett) == serial["DETT ASSOCIATION REQUEST"]
    # The logged extended poll for numerics (invoke 1, poll 1, NOM_ATTR_TIME_PD_POLL 30 s).
    logged = split_frames(serial["HOST FRAME 2"]).frames[0].data
    assert poll_request(1, 1, period_seconds=30.0) == logged
    # The console's own requests: numerics, no period (one reply per poll).
    ours = read_envelope(poll_request(7, 9))
    assert (ours.ro_type, ours.invoke_id, ours.command) == (ids.RO_INVOKE, 7,
                                                            ids.CMD_CONFIRMED_ACTION)


def test_association_response_offer(serial: dict[str, bytes]) -> None:
    message = split_frames(serial["FRAME 1"]).frames[0].data
    assert message[0] == ids.SPDU_ACCEPT
    offer = parse_association_response(message)
    assert (offer.min_poll_seconds, offer.max_message_bytes, offer.read) == (0.5, 996, True)
    # Cut short: the documented defaults stand, and the reason is given.
    broken = parse_association_response(message[:150])
    assert (broken.min_poll_seconds, broken.max_message_bytes, broken.read) == (0.5, 996, False)
    assert broken.detail


def test_default_association_request_carries_our_profile() -> None:
    from devices.intellivue.association import _find_user_info

    request = association_request()
    assert request[0] == ids.SPDU_CONNECT
    profile = read_poll_profile(_find_user_info(request))
    assert profile == PollProfile()


# --------------------------------------------------------------------------- LAN messages


def test_lan_poll_reply_with_russian_labels_has_no_valid_vital(lan: dict[str, bytes]) -> None:
    message = lan["MESSAGE 3"]
    assert len(message) == 976
    decoder = IntelliVueDecoder("lan", lan=True)
    result = decoder.feed(message, RX)
    assert result.frames == 1
    assert result.readings == []
    by_reason = [(d.reason, d.detail.split(" handle ")[-1][:6]) for d in result.dropped]
    assert by_reason == [
        ("nibp-empty", "0x8272"),      # NBP 0x2000, NaN: no cuff measurement yet
        ("nibp-empty", "0x8275"),      # its cuff pulse, the same
        ("invalid", "0x82cf"),         # HR 0x8200
        ("invalid", "0x82d6"),         # RR 0x8000
        ("not-monitored", "poll 1"),   # 8 ST leads
    ]
    # The labels are only shown in the details, never used: HR's is Cyrillic.
    assert "'ЧСС'" in result.dropped[2].detail


def test_connect_indication_of_an_mp70(lan: dict[str, bytes]) -> None:
    found = read_connect_indication(lan["MESSAGE 1"])
    assert (found.ip, found.data_port, found.model) == ("10.13.37.2", 24105, "Philips M8007A")


def test_connect_indication_of_an_mx_from_an_ethernet_dump(lan: dict[str, bytes]) -> None:
    payload = lan["MESSAGE 2"][0x2A:]
    assert len(payload) == 418
    found = read_connect_indication(payload)
    assert (found.ip, found.data_port, found.model) == ("192.168.247.101", 24105,
                                                        "Philips 866062")


def test_connect_indication_fed_to_the_lan_decoder_is_a_good_message(
        lan: dict[str, bytes]) -> None:
    result = IntelliVueDecoder(lan=True).feed(lan["MESSAGE 1"], RX)
    assert (result.frames, result.readings, result.dropped) == (1, [], [])
