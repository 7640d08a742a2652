"""The connection's NIBP memory started from the session's log (devices.stream.UnplacedNibp
`resume`): what "Restart and resume" hands the monitor's new connection. Each source's newest
cuff logged is what it sent last; a typed BP, an older cuff or another monitor's change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from devices.hl7 import HL7Decoder
from devices.reading import AGE_UNKNOWN, MANUAL, Reading
from devices.stream import DecodeResult, UnplacedNibp
from tests.devices.test_hl7_nibp_stamped_with_the_message_time import cuff_stamped_message

UTC = timezone.utc
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MON1 = "hl7:MON1"   # the source of `cuff_stamped_message` (MSH-3)


def cuff(at: datetime, bp: tuple[int, int], source: str = MON1) -> list[Reading]:
    """One cuff measurement as the log holds its rows (received the second it was measured)."""
    channel = "" if source == MANUAL else "1.1.9.1500"
    return [Reading(metric, value, "mmHg", at, at, source, f"{channel}{code}" if channel else "")
            for metric, value, code in (("bp_systolic", bp[0], 21), ("bp_diastolic", bp[1], 22))]


def comen(n: int, at: datetime, bp: tuple[int, int]) -> bytes:
    sent = at.strftime("%Y%m%d%H%M%S+0000")
    return cuff_stamped_message(n, sent, sent, bp)


def bp(result: DecodeResult) -> list[float]:
    return [r.value for r in result.readings if r.metric.startswith("bp_")]


def test_the_newest_cuff_of_the_source_in_the_log_is_what_it_sent_last() -> None:
    nibp = UnplacedNibp()
    nibp.resume([
        *cuff(T0, (130, 85)),                                    # an older cuff of MON1
        *cuff(T0 + timedelta(minutes=5), (150, 92)),             # MON1's newest
        Reading("spo2", 97, "%", T0, T0 + timedelta(minutes=6), MON1, "1.3.1.150456"),
        *cuff(T0 + timedelta(minutes=7), (110, 70), MANUAL),     # typed by the nurse
        *cuff(T0 + timedelta(minutes=8), (120, 80), "hl7:MON2"),   # another monitor's
    ])
    decoder = HL7Decoder(unplaced=nibp)
    now = T0 + timedelta(minutes=9)
    # MON1 still repeating 150/92 with each message's time: that cuff, sent again.
    repeated = decoder.feed(comen(1, now, (150, 92)), now)
    assert bp(repeated) == [] and [d.reason for d in repeated.dropped] == ["nibp-repeat"]


def test_values_of_an_older_cuff_or_of_the_typed_bp_are_a_new_cuff() -> None:
    for values in ((130, 85), (110, 70), (120, 80)):
        nibp = UnplacedNibp()
        nibp.resume([*cuff(T0, (130, 85)), *cuff(T0 + timedelta(minutes=5), (150, 92)),
                     *cuff(T0 + timedelta(minutes=7), (110, 70), MANUAL),
                     *cuff(T0 + timedelta(minutes=8), (120, 80), "hl7:MON2")])
        now = T0 + timedelta(minutes=9)
        result = HL7Decoder(unplaced=nibp).feed(comen(1, now, values), now)
        assert bp(result) == list(values), values
        # The connection's first message: a cuff perhaps taken while the console was down,
        # stamped now by the Comen: of unknown age (its SpO2 is at the message's time).
        assert {(r.metric[:3], r.measured_at, AGE_UNKNOWN in r.flags)
                for r in result.readings} == {("spo", now, False), ("bp_", None, True)}
