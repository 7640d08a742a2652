"""An HL7 NIBP row stamped with its message's own time (OBX-14 = OBR-7, beside continuous vitals of
that time) is told apart across messages, not within one (devices/hl7/decoder.py):

- the Comen monitor stamps every row with the message's time (MSH-7 = OBR-7 = every OBX-14) and
  repeats its last cuff, 120/80/90, in every message: each repeat had been a new BP "measured now",
  logged, trended, meeting the BP check and the repeat-confirmation. Reported once, at the time of
  the message that first brought it (of unknown age when that is the connection's first: it may
  have been measured before); each repeat dropped as `nibp-repeat`.
- a monitor stamping its cuff with the cuff's own time sends OBX-14 = OBR-7 only in the message of
  the second the cuff finished, and keeps that stamp in later messages: one timed reading, never
  of unknown age, and a later cuff of the same values is a new reading (d676646 took every such row
  as untimed and broke both: reverted in 1a3f042; proofs of the session 52 review).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from devices.hl7 import HL7Decoder
from devices.reading import AGE_UNKNOWN
from devices.stream import DecodeResult, UnplacedNibp
from tests.devices.test_nibp_memory import MONITOR, FailingWrites, deliver, logged
from tests.session.helpers import Session

UTC = timezone.utc
COMEN = "comen-nc-monitor-test-sender.hl7"
SENT = datetime(2025, 6, 9, 17, 51, 27, tzinfo=UTC)   # the Comen sample's first MSH-7 (+0800)
MMHG = "266016^MDC_DIM_MMHG^MDC"


def comen_first_message(samples: Path) -> str:
    """The Comen sample's first message, its rows ended by CR."""
    text = (samples / COMEN).read_text(encoding="utf-8")
    return "\r".join(text.split("\n\n")[0].strip("\n").split("\n")) + "\r"


def comen_sent_later(message: str, seconds: int, bp: tuple[int, int, int] = (120, 80, 90)
                     ) -> bytes:
    """`message` as the monitor sends it `seconds` later, framed: every time in it (MSH-7, OBR-7,
    each OBX-14) moved on, a new MSH-10, and the cuff's last systolic/diastolic/mean `bp`."""
    def move(m: re.Match[str]) -> str:
        at = datetime.strptime(m.group(1), "%Y%m%d%H%M%S") + timedelta(seconds=seconds)
        return at.strftime("%Y%m%d%H%M%S") + "+0800"
    out = re.sub(r"(\d{14})\+0800", move, message).replace("|202506100151270003|", f"|C{seconds}|")
    for code, value in zip((150021, 150022, 150023), bp):
        out = re.sub(rf"(\|1\.1\.9\.{code}\|)\d+\|", rf"\g<1>{value}|", out)
    return b"\x0b" + out.encode() + b"\x1c\r"


def cuff_stamped_message(n: int, sent: str, cuffed: str, bp: tuple[int, int] = (120, 80)) -> bytes:
    """A monitor's periodic message: SpO2 at the message's time `sent` (OBR-7 and its OBX-14), the
    last cuff `bp` at the cuff's own time `cuffed` (OBX-14)."""
    rows = [f"MSH|^~\\&|MON1|WARD|||{sent}||ORU^R01|M{n}|P|2.6",
            f"OBR|1|||VITAL|||{sent}",
            f"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|97"
            f"|262688^MDC_DIM_PERCENT^MDC|||||R|||{sent}",
            f"OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|{bp[0]}|{MMHG}|||||F|||"
            f"{cuffed}",
            f"OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|{bp[1]}|{MMHG}|||||F|||"
            f"{cuffed}"]
    return b"\x0b" + "\r".join(rows).encode() + b"\r\x1c\r"


def nibp(result: DecodeResult) -> list[tuple[str, float, datetime | None]]:
    return [(r.metric, r.value, r.measured_at) for r in result.readings
            if r.metric.startswith("bp_")]


