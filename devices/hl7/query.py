"""QRY^R02 queries for monitors that answer only when asked (polled HL7), per vendor flavour.

A query is MSH + QRD + QRF, MLLP-framed; the monitor answers ORF^R04 with MSA-2 = the query's
MSH-10 (see devices/hl7/polled.py). The three flavours differ only in a few fields, so each is a
row of data (`QUERY_FLAVOURS`): MSH-12, and QRD/QRF templates whose `{placeholders}` are filled
from the query and its `QuerySpec`:

- `philips-efficia`: Philips Efficia CM serial data export; QRD-9 `STA` asks for current values
  (`RES` would ask for results). One monitor per cable: no bed.
- `draeger-gateway`: Draeger Infinity gateway; `QRF|MONITOR||||<unit>^^<bed>` names the bed, and
  the gateway answers MSA-3 like `[unit,bed]Bed found`.
- `mindray-gateway`: Mindray central station / gateway; QRD `R`, `I`, a query id under 16 bytes,
  `RES`; QRF-5 `<bed IPv4 as uint32>&<IP seq>^<send-type bitmask 1/2/4/8/16>^0^0`. The gateway
  answers an ACK first (one ERR per bed) and then the ORF^R04; the client ends the session with
  `MSA|AR|0|Close` (`closing_message`).

Facts from shared/design/devices.md. Fields devices.md does not give are our choice and marked
so in the table (QRF-1 `MONITOR` outside Draeger, the QRD-9 of the Draeger flavour, the Mindray
IP sequence 0 and send-type 1): correct them here, in one place, when a device's manual says
otherwise. The query id (QRD-4) is the query's own MSH-10, at most 15 characters. A unit or
bed name is printable ASCII, as the query is sent (`QuerySpec` refuses anything else).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from types import MappingProxyType

from devices.framing import MLLP_END, MLLP_START, MLLP_TRAILER

APPLICATION = "INFUSION_CONSOLE"
MAX_QUERY_ID = 15
"""Mindray: the query id must be under 16 bytes; every flavour uses the same ids."""
_UNSAFE = re.compile(r"[|^~\\&\r\n\x0b\x1c]")
_NOT_CARRIED = re.compile(r"[^\x20-\x7e]")
"""What a query cannot carry: it is sent as ASCII, anything else as '?' (a bed never found)."""


@dataclass(frozen=True, slots=True)
class Flavour:
    """One vendor's way of asking (see the module docstring).

    Attributes:
        name: the key in `QUERY_FLAVOURS` and in device profiles.
        description: one line for people.
        version: MSH-12.
        qrd: QRD segment template (`{time}`, `{qid}`).
        qrf: QRF segment template (`{unit}`, `{bed}`, `{ip}`, `{ip_seq}`, `{send_types}`).
        bed: what identifies the bed: `none` (point to point), `unit-bed`, or `ipv4`.
        acks_first: the device answers an ACK with one ERR per bed before the ORF^R04.
        closes: the client ends the session with `MSA|AR|0|Close`.
    """

    name: str
    description: str
    version: str
    qrd: str
    qrf: str
    bed: str = "none"
    acks_first: bool = False
    closes: bool = False


QUERY_FLAVOURS: Mapping[str, Flavour] = MappingProxyType({
    "philips-efficia": Flavour(
        "philips-efficia", "Philips Efficia CM serial data export (QRY^R02, current values)",
        version="2.3",
        qrd="QRD|{time}|R|I|{qid}|||||STA",
        qrf="QRF|MONITOR",  # QRF-1: our choice (devices.md gives none for Efficia)
    ),
    "draeger-gateway": Flavour(
        "draeger-gateway", "Draeger Infinity gateway (QRY^R02 for one care unit and bed)",
        version="2.3",
        qrd="QRD|{time}|R|I|{qid}|||||RES",  # QRD-9: our choice
        qrf="QRF|MONITOR||||{unit}^^{bed}",
        bed="unit-bed",
    ),
    "mindray-gateway": Flavour(
        "mindray-gateway", "Mindray central station / gateway (QRY^R02 for one bed by IPv4)",
        version="2.3.1",
        qrd="QRD|{time}|R|I|{qid}|||||RES",
        qrf="QRF|MONITOR||||{ip}&{ip_seq}^{send_types}^0^0",  # QRF-1: our choice
        bed="ipv4",
        acks_first=True,
        closes=True,
    ),
})


@dataclass(frozen=True, slots=True)
class QuerySpec:
    """What to ask, and for which bed.

    Attributes:
        flavour: a `QUERY_FLAVOURS` entry.
        bed: the bed as replies name it in PV1-3.3 (Draeger: the bed label; Mindray: the bed's
            IPv4 address); empty for a point-to-point monitor.
        unit: Draeger: the care unit (QRF-5 `<unit>^^<bed>`, PV1-3.1 of replies).
        ip_seq: Mindray: the IP sequence after `&` in QRF-5.
        send_types: Mindray: the send-type bitmask (1, 2, 4, 8, 16 or a sum).
    """

    flavour: Flavour
    bed: str = ""
    unit: str = ""
    ip_seq: int = 0
    send_types: int = 1

    def __post_init__(self) -> None:
        for label, value in (("bed", self.bed), ("unit", self.unit)):
            if _UNSAFE.search(value):
                raise ValueError(f"{self.flavour.name}: {label} {value!r} holds an HL7 "
                                 "separator (| ^ ~ \\ &) or a control character")
            # "Intensiv Süd" went out as "Intensiv S?d": every answer "Bed not found".
            found = list(dict.fromkeys(_NOT_CARRIED.findall(value)))
            if found:
                raise ValueError(f"{self.flavour.name}: {label} {value!r} holds "
                                 f"{', '.join(map(repr, found))}, which the query cannot carry: "
                                 "give it in printable ASCII (letters, digits, spaces and "
                                 "punctuation but | ^ ~ \\ &), as the gateway's bed list spells it")
        if self.flavour.bed == "unit-bed" and not (self.unit and self.bed):
            raise ValueError(f"{self.flavour.name}: give the care unit and the bed, as "
                             "'<unit>/<bed>' (e.g. 'ICU1/Bed3')")
        if self.flavour.bed == "ipv4":
            ipv4(self.bed, self.flavour.name)
        if not 1 <= self.send_types <= 31:
            raise ValueError(f"{self.flavour.name}: send-type bitmask {self.send_types} is "
                             "outside 1-31 (1, 2, 4, 8, 16 or a sum)")
        if not 0 <= self.ip_seq <= 0xFFFF:
            raise ValueError(f"{self.flavour.name}: IP sequence {self.ip_seq} is outside 0-65535")

    @property
    def beds(self) -> frozenset[str]:
        """Bed names that identify the bound bed in a reply's PV1-3.3 (upper-cased)."""
        return frozenset({self.bed.strip().upper()} - {""})

    @property
    def where(self) -> str:
        """QRF-5 as this spec fills it: what a reply's QRF echo must say."""
        fields = self.qrf().split("|")
        return fields[5] if len(fields) > 5 else ""

    def qrf(self) -> str:
        """The QRF segment (no terminator)."""
        ip = int(ipaddress.IPv4Address(self.bed)) if self.flavour.bed == "ipv4" else ""
        return self.flavour.qrf.format(unit=self.unit, bed=self.bed, ip=ip, ip_seq=self.ip_seq,
                                       send_types=self.send_types)


