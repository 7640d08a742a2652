"""A simulated Philips IntelliVue monitor: the monitor's side of a Data Export conversation.

Qt-free and clock-free: the caller passes what the console sent, the current `Sample` and the
time, and gets back what the monitor sends. It plays the conversation the decoder expects
(devices.md, "Philips IntelliVue Data Export"):

- an association request (first byte 0x0D) is answered with an association response offering a
  0.5 s minimum poll period and 996-byte messages, followed at once by the MDS-create event;
- polls before that event is confirmed are ignored (as a monitor does);
- an extended poll for numerics (object class 6) is answered with the sample's HR (ECG), pulse
  rate (pleth), SpO2, RR (with a `chest_rr`, capnography: that on the impedance RR 0x500A and the
  sample's RR on the airway RR 0x5012) and the NBP compound with its own time stamp: the first
  poll after association with labels only, as a real monitor does; `observations_per_message`
  splits the reply into linked results (1 first, 2 middle, 3 last) followed by an empty final
  result, as in the sample capture; a poll for another class gets an empty final result;
- a release request is answered with a release response; `release()` makes the monitor end the
  association itself.

Serial mode frames every message (0xC0 ... 0xC1) and `on_bytes` returns them all at once. LAN
mode is one message per call in both directions: each `data` is one datagram, and each call
returns at most one datagram; call again (with b"") until it returns b"" to drain the rest, or
use `on_datagram`, which returns them all as a list (one entry per datagram).
"""

from __future__ import annotations

import enum
import struct
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo

from devices.framing import Split
from devices.intellivue import ids
from devices.intellivue.association import (
    HOT_START,
    RELEASE_REQUEST,
    RELEASE_RESPONSE,
    SYSTEM_SERVER,
    PollProfile,
    association_response,
)
from devices.intellivue.codec import (
    Malformed,
    ava,
    encode_bcd_time,
    encode_float,
    read_envelope,
)
from devices.intellivue.framing import SerialFramer, frame
from devices.intellivue.messages import (
    mds_create_event,
    poll_reply,
    read_poll_request,
)
from devices.intellivue.numerics import (
    compound_value,
    label_string,
    numeric_value,
    observation,
    poll_info_list,
)
from devices.simulator.encode import DEFAULT_IDENTITY, DeviceIdentity
from devices.simulator.physiology import Sample

MONITOR_PROFILE = PollProfile(min_poll_seconds=0.5, max_receive_bytes=996, max_send_bytes=996,
                              ext_options=0x8E000000, system_type=SYSTEM_SERVER,
                              startup_mode=HOT_START)
"""What the simulated monitor offers (the values of the sample capture's association response)."""
MDS_CREATE_INVOKE_ID = 1
NUMERICS_CONTEXT = 1

DEFAULT_LABELS: dict[str, str] = {
    "heart_rate": "HR", "pulse_rate": "Pulse", "spo2": "SpO\u2082", "resp_rate": "RR",
    "airway_rr": "awRR", "nbp": "NBP",
}
"""Labels shown on the monitor; they only decorate (a test swaps in Cyrillic ones)."""

# metric -> (object handle, physiological id, unit); handles as in the sample capture.
_NUMERICS: tuple[tuple[str, int, int, int], ...] = (
    ("heart_rate", 0x82CF, 0x4182, ids.UNIT_BPM),
    ("pulse_rate", 0x8406, 0x4822, ids.UNIT_BPM),
    ("spo2", 0x8400, 0x4BB8, ids.UNIT_PERCENT),
    ("resp_rate", 0x82D6, 0x500A, ids.UNIT_RESP_PER_MIN),
)
_AIRWAY_RR = ("airway_rr", 0x82E0, 0x5012, ids.UNIT_RESP_PER_MIN)
"""Capnography's airway RR (MDC 151570), sent after the impedance RR when the sample has a
`chest_rr` (a scenario's `[second_channel.resp_rate]`)."""
_NBP_HANDLE = 0x8272
_NBP_MEMBERS = (0x4A05, 0x4A06, 0x4A07)
_UNSET_TIME = b"\xff" * 8


class MonitorPhase(enum.Enum):
    """The simulated monitor's side of the association."""

    IDLE = "idle"                    # no association
    AWAITING_CONFIRM = "awaiting-confirm"  # associated, MDS-create event not yet confirmed
    READY = "ready"                  # answering polls