def repeats(result: DecodeResult) -> list[str]:
    return [d.detail for d in result.dropped if d.reason == "nibp-repeat"]


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_a_comen_cuff_repeated_with_each_messages_time_is_one_bp_not_one_a_message(
        samples_dir: Path) -> None:
    first = comen_first_message(samples_dir)
    decoder = HL7Decoder("comen", unplaced=UnplacedNibp())
    # The monitor sends every 2 s, the same cuff result in each, stamped with the message's time ...
    results = [decoder.feed(comen_sent_later(first, s), SENT + timedelta(seconds=s + 1))
               for s in (0, 2, 4)]
    # ... then a new cuff, 135/85/102, and that one repeated.
    results += [decoder.feed(comen_sent_later(first, s, (135, 85, 102)),
                             SENT + timedelta(seconds=s + 1)) for s in (6, 8)]
    # Reported once; the connection's first message, so perhaps measured before: unknown age ...
    assert nibp(results[0]) == [("bp_systolic", 120, None), ("bp_diastolic", 80, None),
                                ("bp_mean", 90, None)]
    assert all(AGE_UNKNOWN in r.flags for r in results[0].readings if r.metric.startswith("bp_"))
    # ... each repeat dropped and said so, once a message ...
    assert [nibp(r) for r in results[1:3]] == [[], []]
    assert [len(repeats(r)) for r in results] == [0, 1, 1, 0, 1]
    assert repeats(results[1]) == [
        "3 NIBP row(s) stamped with their message's time, as in the message before with the "
        "same values: that cuff measurement sent again"]
    # ... and the new cuff, seen come, reported once at the time of the message that brought it.
    at = SENT + timedelta(seconds=6)
    assert nibp(results[3]) == [("bp_systolic", 135, at), ("bp_diastolic", 85, at),
                                ("bp_mean", 102, at)]
    assert not any(AGE_UNKNOWN in r.flags for r in results[3].readings)
    assert nibp(results[4]) == []
    # The SpO2 of every message is still a new value at its message's time.
    assert [[r.measured_at for r in m.readings if r.channel == "1.3.1.150456"]
            for m in results] == [[SENT + timedelta(seconds=s)] for s in (0, 2, 4, 6, 8)]


def test_a_comen_cuff_still_repeated_after_a_reopen_is_not_reported_again(
        samples_dir: Path) -> None:
    # The memory is the connection's (devices.transport hands each new decoder the same one).
    first = comen_first_message(samples_dir)
    nibp_memory = UnplacedNibp()
    before = HL7Decoder("comen", unplaced=nibp_memory).feed(comen_sent_later(first, 0), SENT)
    nibp_memory.new_connection()
    after = HL7Decoder("comen", unplaced=nibp_memory).feed(comen_sent_later(first, 30),
                                                          SENT + timedelta(seconds=30))
    assert len(nibp(before)) == 3
    assert (nibp(after), len(repeats(after))) == ([], 1)


def test_a_comen_cuff_whose_message_was_answered_ae_is_logged_when_the_monitor_resends(
        samples_dir: Path) -> None:
    first = comen_first_message(samples_dir)
    s = Session()
    writes = FailingWrites(s)
    decoder = HL7Decoder(MONITOR)
    # 1 s: SpO2 and the cuff's 120/80/90; the commit fails (a bug): AE
    s.t(1)
    message = comen_sent_later(first, 0)
    writes.fail_next = True
    stored, ack = deliver(s, decoder, MONITOR, message)
    assert not stored and b"MSA|AE|C0" in ack
    # 2 s: the monitor resends it unchanged: logged whole, the cuff included (not a "repeat")
    s.t(2)
    stored, ack = deliver(s, decoder, MONITOR, message)
    assert stored and b"MSA|AA|C0" in ack
    # 4 s: its next message, the same cuff with the new time: a repeat, not logged
    s.t(4)
    stored, _ = deliver(s, decoder, MONITOR, comen_sent_later(first, 2))
    assert stored
    # (Of unknown age: on the monitor when the console connected, as before the failed commit.)
    assert logged(s, "bp_systolic") == [(120, True)]
    assert logged(s, "bp_mean") == [(90, True)]


def test_cuff_sent_in_the_second_it_finished_is_one_timed_reading_not_two() -> None:
    decoder = HL7Decoder()
    cuff = "20240101100030+0000"
    at = utc(2024, 1, 1, 10, 0, 30)
    # Message 0: the monitor's periodic message, its previous cuff at its own time.
    decoder.feed(cuff_stamped_message(0, "20240101100000+0000", "20240101095000+0000", (130, 85)),
                 utc(2024, 1, 1, 10, 0, 1))
    # Message 1 is sent the second the cuff finished; message 2, 5 s later, repeats the cuff
    # with its own (now older) OBX-14.
    first = decoder.feed(cuff_stamped_message(1, cuff, cuff), utc(2024, 1, 1, 10, 0, 31))
    second = decoder.feed(cuff_stamped_message(2, "20240101100035+0000", cuff),
                          utc(2024, 1, 1, 10, 0, 36))
    bp = [(r.metric, r.value, r.measured_at, AGE_UNKNOWN in r.flags)
          for res in (first, second) for r in res.readings if r.metric.startswith("bp_")]
    # One measurement at its own time in both (the engine keys NIBP repeats by value and time).
    assert {(m, v, t) for m, v, t, _ in bp} == {("bp_systolic", 120, at), ("bp_diastolic", 80, at)}
    assert not any(unknown for *_, unknown in bp)


