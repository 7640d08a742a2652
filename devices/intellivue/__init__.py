"""Philips IntelliVue Data Export: a conversation with a bedside monitor, not a byte stream.

The console asks (association, then polls) and the monitor answers (shared/design/devices.md,
"Philips IntelliVue Data Export"). One module per job:

- `ids`: the protocol's numbers (message kinds, attribute ids, physiological ids, units, states)
  and which physiological ids are the console's vitals.
- `framing`: the serial (MIB/RS232) framing: 0xC0 ... 0xC1, 0x7D escapes, RFC 1662 FCS-16.
- `codec`: the binary building blocks both sides use (a bounded big-endian reader, FLOAT, BCD
  times, attribute lists, the remote-operation envelope).
- `association`: the session-layer messages (association request/response, release, abort) and
  the poll profile a monitor offers.
- `messages`: the data messages (MDS-create event and its confirmation, poll requests and
  replies, the LAN Connect Indication).
- `numerics`: poll-reply observations to readings (by physiological id, never by label).
- `decoder`: `IntelliVueDecoder`, the StreamDecoder that runs the conversation.

Facts come from the protocol as published and from the real frames in shared/device-samples; the
open implementations are GPL/LGPL and none of their code is used.
"""
