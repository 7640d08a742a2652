"""A simulated Mindray bedside monitor on its HL7 port (TCP 4601). No Qt.

`MindrayBedsideMonitor` is a responder for `devices.simulator.answering` (`answer(data, sample,
at) -> list[bytes]`, one element per message written). It buffers the MLLP bytes the console
writes and behaves as shared/design/devices.md describes the monitor ("Mindray bedside direct"):

- **Start-up burst.** Until it has sent its first echo the monitor is busy: the first query it
  hears then is ignored, silently (`ignored_queries`), so the console's re-send after the first
  echo is what subscribes it. `startup_burst=False` accepts the first query.
- **Query.** A QRY^R02 whose MSH-10 is exactly `1203` subscribes it to the parameter ids in its
  QRF (the fifth component of QRF-5, `&`-separated, as devices/hl7/mindray_bedside.py writes
  them); several queries add up. Any other query is ignored without a NAK (`bad_queries`).
- **Echo.** A 106 from the console is answered with a 106 (an ORU^R01 with MSH only).
- **Values.** Once subscribed, every call sends a 204 (the asked vitals among HR 101, RR 151,
  SpO2 160, PR 161, OBX-5 `-100` for one the sample lacks) when the sample is a new second, and
  a 503 (NIBP 170/171/172, with the measurement's time in OBR-7 and OBX-14) when the sample holds
  a measurement not sent yet.

The answering loop calls a responder only when the console has written something, so values go
out when the console's echo (every second) comes in, not on the monitor's own clock: at speed 1
that is one 204 a second, as a monitor sends; faster, one 204 per echo with the values of that
moment. Facts from devices.md; the OBX-4 sub-ids and the PID are this simulator's choices.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from devices.framing import MLLP_END, MLLP_START, MLLP_TRAILER, MllpFramer
from devices.simulator.encode import DEFAULT_IDENTITY, DeviceIdentity, hl7_time
from devices.simulator.physiology import Sample

VERSION = "2.3.1"
_SEGMENT_END = re.compile(r"\r\n|\r|\n")
# Parameter id, name, the Sample attribute it reads.
_PERIODIC = ((101, "HR", "heart_rate"), (151, "RR", "resp_rate"), (160, "SpO2", "spo2"),
             (161, "PR", "pulse_rate"))
_NIBP = ((170, "NIBP-S", "systolic"), (171, "NIBP-D", "diastolic"), (172, "NIBP-M", "mean"))


class MindrayBedsideMonitor:
    """Answers the console as a Mindray bedside monitor does (module docstring).

    Args:
        startup_burst: ignore the first query heard before the first echo.
        identity: who the monitor says it is (its MSH-3).

    Attributes:
        asked: parameter ids subscribed to (empty: not subscribed).
        queries, ignored_queries, bad_queries, echoes: what it heard.
        sent_values, sent_nibp: 204 and 503 messages sent.
    """

    def __init__(self, *, startup_burst: bool = True,
                 identity: DeviceIdentity = DEFAULT_IDENTITY) -> None:
        self._burst = startup_burst
        self._sending_app = identity.mindray_app
        self._framer = MllpFramer()
        self._last_second: int | None = None
        self._last_nibp: float | None = None
        self.asked: set[int] = set()
        self.queries = self.ignored_queries = self.bad_queries = self.echoes = 0
        self.sent_values = self.sent_nibp = 0

    def answer(self, data: bytes, sample: Sample, at: datetime) -> list[bytes]:
        """Take bytes from the console; return the monitor's messages, one element each.

        Args:
            data: bytes the console wrote (any split).
            sample: the values of the current second.
            at: the monitor's clock now (its scenario start is `at - sample.t`).
        """
        out: list[bytes] = []
        for frame in self._framer.push(data).frames:
            out += self._heard(frame.data.decode("latin-1"), at)
        if self.asked:
            out += self._values(sample, at)
        return out

    def _heard(self, text: str, at: datetime) -> list[bytes]:
        segments = [s for s in _SEGMENT_END.split(text) if s.strip()]
        if not segments or not segments[0].startswith("MSH|"):
            return []
        msh = segments[0].split("|")
        kind, control_id = (msh[8], msh[9]) if len(msh) > 9 else ("", "")
        if kind.startswith("QRY"):
            self.queries += 1
            if control_id != "1203":
                self.bad_queries += 1   # devices.md: a bad query gets no NAK
            elif self._burst:
                self.ignored_queries += 1
            else:
                self.asked |= _asked_ids(segments)
            return []
        if kind.startswith("ORU") and control_id == "106":
            self.echoes += 1
            self._burst = False
            return [self._message(at, "106", [])]
        return []

    def _values(self, sample: Sample, at: datetime) -> list[bytes]:
        out: list[bytes] = []
        second = int(sample.t)
        if second != self._last_second:
            self._last_second = second
            rows: list[str] = []
            for code, name, attr in _PERIODIC:
                if code in self.asked:
                    value = getattr(sample, attr, None)
                    shown = value if value is not None else -100
                    rows.append(f"OBX|{len(rows) + 1}|NM|{code}^{name}|{code}|{shown}||||||F")
            if rows:
                self.sent_values += 1
                out.append(self._message(at, "204", [f"OBR||||MINDRAY|||{hl7_time(at)}",
                                                     *rows]))
        nibp = sample.nibp
        if nibp is not None and nibp.t != self._last_nibp and any(c in self.asked
                                                                 for c, _, _ in _NIBP):
            self._last_nibp = nibp.t
            measured = hl7_time(at - timedelta(seconds=sample.t - nibp.t))
            rows = [f"OBX|{i}|NM|{code}^{name}|{code}|{getattr(nibp, attr)}||||||F|||{measured}"
                    for i, (code, name, attr) in enumerate(_NIBP, 1) if code in self.asked]
            self.sent_nibp += 1
            out.append(self._message(at, "503", [f"OBR||||MINDRAY|||{measured}", *rows]))
        return out

    def _message(self, at: datetime, kind: str, segments: list[str]) -> bytes:
        msh = f"MSH|^~\\&|{self._sending_app}||||{hl7_time(at)}||ORU^R01|{kind}|P|{VERSION}"
        body = [msh, *(["PID|||SIM-MINDRAY-BEDSIDE"] if segments else []), *segments]
        return MLLP_START + ("\r".join(body) + "\r").encode("utf-8") + MLLP_END + MLLP_TRAILER


def _asked_ids(segments: list[str]) -> set[int]:
    """The parameter ids of a query's QRF segments (QRF-5, fifth component, `&`-separated)."""
    ids: set[int] = set()
    for segment in segments:
        fields = segment.split("|")
        if fields[0] != "QRF" or len(fields) < 6:
            continue
        comps = fields[5].split("^")
        if len(comps) >= 5:
            ids |= {int(x) for x in comps[4].split("&") if x.strip().isdigit()}
    return ids
