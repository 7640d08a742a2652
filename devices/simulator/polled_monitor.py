"""A simulated monitor that answers QRY^R02 queries as each polled-HL7 vendor does. No Qt.

`PolledMonitor(flavour, bed=...)` buffers the MLLP bytes the console writes and answers every
complete QRY^R02 with an ORF^R04: MSA-2 = the query's MSH-10, the query's QRD and QRF echoed,
then the current sample's values:

- `philips-efficia`: one patient group (PID, no PV1), the MDC rows of the push simulator
  (`devices.simulator.encode.Hl7Encoder`).
- `draeger-gateway`: `MSA|AA|<id>|[unit,bed]Bed found`, one group with PV1-3 `<unit>^^<bed>`,
  rows as the Infinity gateway writes them: local mnemonic, LOINC in a sub-component
  (`HR^^local^8867-4&1^^LOINC`), SN values (`=^119`), ISO+ units, `***` for NIBP not measured.
  A query for another bed is answered `MSA|AE` (bed not found).
- `mindray-gateway`: first an ACK `MSA|AA|<id>` with `ERR|1^Connected` (or `1^Disconnected`
  when `disconnected`), then the ORF^R04 with two patient groups: the bound bed (PV1-3
  `^^<its IPv4>`) and a second bed with other values, so the console's bed filter is exercised.
  `MSA|AR|0|Close` from the console gets no answer.

Facts from shared/design/devices.md; what a gateway writes for a connected bed (`Connected`) and
how it names a bed in PV1-3 are this simulator's choices (devices/hl7/polled.py documents how the
console identifies a bed).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from devices.framing import MLLP_END, MLLP_START, MLLP_TRAILER, MllpFramer
from devices.hl7.query import QUERY_FLAVOURS, query_spec
from devices.simulator.encode import DEFAULT_IDENTITY, DeviceIdentity, Hl7Encoder, hl7_time
from devices.simulator.physiology import Sample

DEFAULT_BEDS = {"philips-efficia": "", "draeger-gateway": "ICU1/Bed3",
                "mindray-gateway": "192.0.2.21"}
"""The bed a simulated device serves when none is given."""
_SEGMENT_END = re.compile(r"\r\n|\r|\n")


class PolledMonitor:
    """Answers the console's queries with the current sample (module docstring).

    Args:
        flavour: a `devices.hl7.query.QUERY_FLAVOURS` name.
        bed: the bed it serves, as a device profile names it (Draeger `<unit>/<bed>`, Mindray an
            IPv4 address); empty takes `DEFAULT_BEDS`.
        disconnected: Mindray: report the bed disconnected in the ACK.
        identity: who the device says it is (MSH-3, and the MDS row of its observations).

    Raises:
        ValueError: unknown flavour or unusable bed (the message says which are known).
    """

    def __init__(self, flavour: str, bed: str = "", *, disconnected: bool = False,
                 identity: DeviceIdentity = DEFAULT_IDENTITY) -> None:
        self.spec = query_spec(flavour, bed or DEFAULT_BEDS.get(flavour, ""))
        self.flavour = QUERY_FLAVOURS[flavour]
        self.disconnected = disconnected
        self.queries = 0
        self._framer = MllpFramer()
        self._encoder = Hl7Encoder(identity)
        self._sending_app = identity.sending_app
        self._count = 0

    def on_bytes(self, data: bytes, sample: Sample, at: datetime, start: datetime) -> bytes:
        """Take bytes from the console; return the answers to the queries they completed.

        Args:
            data: bytes the console wrote (any split).
            sample: the values of the current second.
            at: the device clock now.
            start: the device clock at the scenario start (NIBP measured times).
        """
        out = b""
        for frame in self._framer.push(data).frames:
            out += self._answer(frame.data.decode("latin-1"), sample, at, start)
        return out

    def _answer(self, text: str, sample: Sample, at: datetime, start: datetime) -> bytes:
        segments = [s for s in _SEGMENT_END.split(text) if s.strip()]
        if not segments or not segments[0].startswith("MSH|"):
            return b""
        msh = segments[0].split("|")
        if len(msh) < 10 or not msh[8].startswith("QRY"):
            return b""  # e.g. Mindray's closing MSA|AR|0|Close: nothing to answer
        self.queries += 1
        control_id = msh[9]
        qrd = next((s for s in segments if s.startswith("QRD")), "")
        qrf = next((s for s in segments if s.startswith("QRF")), "")
        asked = qrf.split("|")[5] if qrf.count("|") >= 5 else ""
        name = self.flavour.name
        if name == "draeger-gateway":
            where = f"[{self.spec.unit},{self.spec.bed}]"
            if asked != self.spec.where:
                return self._message(at, "ORF^R04", [f"MSA|AE|{control_id}|{where}Bed not found",
                                                     qrd, qrf])
            groups = [f"PID|||SIM-{self.spec.bed}", f"PV1||I|{self.spec.unit}^^{self.spec.bed}",
                      *_draeger_rows(sample, at, start)]
            return self._message(at, "ORF^R04", [f"MSA|AA|{control_id}|{where}Bed found", qrd,
                                                 qrf, *groups])
        if name == "mindray-gateway":
            state = "Disconnected" if self.disconnected else "Connected"
            ack = self._message(at, "ACK^R02", [f"MSA|AA|{control_id}", f"ERR|1^{state}"])
            other = _other_ip(self.spec.bed)
            groups = [f"PID|||SIM-{self.spec.bed}", f"PV1||I|^^{self.spec.bed}",
                      *self._mdc_rows(sample, at, start),
                      f"PID|||SIM-{other}", f"PV1||I|^^{other}",
                      *self._mdc_rows(_other_patient(sample), at, start)]
            return ack + self._message(at, "ORF^R04", [f"MSA|AA|{control_id}", qrd, qrf, *groups])
        groups = ["PID|||SIM-EFFICIA", *self._mdc_rows(sample, at, start)]
        return self._message(at, "ORF^R04", [f"MSA|AA|{control_id}", qrd, qrf, *groups])

    def _mdc_rows(self, sample: Sample, at: datetime, start: datetime) -> list[str]:
        """The OBR and OBX rows of the push simulator's ORU^R01 for this sample."""
        frame = self._encoder.frame(sample, at, start).decode("utf-8")
        rows = frame.strip("\x0b\x1c\r").split("\r")
        return [r for r in rows if r.startswith(("OBR|", "OBX|"))]

    def _message(self, at: datetime, kind: str, segments: list[str]) -> bytes:
        self._count += 1
        msh = (f"MSH|^~\\&|{self._sending_app}|SIM-WARD|||{hl7_time(at)}||{kind}|"
               f"SIMR{self._count:08d}|P|{self.flavour.version}")
        text = "\r".join([msh, *(s for s in segments if s)]) + "\r"
        return MLLP_START + text.encode("utf-8") + MLLP_END + MLLP_TRAILER