def ipv4(text: str, flavour: str = "mindray-gateway") -> ipaddress.IPv4Address:
    """Parse a bed's IPv4 address.

    Raises:
        ValueError: not a dotted IPv4 address (the message says what to give).
    """
    try:
        return ipaddress.IPv4Address(text.strip())
    except ValueError:
        raise ValueError(f"{flavour}: bed {text!r} is not an IPv4 address; give the bed "
                         "monitor's address, e.g. 192.168.10.21") from None


def query_spec(flavour: str, bed: str = "", **options: int) -> QuerySpec:
    """Build the spec a device profile describes.

    Args:
        flavour: a `QUERY_FLAVOURS` key.
        bed: the profile's bed: Draeger `<unit>/<bed>` (or `<unit>^^<bed>`); Mindray the bed's
            IPv4; empty for Philips Efficia.
        options: `ip_seq`, `send_types` (Mindray).

    Raises:
        ValueError: an unknown flavour or a bed this flavour cannot use (the message says why).
    """
    try:
        chosen = QUERY_FLAVOURS[flavour]
    except KeyError:
        raise ValueError(f"unknown query {flavour!r}; known: {', '.join(QUERY_FLAVOURS)}") \
            from None
    unit = ""
    bed = bed.strip()
    if chosen.bed == "unit-bed":
        unit, sep, label = bed.partition("^^") if "^^" in bed else bed.rpartition("/")
        unit, bed = unit.strip(), label.strip()
    return QuerySpec(chosen, bed=bed, unit=unit, **options)


def hl7_time(at: datetime) -> str:
    """HL7 DTM in UTC with seconds and offset."""
    return at.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S") + "+0000"


def _frame(segments: list[str]) -> bytes:
    return MLLP_START + ("\r".join(segments) + "\r").encode("ascii", "replace") + MLLP_END + \
        MLLP_TRAILER


def build_query(spec: QuerySpec, control_id: str, at: datetime) -> bytes:
    """Return one MLLP-framed QRY^R02.

    Args:
        spec: flavour and bed.
        control_id: MSH-10, also the QRD-4 query id (at most 15 characters, fresh per query).
        at: wall time written in MSH-7 and QRD-1.

    Raises:
        ValueError: a control id that is empty, too long or holds separators.
    """
    if not control_id or len(control_id) > MAX_QUERY_ID or _UNSAFE.search(control_id):
        raise ValueError(f"query id {control_id!r} must be 1-{MAX_QUERY_ID} characters without "
                         "HL7 separators")
    time = hl7_time(at)
    f = spec.flavour
    return _frame([
        f"MSH|^~\\&|{APPLICATION}||||{time}||QRY^R02|{control_id}|P|{f.version}",
        f.qrd.format(time=time, qid=control_id),
        spec.qrf(),
    ])


def closing_message(spec: QuerySpec, control_id: str, at: datetime) -> bytes:
    """Return the message that ends a session (`MSA|AR|0|Close`), or b"" for flavours without.

    Args:
        spec: flavour.
        control_id: MSH-10 of this message.
        at: wall time for MSH-7.
    """
    if not spec.flavour.closes:
        return b""
    return _frame([
        f"MSH|^~\\&|{APPLICATION}||||{hl7_time(at)}||ACK|{control_id}|P|{spec.flavour.version}",
        "MSA|AR|0|Close",
    ])
