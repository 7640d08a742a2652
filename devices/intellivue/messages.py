"""IntelliVue data messages: the MDS-create event and its confirmation, polls and their replies,
and the LAN Connect Indication.

Layouts (all big-endian; `codec.read_envelope` reads the common header):

- MDS-create event (ROIV, CMD_CONFIRMED_EVENT_REPORT): managed object (class, context, handle:
  u16 each), event time (u32, RelativeTime), event type 0x0D06, length, then the MDS object and
  its attributes (system id 0x0984, model 0x0928, date and time 0x0987, ...). The host must
  answer with an event-report result (RORS, same invoke id: managed object, current time, event
  type, length 0) before it polls.
- Poll request (ROIV, CMD_CONFIRMED_ACTION): managed object (the MDS), scope (u32), action type
  (0xF13B extended / 0x0C16 single), length, then poll number (u16), polled object type
  (partition, class), attribute group (u16) and, for the extended poll, an attribute list.
- Poll reply (RORS, or ROLRS parts 1 first / 2 middle / 3 last followed by a final RORS):
  managed object, action type, length, poll number, [extended: sequence number (u16)],
  relative time (u32), absolute time (8 BCD), polled object type, attribute group, then the
  poll info list (contexts of observations; `numerics` reads it). The invoke id and poll number
  echo the request.
- Connect Indication (LAN, UDP 24005, no SPpdu): nomenclature version 00 00 01 00, then an
  unconfirmed event report 0x0D17 whose attributes give the monitor's IP address and the port of
  its Data Export service.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from devices.intellivue import ids
from devices.intellivue.codec import (
    Envelope,
    Malformed,
    Reader,
    attribute_list,
    ava,
    envelope,
    read_attributes,
    variable_label,
)

MDS_OBJECT = struct.pack(">HHH", ids.CLASS_MDS, 0, 0)
"""The managed object polls are addressed to: the MDS, context 0, handle 0."""


@dataclass(frozen=True, slots=True)
class MdsCreate:
    """The monitor's MDS-create event report.

    Attributes:
        invoke_id: echoed by the confirmation.
        managed_object: the 6 bytes of the reporting object, echoed by the confirmation.
        event_time: RelativeTime of the event, echoed as the confirmation's current time.
        system_id: the monitor's system id as hex ("" when absent).
        model: "manufacturer model" ("" when absent).
        clock: the monitor's date and time (8 BCD bytes; b"" when absent).
    """

    invoke_id: int
    managed_object: bytes
    event_time: int
    system_id: str = ""
    model: str = ""
    clock: bytes = b""


@dataclass(frozen=True, slots=True)
class PollReply:
    """One poll reply message (a whole RORS, or one ROLRS part).

    Attributes:
        invoke_id: the request's invoke id.
        final: True for the RORS that ends the poll (its list may be empty).
        linked_state: 1 first, 2 middle, 3 last for an ROLRS part; 0 for the RORS.
        action: ids.ACTION_POLL_EXT or ids.ACTION_POLL.
        poll_number: the request's poll number.
        object_type: (partition, class) polled: (1, 6) for numerics.
        abs_time: the reply's absolute time stamp (8 BCD bytes; FF when unset).
        poll_info: the poll info list (`numerics.read_observations` reads it).
    """

    invoke_id: int
    final: bool
    linked_state: int
    action: int
    poll_number: int
    object_type: tuple[int, int]
    abs_time: bytes
    poll_info: bytes


@dataclass(frozen=True, slots=True)
class ConnectIndication:
    """A monitor announcing itself on the LAN (UDP 24005).

    Attributes:
        ip: its IPv4 address ("" when the message gives none).
        data_port: the UDP port of its Data Export service (24105 when not given).
        model: "manufacturer model" ("" when absent).
    """

    ip: str
    data_port: int = ids.LAN_DATA_PORT
    model: str = ""


def _model(value: bytes) -> str:
    reader = Reader(value, "model")
    maker = variable_label(value)
    reader.take(2 + len(maker))
    model = reader.take(reader.u16()) if reader.remaining >= 2 else b""
    parts = (p.replace(b"\x00", b"").decode("latin-1").strip() for p in (maker, model))
    return " ".join(p for p in parts if p)


def read_mds_create(env: Envelope) -> MdsCreate:
    """Read an MDS-create event report (env: ROIV with an event report command).

    Raises:
        Malformed: it does not fit the layout, or is another event.
    """
    reader = Reader(env.body, "event report")
    managed = reader.take(6)
    event_time, event_type = reader.u32(), reader.u16()
    if event_type != ids.EVENT_MDS_CREATE:
        raise Malformed(f"event {event_type:#06x} is not MDS create")
    info = reader.sub(reader.u16(), "MDS create info")
    info.take(6)  # the MDS object itself
    system_id = model = ""
    clock = b""
    for attribute_id, value in read_attributes(info, "MDS create"):
        if attribute_id == ids.ATTR_SYSTEM_ID:
            system_id = variable_label(value).hex()
        elif attribute_id == ids.ATTR_MODEL:
            model = _model(value)
        elif attribute_id == ids.ATTR_TIME_ABS and len(value) == 8:
            clock = value
    return MdsCreate(env.invoke_id, managed, event_time, system_id, model, clock)


def mds_create_result(event: MdsCreate) -> bytes:
    """Build the host's confirmation of an MDS-create event (unframed)."""
    body = event.managed_object + struct.pack(">IHH", event.event_time, ids.EVENT_MDS_CREATE, 0)
    return envelope(ids.RO_RESULT, event.invoke_id, ids.CMD_CONFIRMED_EVENT_REPORT, body)