def _draeger_rows(sample: Sample, at: datetime, start: datetime) -> list[str]:
    """OBR/OBX rows as an Infinity gateway writes them (LOINC in a sub-component, SN values)."""
    when = hl7_time(at)
    rows: list[tuple[str, int | None, str, str]] = [
        ("HR^^local^8867-4&1^^LOINC", sample.heart_rate, "/min^^ISO+", when),
        ("PR^^local^8889-8&1^^LOINC", sample.pulse_rate, "/min^^ISO+", when),
        ("SpO2^^local^59408-5&1^^LOINC", sample.spo2, "%^^ISO+", when),
        ("RR^^local^9279-1&1^^LOINC", sample.resp_rate, "/min^^ISO+", when)]
    nibp = sample.nibp
    measured = hl7_time(start + timedelta(seconds=nibp.t)) if nibp is not None else ""
    for code, attr in (("NBPs^^local^8480-6&1^^LOINC", "systolic"),
                       ("NBPd^^local^8462-4&1^^LOINC", "diastolic"),
                       ("NBPm^^local^8478-0&1^^LOINC", "mean")):
        value: int | None = getattr(nibp, attr) if nibp is not None else None
        rows.append((code, value, "mm(hg)^^ISO+", measured))
    out = [f"OBR|1|||MONITORING|||{when}"]
    for i, (code, value, unit, time) in enumerate(rows, 1):
        shown = f"=^{value}" if value is not None else "***"
        out.append(f"OBX|{i}|SN|{code}||{shown}|{unit}|||||F|||{time}")
    return out


def _other_ip(ip: str) -> str:
    """A neighbouring bed's address (last octet + 1, wrapping)."""
    head, _, last = ip.rpartition(".")
    return f"{head}.{(int(last) + 1) % 256}"


def _other_patient(sample: Sample) -> Sample:
    """Another patient's values, clearly different from the bound bed's."""
    return replace(sample, heart_rate=min(sample.heart_rate + 30, 300),
                   pulse_rate=min(sample.pulse_rate + 30, 300),
                   spo2=max(sample.spo2 - 10, 0), resp_rate=min(sample.resp_rate + 10, 150))