class IntelliVueMonitor:
    """The monitor's side of an IntelliVue Data Export conversation.

    Args:
        lan: one unframed message per call (UDP) instead of framed serial bytes.
        labels: metric (or "nbp") -> the label the monitor shows.
        observations_per_message: observations per reply message; more make linked results.
        monitor_tz: the zone of the monitor's clock (its times are sent without a zone).
        identity: who the monitor says it is (its system id, in the MDS-create event).
    """

    def __init__(self, lan: bool = False, *, labels: Mapping[str, str] | None = None,
                 observations_per_message: int = 2, monitor_tz: tzinfo = UTC,
                 identity: DeviceIdentity = DEFAULT_IDENTITY) -> None:
        if observations_per_message < 1:
            raise ValueError("observations_per_message must be >= 1")
        self.lan = lan
        self.labels = {**DEFAULT_LABELS, **(labels or {})}
        self.per_message = observations_per_message
        self.monitor_tz = monitor_tz
        self.system_id = identity.intellivue_system_id
        self.phase = MonitorPhase.IDLE
        self.polls_answered = 0
        self.associations = 0
        self._framer = None if lan else SerialFramer()
        self._outbox: deque[bytes] = deque()
        self._started: datetime | None = None
        self._polls_since_association = 0
        # The NBP time stamp sent for the current cuff measurement: (its Nibp.t, the BCD stamp).
        self._nbp_stamp: tuple[float, bytes] | None = None

    # ------------------------------------------------------------------ the caller's API

    def on_bytes(self, data: bytes, sample: Sample, at: datetime) -> bytes:
        """Take what the console sent and return what the monitor sends back.

        Args:
            data: serial: any chunk of the console's bytes; LAN: one datagram (or b"").
            sample: the patient's current vitals.
            at: the current time (UTC, aware).

        Returns:
            Serial: every frame owed, joined. LAN: the next datagram owed, or b"".
        """
        if self._started is None:
            self._started = at
        if self._framer is None:
            messages = [data] if data else []
        else:
            split: Split = self._framer.push(data)
            messages = [f.data for f in split.frames]
        for message in messages:
            self._outbox.extend(self._answer(message, sample, at))
        if self.lan:
            return self._outbox.popleft() if self._outbox else b""
        out = b"".join(frame(m) for m in self._outbox)
        self._outbox.clear()
        return out

    def on_datagram(self, data: bytes, sample: Sample, at: datetime) -> list[bytes]:
        """LAN: take one datagram from the console and return every datagram owed, in order.

        The same as calling `on_bytes(data, ...)` and then `on_bytes(b"", ...)` until it returns
        b"" (an association request is owed two answers: the response and MDS-create).
        """
        out = []
        answer = self.on_bytes(data, sample, at)
        while answer:
            out.append(answer)
            answer = self.on_bytes(b"", sample, at) if self.lan else b""
        return out

    def release(self) -> bytes:
        """End the association from the monitor's side: the release request to send."""
        self.phase = MonitorPhase.IDLE
        return RELEASE_REQUEST if self.lan else frame(RELEASE_REQUEST)

    # ------------------------------------------------------------------ answers

    def _answer(self, message: bytes, sample: Sample, at: datetime) -> list[bytes]:
        if not message:
            return []
        if message[0] == ids.SPDU_CONNECT:
            self.phase = MonitorPhase.AWAITING_CONFIRM
            self.associations += 1
            self._polls_since_association = 0
            return [association_response(MONITOR_PROFILE), self._mds_create(at)]
        if message[0] == ids.SPDU_FINISH:
            self.phase = MonitorPhase.IDLE
            return [RELEASE_RESPONSE]
        if message[0] != 0xE1:
            return []
        try:
            env = read_envelope(message)
        except Malformed:
            return []
        if env.ro_type == ids.RO_RESULT and env.command == ids.CMD_CONFIRMED_EVENT_REPORT \
                and env.invoke_id == MDS_CREATE_INVOKE_ID \
                and self.phase is MonitorPhase.AWAITING_CONFIRM:
            self.phase = MonitorPhase.READY
            return []
        if env.ro_type == ids.RO_INVOKE and env.command == ids.CMD_CONFIRMED_ACTION \
                and self.phase is MonitorPhase.READY:
            try:
                request = read_poll_request(env)
            except Malformed:
                return []
            return self._poll(request.invoke_id, request.poll_number, request.object_type,
                              sample, at)
        return []

    def _relative(self, at: datetime) -> int:
        started = self._started or at
        ticks = round((at - started).total_seconds() * ids.RELATIVE_TIME_TICKS_PER_SECOND)
        return ticks & 0xFFFFFFFF

    def _clock(self, at: datetime) -> bytes:
        return encode_bcd_time(at.astimezone(self.monitor_tz))

    def _mds_create(self, at: datetime) -> bytes:
        model = b"".join(struct.pack(">H", len(text)) + text for text in (b"Philips\x00",
                                                                            b"SIM-MP\x00\x00"))
        attributes = [
            ava(ids.ATTR_SYSTEM_ID, struct.pack(">H", len(self.system_id)) + self.system_id),
            ava(ids.ATTR_MODEL, model),
            ava(ids.ATTR_TIME_ABS, self._clock(at)),
            ava(ids.ATTR_TIME_REL, struct.pack(">I", self._relative(at))),
        ]
        return mds_create_event(MDS_CREATE_INVOKE_ID, self._relative(at), attributes)

    def _observations(self, sample: Sample, at: datetime, labels_only: bool) -> list[bytes]:
        out = []
        chest_rr = getattr(sample, "chest_rr", None)
        numerics = [*_NUMERICS, _AIRWAY_RR] if chest_rr is not None else list(_NUMERICS)
        for metric, handle, physio_id, unit in numerics:
            attributes = [ava(ids.ATTR_HANDLE, struct.pack(">H", handle)),
                          ava(ids.ATTR_LABEL, struct.pack(">HH", ids.PARTITION_SCADA, physio_id)),
                          ava(ids.ATTR_LABEL_STRING, label_string(self.labels[metric]))]
            if not labels_only:
                # With capnography the scenario's RR is the airway's; the impedance counts the
                # chest (`Sample.chest_rr`).
                value = float(chest_rr if metric == "resp_rate" and chest_rr is not None
                              else sample.resp_rate if metric == "airway_rr"
                              else getattr(sample, metric))
                attributes.append(ava(ids.ATTR_NUMERIC, numeric_value(
                    physio_id, 0, unit, encode_float(value))))
            out.append(observation(handle, attributes))
        nbp = [ava(ids.ATTR_HANDLE, struct.pack(">H", _NBP_HANDLE)),
               ava(ids.ATTR_LABEL, struct.pack(">HH", ids.PARTITION_SCADA, ids.NBP_COMPOUND)),
               ava(ids.ATTR_LABEL_STRING, label_string(self.labels["nbp"]))]
        if not labels_only:
            cuff = sample.nibp
            values: tuple[float | None, ...]
            if cuff is None:
                state, values = ids.STATE_UNAVAILABLE, (None, None, None)
                measured = _UNSET_TIME
            else:
                state = 0
                values = (float(cuff.systolic), float(cuff.diastolic), float(cuff.mean))
                measured = self._nbp_time(cuff.t, sample.t, at)
            members = [numeric_value(member, state, ids.UNIT_MMHG, encode_float(v))
                       for member, v in zip(_NBP_MEMBERS, values)]
            nbp += [ava(ids.ATTR_TIME_STAMP_ABS, measured),
                    ava(ids.ATTR_COMPOUND, compound_value(members))]
        out.append(observation(_NBP_HANDLE, nbp))
        return out

    def _nbp_time(self, cuff_t: float, sample_t: float, at: datetime) -> bytes:
        """The time stamp of the cuff measurement taken at scenario second `cuff_t`.

        Fixed when the measurement is first sent, as a real monitor's is: worked out again at
        every poll, it moved whenever the scenario's clock and the wall clock ran at different
        rates (`--speed`), so each poll looked like a new measurement (QA: 11 bp rows in 50 s).
        """
        if self._nbp_stamp is None or self._nbp_stamp[0] != cuff_t:
            self._nbp_stamp = (cuff_t, self._clock(at - timedelta(seconds=sample_t - cuff_t)))
        return self._nbp_stamp[1]

    def _poll(self, invoke_id: int, poll_number: int, object_type: tuple[int, int],
              sample: Sample, at: datetime) -> list[bytes]:
        self.polls_answered += 1
        rel, stamp = self._relative(at), self._clock(at)
        if object_type != (ids.PARTITION_OBJECT, ids.CLASS_NUMERIC):
            return [poll_reply(invoke_id, poll_number, poll_info_list([]), abs_time=stamp,
                               rel_time=rel, linked=None, object_class=object_type[1])]
        labels_only = self._polls_since_association == 0
        self._polls_since_association += 1
        observations = self._observations(sample, at, labels_only)
        chunks = [observations[i : i + self.per_message]
                  for i in range(0, len(observations), self.per_message)]
        if len(chunks) == 1:
            return [poll_reply(invoke_id, poll_number, poll_info_list(
                [(NUMERICS_CONTEXT, chunks[0])]), abs_time=stamp, rel_time=rel, linked=None)]
        out = []
        for n, chunk in enumerate(chunks, start=1):
            state = ids.LINKED_FIRST if n == 1 else (
                ids.LINKED_LAST if n == len(chunks) else ids.LINKED_MIDDLE)
            out.append(poll_reply(invoke_id, poll_number, poll_info_list(
                [(NUMERICS_CONTEXT, chunk)]), abs_time=stamp, rel_time=rel, linked=(state, n)))
        out.append(poll_reply(invoke_id, poll_number, poll_info_list([]), abs_time=stamp,
                              rel_time=rel, linked=None))
        return out
