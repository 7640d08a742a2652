"""IntelliVue session-layer messages: association request and response, release, abort.

These messages are not data messages (they do not start with the SPpdu 0xE100): their first byte
is the session-layer type (`ids.SPDU_*`). The association request and response carry a fixed
ASN.1 preamble (session, presentation and ACSE parts, the same in every published capture),
then the MDSE user information that matters:

    protocol version, nomenclature version, functional units, system type, start-up mode (u32
    each), an option list, and the supported application profiles: for polling,
    NOM_POLL_PROFILE_SUPPORT = revision, minimum poll period (RelativeTime, 1/8 ms),
    largest message received, largest message sent, bandwidth, options (u32 each) and
    optional packages (NOM_ATTR_POLL_PROFILE_EXT: options u32, attributes).

The monitor's response offers its minimum poll period and message sizes (the sample offers
0.5 s and 996 bytes); `parse_association_response` reads them, and falls back to those
documented values when the offer cannot be read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from devices.intellivue import ids
from devices.intellivue.codec import Malformed, Reader, attribute_list, ava, read_attributes

# Session parts of connect and accept SPDUs: the connect/accept item and the session user
# requirements (identical in the host's request and the monitor's response).
_SESSION_ITEMS = bytes.fromhex("05 08 13 01 00 16 01 02 80 00 14 02 00 02")
_USER_DATA = 0xC1
# Presentation + ACSE preamble of the association request, up to the user information's tag.
_REQUEST_PREAMBLE = bytes.fromhex(
    "31 80 a0 80 80 01 01 00 00 a2 80 a0 03 00 00 01 a4 80 30 80 02 01 01 06 04 52 01 00 01"
    " 30 80 06 02 51 01 00 00 00 00 30 80 02 01 02 06 0c 2a 86 48 ce 14 02 01 00 00 00 01 01"
    " 30 80 06 0c 2a 86 48 ce 14 02 01 00 00 00 02 01 00 00 00 00 00 00 61 80 30 80 02 01 01"
    " a0 80 60 80 a1 80 06 0c 2a 86 48 ce 14 02 01 00 00 00 03 01 00 00 be 80 28 80 06 0c 2a"
    " 86 48 ce 14 02 01 00 00 00 01 01 02 01 02")
# The same for the monitor's response (AARE), as in the sample capture's first frame.
_RESPONSE_PREAMBLE = bytes.fromhex(
    "31 80 a0 80 80 01 01 00 00 a2 80 a0 03 00 00 01 a5 80 30 80 80 01 00 81 02 51 01 00 00 30"
    " 80 80 01 00 81 0c 2a 86 48 ce 14 02 01 00 00 00 02 01 00 00 00 00 61 80 30 80 02 01 01 a0"
    " 80 61 80 a1 80 06 0c 2a 86 48 ce 14 02 01 00 00 00 03 01 00 00 a2 03 02 01 00 a3 05 a1 03"
    " 02 01 00 be 80 28 80 02 01 02")
_USER_INFO_TAG = 0x81
# End-of-contents octets closing the preamble's eight open (indefinite-length) constructions.
_TRAILER = bytes(16)
# Where the user information's enclosing construction starts (EXTERNAL inside user-information).
_USER_INFO_MARK = bytes.fromhex("be 80 28 80")

RELEASE_REQUEST = bytes.fromhex(
    "09 18 c1 16 61 80 30 80 02 01 01 a0 80 62 80 80 01 00 00 00 00 00 00 00 00 00")
"""Release request (FN SPDU with an ACSE RLRQ, reason normal): the host sends it on close."""
RELEASE_RESPONSE = bytes.fromhex(
    "0a 18 c1 16 61 80 30 80 02 01 01 a0 80 63 80 80 01 00 00 00 00 00 00 00 00 00")
"""Release response (DN SPDU with an ACSE RLRE): the answer to a release request."""

PROTOCOL_VERSION = 0x80000000      # MDDL_VERSION1
NOMENCLATURE_VERSION = 0x40000000  # NOMEN_VERSION
SYSTEM_CLIENT = 0x80000000         # SYST_CLIENT
SYSTEM_SERVER = 0x00800000         # SYST_SERVER
COLD_START = 0x20000000
HOT_START = 0x80000000
POLL_PROFILE_REVISION = 0x80000000
POLL_OPTIONS = 0x60000000          # dynamic create / delete of objects
POLL_EXT_NU_1SEC = 0x80000000      # NOM_ATTR_POLL_PROFILE_EXT: numerics every second
POLL_EXT_RTSA = 0x08000000         # ... real-time sample arrays


@dataclass(frozen=True, slots=True)
class PollProfile:
    """What one side says about polling in its association message.

    Attributes:
        min_poll_seconds: the shortest poll period.
        max_receive_bytes: the largest message this side accepts.
        max_send_bytes: the largest message this side sends.
        bandwidth: max_bw_tx as sent (0xFFFFFFFF: no limit).
        options: poll profile options.
        ext_options: NOM_ATTR_POLL_PROFILE_EXT options, or None to leave the package out.
        system_type: SYST_CLIENT for the host, SYST_SERVER for the monitor.
        startup_mode: COLD_START, HOT_START, ...
    """

    min_poll_seconds: float = ids.DEFAULT_MIN_POLL_SECONDS
    max_receive_bytes: int = 1000
    max_send_bytes: int = 1000
    bandwidth: int = 0xFFFFFFFF
    options: int = POLL_OPTIONS
    ext_options: int | None = POLL_EXT_NU_1SEC | POLL_EXT_RTSA
    system_type: int = SYSTEM_CLIENT
    startup_mode: int = COLD_START


@dataclass(frozen=True, slots=True)
class AssociationOffer:
    """The monitor's association response, as far as polling goes.

    Attributes:
        min_poll_seconds: the monitor's minimum poll period.
        max_message_bytes: the largest message the monitor accepts.
        read: False when the offer could not be read and the documented defaults stand.
        detail: why it could not be read ("" when it was).
    """

    min_poll_seconds: float = ids.DEFAULT_MIN_POLL_SECONDS
    max_message_bytes: int = ids.DEFAULT_MAX_MESSAGE_BYTES
    read: bool = False
    detail: str = ""


def _length_indicator(n: int) -> bytes:
    """Session-layer length: one byte below 255, else 0xFF and a u16."""
    return bytes((n,)) if n < 255 else b"\xff" + struct.pack(">H", n)


def _ber_length(n: int) -> bytes:
    return bytes((n,)) if n < 128 else b"\x82" + struct.pack(">H", n)


def user_info(profile: PollProfile) -> bytes:
    """Encode the MDSE user information (MDSEUserInfoStd) for `profile`."""
    packages: list[bytes] = []
    if profile.ext_options is not None:
        packages.append(ava(ids.ATTR_POLL_PROFILE_EXT,
                            struct.pack(">I", profile.ext_options) + attribute_list([])))
    period = round(profile.min_poll_seconds * ids.RELATIVE_TIME_TICKS_PER_SECOND)
    poll = struct.pack(">IIIIII", POLL_PROFILE_REVISION, period, profile.max_receive_bytes,
                       profile.max_send_bytes, profile.bandwidth, profile.options)
    poll += attribute_list(packages)
    head = struct.pack(">IIIII", PROTOCOL_VERSION, NOMENCLATURE_VERSION, 0, profile.system_type,
                       profile.startup_mode)
    return head + attribute_list([]) + attribute_list([ava(ids.POLL_PROFILE_SUPPORT, poll)])


def _session(spdu: int, preamble: bytes, info: bytes) -> bytes:
    presentation = preamble + bytes((_USER_INFO_TAG,)) + _ber_length(len(info)) + info + _TRAILER
    body = _SESSION_ITEMS + bytes((_USER_DATA,)) + _length_indicator(len(presentation)) \
        + presentation
    return bytes((spdu,)) + _length_indicator(len(body)) + body


def association_request(profile: PollProfile | None = None) -> bytes:
    """Build the host's association request (unframed).

    Args:
        profile: what the host says about polling (defaults: 0.5 s, 1000-byte messages, numerics
            every second).

    Returns:
        The message; its first byte is 0x0D.
    """
    return _session(ids.SPDU_CONNECT, _REQUEST_PREAMBLE, user_info(profile or PollProfile()))


def association_response(profile: PollProfile) -> bytes:
    """Build a monitor's association response (the simulator's side; first byte 0x0E)."""
    return _session(ids.SPDU_ACCEPT, _RESPONSE_PREAMBLE, user_info(profile))


def _find_user_info(message: bytes) -> bytes:
    """Return the MDSE user information inside an association message.

    Raises:
        Malformed: it is not there.
    """
    mark = message.find(_USER_INFO_MARK)
    if mark < 0:
        raise Malformed("no user information (BE 80 28 80) in the association message")
    reader = Reader(message[mark + len(_USER_INFO_MARK):], "user information")
    while True:
        tag, length = reader.u8(), reader.u8()
        if length & 0x80:
            size = length & 0x7F
            if not 1 <= size <= 2:
                raise Malformed(f"user information length form {length:#04x}")
            length = int.from_bytes(reader.take(size), "big")
        value = reader.take(length)
        if tag == _USER_INFO_TAG:
            return value


def read_poll_profile(info: bytes) -> PollProfile:
    """Read the poll profile out of an MDSE user information.

    Raises:
        Malformed: it has no NOM_POLL_PROFILE_SUPPORT or does not fit its structure.
    """
    reader = Reader(info, "MDSE user information")
    _protocol, _nomenclature, _units, system_type, startup = (reader.u32() for _ in range(5))
    read_attributes(reader, "option list")
    for attribute_id, value in read_attributes(reader, "supported profiles"):
        if attribute_id != ids.POLL_PROFILE_SUPPORT:
            continue
        poll = Reader(value, "poll profile")
        _revision, period, receive, send, bandwidth, options = (poll.u32() for _ in range(6))
        ext: int | None = None
        for package_id, package in read_attributes(poll, "poll profile packages"):
            if package_id == ids.ATTR_POLL_PROFILE_EXT and len(package) >= 4:
                ext = int.from_bytes(package[:4], "big")
        return PollProfile(period / ids.RELATIVE_TIME_TICKS_PER_SECOND, receive, send, bandwidth,
                           options, ext, system_type, startup)
    raise Malformed("no poll profile (NOM_POLL_PROFILE_SUPPORT) in the user information")


def parse_association_response(message: bytes) -> AssociationOffer:
    """Read the monitor's offer from its association response (first byte 0x0E).

    Never raises: an offer that cannot be read gives the documented defaults (0.5 s, 996 bytes)
    with `read=False` and the reason.
    """
    try:
        profile = read_poll_profile(_find_user_info(message))
    except Malformed as exc:
        return AssociationOffer(detail=str(exc))
    if not 0 < profile.min_poll_seconds <= 3600 or profile.max_receive_bytes < 64:
        return AssociationOffer(detail=f"offer of {profile.min_poll_seconds:g} s and "
                                f"{profile.max_receive_bytes} bytes is not plausible")
    return AssociationOffer(profile.min_poll_seconds, profile.max_receive_bytes, read=True)