def mds_create_event(invoke_id: int, event_time: int, attributes: list[bytes]) -> bytes:
    """Build a monitor's MDS-create event report (the simulator's side).

    Args:
        invoke_id: the event's invoke id.
        event_time: RelativeTime of the event.
        attributes: encoded attributes of the MDS (see `codec.ava`).
    """
    info = MDS_OBJECT + attribute_list(attributes)
    body = MDS_OBJECT + struct.pack(">IHH", event_time, ids.EVENT_MDS_CREATE, len(info)) + info
    return envelope(ids.RO_INVOKE, invoke_id, ids.CMD_CONFIRMED_EVENT_REPORT, body)


def poll_request(invoke_id: int, poll_number: int, object_class: int = ids.CLASS_NUMERIC,
                 *, period_seconds: float | None = None) -> bytes:
    """Build an extended poll request (action 0xF13B) for one object class (unframed).

    Args:
        invoke_id: echoed by every part of the reply.
        poll_number: echoed by the reply.
        object_class: the class polled in partition 1 (6 = numerics).
        period_seconds: NOM_ATTR_TIME_PD_POLL, asking the monitor to keep sending for this
            long; None (the console's use) asks for one reply.

    Returns:
        The message.
    """
    attributes = [] if period_seconds is None else [ava(ids.ATTR_POLL_PERIOD, struct.pack(
        ">I", round(period_seconds * ids.RELATIVE_TIME_TICKS_PER_SECOND)))]
    request = struct.pack(">HHHH", poll_number, ids.PARTITION_OBJECT, object_class, 0) \
        + attribute_list(attributes)
    body = MDS_OBJECT + struct.pack(">IHH", 0, ids.ACTION_POLL_EXT, len(request)) + request
    return envelope(ids.RO_INVOKE, invoke_id, ids.CMD_CONFIRMED_ACTION, body)


@dataclass(frozen=True, slots=True)
class PollRequest:
    """A poll request as the monitor reads it (the simulator's side)."""

    invoke_id: int
    action: int
    poll_number: int
    object_type: tuple[int, int]


def read_poll_request(env: Envelope) -> PollRequest:
    """Read a poll request (env: ROIV, CMD_CONFIRMED_ACTION).

    Raises:
        Malformed: it is not a poll request.
    """
    reader = Reader(env.body, "action")
    reader.take(6 + 4)  # managed object, scope
    action = reader.u16()
    if action not in ids.POLL_ACTIONS:
        raise Malformed(f"action {action:#06x} is not a poll")
    request = reader.sub(reader.u16(), "poll request")
    poll_number, partition, code = request.u16(), request.u16(), request.u16()
    return PollRequest(env.invoke_id, action, poll_number, (partition, code))


