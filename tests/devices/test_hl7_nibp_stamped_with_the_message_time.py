"""An NIBP row whose own OBX-14 is the message's time (OBR-7), as the Comen monitor stamps every
row (MSH-7 = OBR-7 = every OBX-14), says no more about when the cuff measured than a row with no
OBX-14: beside continuous vitals of that time, a monitor repeating its last 120/80/90 in every
message has it reported once and each repeat dropped as `nibp-repeat` (each message's repeat had
been a new BP "measured now": logged, trended and judged as a new cuff every 2 s)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from devices.hl7 import HL7Decoder
from devices.stream import DecodeResult
from tests.devices.conftest import COMEN_SAMPLE

UTC = timezone.utc
SENT = datetime(2025, 6, 10, 1, 51, 27)   # the sample's first message, MSH-7 (+0800)
RX = datetime(2025, 6, 9, 17, 51, 28, tzinfo=UTC)
MMHG = "266016^MDC_DIM_MMHG^MDC"


def comen_first_message(samples: Path) -> str:
    """The Comen sample's first message, its rows ended by CR."""
    text = (samples / COMEN_SAMPLE).read_text(encoding="utf-8")
    return "\r".join(text.split("\n\n")[0].strip("\n").split("\n")) + "\r"


def sent_later(message: str, seconds: int, bp: tuple[int, int, int] = (120, 80, 90)) -> str:
    """`message` as the monitor sends it `seconds` later: every time in it (MSH-7, OBR-7, each
    OBX-14) moved on, a new MSH-10, and the cuff's last systolic/diastolic/mean `bp`."""
    stamp = (SENT + timedelta(seconds=seconds)).strftime("%Y%m%d%H%M%S")
    out = re.sub(r"\d{14}\+0800", stamp + "+0800", message)
    out = out.replace("|202506100151270003|", f"|C{seconds}|")
    for code, value in zip((150021, 150022, 150023), bp):
        out = re.sub(rf"(\|1\.1\.9\.{code}\|)\d+\|", rf"\g<1>{value}|", out)
    return out


def nibp(result: DecodeResult) -> list[tuple[str, float, datetime | None]]:
    return [(r.metric, r.value, r.measured_at) for r in result.readings
            if r.metric.startswith("bp_")]


def test_a_comen_cuff_repeated_with_each_messages_time_is_one_bp_not_one_a_message(
        samples_dir: Path) -> None:
    first = comen_first_message(samples_dir)
    decoder = HL7Decoder("comen")
    # The monitor sends every 2 s, the same cuff result in each, stamped with the message's time.
    results = [decoder.feed(b"\x0b" + sent_later(first, s).encode() + b"\x1c\r",
                            RX + timedelta(seconds=s)) for s in (0, 2, 4)]
    # ... then a new cuff, 135/85/102, and that one repeated.
    results += [decoder.feed(b"\x0b" + sent_later(first, s, (135, 85, 102)).encode() + b"\x1c\r",
                             RX + timedelta(seconds=s)) for s in (6, 8)]
    # Reported once, of unknown age (its time is the message's, not the cuff's) ...
    assert nibp(results[0]) == [("bp_systolic", 120, None), ("bp_diastolic", 80, None),
                                ("bp_mean", 90, None)]
    assert all("AGE_UNKNOWN" in r.flags for r in results[0].readings
               if r.metric.startswith("bp_"))
    # ... each repeat said, once a message ...
    assert [nibp(r) for r in results[1:3]] == [[], []]
    assert [[d.reason for d in r.dropped if d.reason == "nibp-repeat"] for r in results] == [
        [], ["nibp-repeat"], ["nibp-repeat"], [], ["nibp-repeat"]]
    # ... and the new cuff reported once, at the time of the message that first brought it.
    at = datetime(2025, 6, 9, 17, 51, 33, tzinfo=UTC)
    assert nibp(results[3]) == [("bp_systolic", 135, at), ("bp_diastolic", 85, at),
                                ("bp_mean", 102, at)]
    assert nibp(results[4]) == []
    # The SpO2 of every message is still a new value at its message's time.
    assert [[r.measured_at for r in m.readings if r.channel == "1.3.1.150456"]
            for m in results] == [[RX - timedelta(seconds=1) + timedelta(seconds=s)]
                                  for s in (0, 2, 4, 6, 8)]


def test_an_nibp_alone_in_its_obr_group_stamped_with_that_obr7_keeps_it_as_the_cuffs_time() -> None:
    # Nihon Kohden's shape with OBX-14 sent too: the NIBP group's OBR-7 is the cuff's time, not
    # the message's (no continuous vital in the group), so each repeat keeps it and the engine
    # drops repeats by value and time; a new 120/80 at another time is a new measurement.
    decoder = HL7Decoder()

    def sent(n: int, cuffed: str) -> DecodeResult:
        when = f"202401011{n:03d}00+0000"
        rows = [f"MSH|^~\\&|NK|WARD|||{when}||ORU^R01|M{n}|P|2.6",
                f"OBR|1|||VITAL|||{when}",
                f"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|97"
                f"|262688^MDC_DIM_PERCENT^MDC|||||R|||{when}",
                f"OBR|2|||NIBP|||{cuffed}",
                f"OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|120|{MMHG}|||||F|||"
                f"{cuffed}",
                f"OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|80|{MMHG}|||||F|||"
                f"{cuffed}"]
        return decoder.feed(b"\x0b" + "\r".join(rows).encode() + b"\r\x1c\r",
                            datetime(2024, 1, 1, 10, n, 1, tzinfo=UTC))

    results = [sent(1, "20240101100030+0000"), sent(2, "20240101100030+0000"),
               sent(3, "20240101100230+0000")]
    early, late = datetime(2024, 1, 1, 10, 0, 30, tzinfo=UTC), datetime(2024, 1, 1, 10, 2, 30,
                                                                         tzinfo=UTC)
    assert [nibp(r) for r in results] == [
        [("bp_systolic", 120, early), ("bp_diastolic", 80, early)]] * 2 + [
        [("bp_systolic", 120, late), ("bp_diastolic", 80, late)]]
    assert all(r.dropped == [] for r in results)