def test_a_new_cuff_of_the_same_values_in_the_second_it_finished_is_not_a_repeat() -> None:
    decoder = HL7Decoder()
    rx = utc(2024, 1, 1, 10, 0, 31)
    t1, t2 = "20240101100030+0000", "20240101101530+0000"
    decoder.feed(cuff_stamped_message(0, "20240101100000+0000", "20240101095000+0000"), rx)
    decoder.feed(cuff_stamped_message(1, t1, t1), rx)                      # cuff 1 in its second
    decoder.feed(cuff_stamped_message(2, "20240101100035+0000", t1), rx)   # its periodic repeat
    third = decoder.feed(cuff_stamped_message(3, t2, t2), utc(2024, 1, 1, 10, 15, 31))
    # Cuff 2 (15 min later, the same 120/80) sent in the second it finished: a new measurement.
    at = utc(2024, 1, 1, 10, 15, 30)
    assert nibp(third) == [("bp_systolic", 120, at), ("bp_diastolic", 80, at)]
    assert repeats(third) == []


def test_a_cuff_sent_in_its_second_as_a_connections_first_message_is_of_unknown_age_then_timed(
        ) -> None:
    # The cost of the Comen's rule (devices/hl7/decoder.py): a monitor that stamps its cuff with
    # the cuff's own time, whose cuff finished in the very second of the connection's first
    # message, cannot be told from a Comen resending an old cuff stamped now: of unknown age ...
    decoder = HL7Decoder()
    cuff = "20240101100030+0000"
    at = utc(2024, 1, 1, 10, 0, 30)
    first = decoder.feed(cuff_stamped_message(1, cuff, cuff), utc(2024, 1, 1, 10, 0, 31))
    # ... and its next message, the cuff with its own (now older) OBX-14, gives its time.
    second = decoder.feed(cuff_stamped_message(2, "20240101100035+0000", cuff),
                          utc(2024, 1, 1, 10, 0, 36))
    assert [(nibp(first), all(AGE_UNKNOWN in r.flags for r in first.readings
                              if r.metric.startswith("bp_"))), nibp(second)] == [
        ([("bp_systolic", 120, None), ("bp_diastolic", 80, None)], True),
        [("bp_systolic", 120, at), ("bp_diastolic", 80, at)]]


def test_one_cuff_sent_in_its_second_is_logged_once_by_the_session() -> None:
    # End to end: one cuff (188/96), delivered in the message of its second and repeated 5 s
    # later with its own time, is one row per pressure.
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    decoder = HL7Decoder()
    # The monitor's messages since it connected: its previous cuff, at its own time.
    s.t(590)
    previous = (s.now().wall - timedelta(minutes=5)).strftime("%Y%m%d%H%M%S+0000")
    result = decoder.feed(cuff_stamped_message(0, s.now().wall.strftime("%Y%m%d%H%M%S+0000"),
                                               previous), s.now().wall)
    assert s.engine.ingest_message(result.readings, s.now())
    s.t(600)
    cuffed = s.now().wall.replace(microsecond=0)
    stamp = cuffed.strftime("%Y%m%d%H%M%S+0000")
    later = (cuffed + timedelta(seconds=5)).strftime("%Y%m%d%H%M%S+0000")
    for n, sent in ((1, stamp), (2, later)):
        result = decoder.feed(cuff_stamped_message(n, sent, stamp, (188, 96)), s.now().wall)
        assert s.engine.ingest_message(result.readings, s.now())
        s.t(600 + 5 * n)
    rows = [(o.metric, o.value) for o in s.recorder.observations()
            if o.metric.startswith("bp_") and o.value in (188, 96)]
    assert rows == [("bp_systolic", 188), ("bp_diastolic", 96)]


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
                            utc(2024, 1, 1, 10, n, 1))

    results = [sent(1, "20240101100030+0000"), sent(2, "20240101100030+0000"),
               sent(3, "20240101100230+0000"), sent(4, "20240101100230+0000")]
    early, late = utc(2024, 1, 1, 10, 0, 30), utc(2024, 1, 1, 10, 2, 30)
    assert [nibp(r) for r in results] == [
        [("bp_systolic", 120, early), ("bp_diastolic", 80, early)]] * 2 + [
        [("bp_systolic", 120, late), ("bp_diastolic", 80, late)]] * 2
    assert all(r.dropped == [] for r in results)