def read_poll_reply(env: Envelope) -> PollReply | None:
    """Read a poll reply (env: RORS or ROLRS with CMD_CONFIRMED_ACTION).

    Returns:
        The reply, or None when the action is not a poll (another action's result).

    Raises:
        Malformed: it does not fit the layout.
    """
    reader = Reader(env.body, "action result")
    reader.take(6)  # managed object
    action = reader.u16()
    if action not in ids.POLL_ACTIONS:
        return None
    reply = reader.sub(reader.u16(), "poll reply")
    poll_number = reply.u16()
    if action == ids.ACTION_POLL_EXT:
        reply.u16()  # sequence number
    reply.u32()  # relative time
    abs_time = reply.take(8)
    object_type = (reply.u16(), reply.u16())
    reply.u16()  # attribute group
    return PollReply(env.invoke_id, env.ro_type == ids.RO_RESULT, env.linked_state, action,
                     poll_number, object_type, abs_time, reply.take(reply.remaining))


def poll_reply(invoke_id: int, poll_number: int, poll_info: bytes, *, abs_time: bytes,
               rel_time: int, linked: tuple[int, int] | None,
               object_class: int = ids.CLASS_NUMERIC) -> bytes:
    """Build one extended poll reply message (the simulator's side).

    Args:
        invoke_id: the request's invoke id.
        poll_number: the request's poll number.
        poll_info: an encoded poll info list (`numerics.poll_info_list`).
        abs_time: 8 BCD bytes (or FF x 8).
        rel_time: RelativeTime of the reply.
        linked: (state, count) for an ROLRS part; None for the final RORS.
        object_class: the class polled.
    """
    reply = struct.pack(">HHI", poll_number, 0, rel_time) + abs_time \
        + struct.pack(">HHH", ids.PARTITION_OBJECT, object_class, 0) + poll_info
    body = MDS_OBJECT + struct.pack(">HH", ids.ACTION_POLL_EXT, len(reply)) + reply
    ro_type = ids.RO_RESULT if linked is None else ids.RO_LINKED_RESULT
    return envelope(ro_type, invoke_id, ids.CMD_CONFIRMED_ACTION, body, linked)


CONNECT_INDICATION_PREFIX = bytes.fromhex("00 00 01 00")
"""Nomenclature version that opens a Connect Indication (it has no SPpdu)."""


def read_connect_indication(message: bytes) -> ConnectIndication:
    """Read a Connect Indication (the UDP payload received on port 24005).

    Raises:
        Malformed: it is not one, or does not fit the layout.
    """
    reader = Reader(message, "connect indication")
    if reader.take(4) != CONNECT_INDICATION_PREFIX:
        raise Malformed("does not start with the nomenclature version 00 00 01 00")
    reader.u16()  # ROIV
    ro = reader.sub(reader.u16(), "ROapdus")
    ro.u16()  # invoke id
    ro.u16()  # command (event report)
    event = ro.sub(ro.u16(), "event report")
    event.take(6 + 4)
    if event.u16() != ids.EVENT_CONNECT_INDICATION:
        raise Malformed("not a Connect Indication event (0x0D17)")
    info = event.sub(event.u16(), "connect info")
    ip, port, model = "", ids.LAN_DATA_PORT, ""
    for attribute_id, value in read_attributes(info, "connect indication"):
        if attribute_id == ids.ATTR_NET_ADDR_INFO and len(value) >= 10 and not ip:
            ip = ".".join(str(b) for b in value[6:10])
        elif attribute_id == ids.ATTR_PROTOCOL_SUPPORT:
            entries = Reader(value, "protocol support")
            count, length = entries.u16(), entries.u16()
            body = entries.sub(length, "protocol support entries")
            for _ in range(count):
                application, transport, entry_port, _options = (body.u16() for _ in range(4))
                if application == ids.APPLICATION_DATA_EXPORT and \
                        transport == ids.TRANSPORT_UDP:
                    port = entry_port
        elif attribute_id == ids.ATTR_MODEL:
            model = _model(value)
    return ConnectIndication(ip, port, model)
