"""The cuff's pulse is logged once per cuff measurement and feeds no pulse alarm.

A monitor sends its last cuff measurement, the cuff's pulse with it, in every message with the
cuff's old time. The pressures were kept once (`_nibp_key`), the cuff's pulse was not: a
10-minute-old 78 was logged every second between the oximeter's 125s, so an oximeter pulse of
125 for 400 s raised no "above 120 sustained 5 min" high alarm, and the "above 110" medium was
raised and cleared within each message. The cuff's pulse is now part of the measurement (kept
once, like its BP), and it feeds no pulse alarm at all: the pulse rules watch the heart from a
continuous source (ECG, else the oximeter's pulse; README "A repeated NIBP is one measurement"),
so even a new cuff measurement in the middle of a tachycardia does not restart its 5 minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.engine import SessionEngine
from devices.ansar_b import NibpRepeats, decode_records
from devices.hl7.decoder import HL7Decoder
from devices.intellivue import ids
from devices.intellivue.codec import ava, encode_bcd_time, encode_float
from devices.intellivue.decoder import IntelliVueDecoder
from devices.intellivue.messages import poll_reply
from devices.intellivue.numerics import compound_value, numeric_value, observation, poll_info_list
from devices.reading import NIBP_PULSE, Reading
from protocols.loader import builtin_protocols_dir, load_protocol, protocol_from_text
from protocols.model import Protocol
from tests.devices.conftest import station_zone  # noqa: F401 - device times read in UTC here
from tests.session.helpers import START, Session

CUFF_AT = START - timedelta(minutes=10)   # the last cuff measurement, ten minutes old
Monitor = Callable[[int, datetime], list[Reading]]   # second, arrival -> the readings it sent


def iv_ketamine() -> Protocol:
    """The shipped protocol: pulse rate >110 medium, >120 for 5 min high, >=131 high."""
    return load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")


def cuff_pulses(s: Session) -> list[ObservationRecord]:
    return [o for o in s.recorder.observations()
            if o.metric == "pulse_rate" and NIBP_PULSE in o.flags]


def pulse_alarm(s: Session) -> list[tuple[str, str]]:
    """The pulse-rate-high condition's logged transitions: (transition, priority)."""
    return [(t, p) for _, t, p in s.recorder.transitions("pulse_rate_high")]


def ran_every_second(s: Session, seconds: range, monitor: Monitor) -> None:
    """Each second: the engine's tick, then the monitor's message for that second."""
    for n in seconds:
        now = s.t(n)
        s.engine.ingest_message(monitor(n, now.wall), now)


# ---- IntelliVue over the LAN: the review's case ----------------------------------------------

def _poll(n: int, pleth_pulse: float) -> bytes:
    """A poll reply as the monitor sends it: pleth pulse now, the last NBP with its pulse, both
    of the cuff's handles stamped with the cuff's time (as the real LAN sample's 0x8272/0x8275)."""
    stamp = encode_bcd_time(CUFF_AT)   # the station zone is UTC in these tests
    pleth = observation(0x8406, [
        ava(ids.ATTR_NUMERIC, numeric_value(0x4822, 0, ids.UNIT_BPM, encode_float(pleth_pulse)))])
    members = [numeric_value(m, 0, ids.UNIT_MMHG, encode_float(v))
               for m, v in zip((0x4A05, 0x4A06, 0x4A07), (120.0, 80.0, 93.0), strict=True)]
    nbp = observation(0x8272, [ava(ids.ATTR_TIME_STAMP_ABS, stamp),
                               ava(ids.ATTR_COMPOUND, compound_value(members))])
    nbp_pulse = observation(0x8275, [
        ava(ids.ATTR_TIME_STAMP_ABS, stamp),
        ava(ids.ATTR_NUMERIC, numeric_value(0xF0E5, 0, ids.UNIT_BPM, encode_float(78.0)))])
    info = poll_info_list([(1, [pleth, nbp, nbp_pulse])])
    return poll_reply(n, n, info, abs_time=encode_bcd_time(START), rel_time=n, linked=None)


def intellivue(pleth_pulse: float) -> Monitor:
    decoder = IntelliVueDecoder("udp://mon", lan=True)
    return lambda n, wall: decoder.feed(_poll(n, pleth_pulse), wall).readings


def test_intellivue_cuff_pulse_sent_every_poll_is_logged_once() -> None:
    s = Session(iv_ketamine())
    ran_every_second(s, range(1, 400), intellivue(125.0))
    # One cuff measurement: its pulse is one row, as its systolic is; the oximeter's 399.
    assert [(o.value, o.channel) for o in cuff_pulses(s)] == [(78, "NBP_PULS_RATE:8275")]
    assert len([o for o in s.recorder.observations() if o.metric == "bp_systolic"]) == 1
    assert len([o for o in s.recorder.observations()
                if o.metric == "pulse_rate" and o.channel.startswith("PLETH")]) == 399


def test_oximeter_tachycardia_sustained_5_min_alarms_beside_the_repeated_cuff_pulse() -> None:
    s = Session(iv_ketamine())
    ran_every_second(s, range(1, 400), intellivue(125.0))
    assert ("pulse_rate_high", "high", "active") in s.shown()
    # The medium came once and rose to high after 5 min; the old 78 never ended it in between.
    assert pulse_alarm(s) == [("raised", "medium"), ("escalated", "high")]


# ---- HL7 (IHE PCD-01): the same, and a new cuff measurement in the middle ------------------

def _hl7(n: int, oximeter_pulse: float, cuff_at: datetime, cuff_pulse: float) -> bytes:
    """The message a monitor sends each second: the oximeter's pulse now, and the last NIBP
    group (systolic, diastolic, mean and the cuff's pulse 149546) with the cuff's own time."""
    now = (START + timedelta(seconds=n)).strftime("%Y%m%d%H%M%S+0000")
    cuff = cuff_at.strftime("%Y%m%d%H%M%S+0000")
    rows = [
        f"MSH|^~\\&|MON||||{now}||ORU^R01^ORU_R01|M{n}|P|2.6",
        f"OBR|1||||||{now}",
        f"OBX|1|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.3.1.149530|{oximeter_pulse:g}|"
        f"264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||{now}",
        f"OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|120|266016^MDC_DIM_MMHG^MDC"
        f"|||||R|||{cuff}",
        f"OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|80|266016^MDC_DIM_MMHG^MDC"
        f"|||||R|||{cuff}",
        f"OBX|4|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.1.9.150023|93|266016^MDC_DIM_MMHG^MDC"
        f"|||||R|||{cuff}",
        f"OBX|5|NM|149546^MDC_PULS_RATE_NON_INV^MDC|1.1.9.149546|{cuff_pulse:g}|"
        f"264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||{cuff}",
    ]
    return b"\x0b" + "\r".join(rows).encode() + b"\r\x1c\r"


def hl7(oximeter_pulse: float, cuffs: Sequence[tuple[int, float]] = ((0, 78.0),)) -> Monitor:
    """A monitor whose cuff measured at each (second, pulse) of `cuffs` (0: ten minutes before
    the session), sending the last of them in every message."""
    decoder = HL7Decoder("socket://mon")

    def message(n: int, wall: datetime) -> list[Reading]:
        at, pulse = [(t, p) for t, p in cuffs if t <= n][-1]
        cuff_at = START + timedelta(seconds=at) if at else CUFF_AT
        return decoder.feed(_hl7(n, oximeter_pulse, cuff_at, pulse), wall).readings
    return message


def test_hl7_oximeter_tachycardia_sustained_5_min_alarms_beside_the_repeated_cuff_pulse() -> None:
    s = Session(iv_ketamine())
    ran_every_second(s, range(1, 400), hl7(125.0))
    assert ("pulse_rate_high", "high", "active") in s.shown()
    assert pulse_alarm(s) == [("raised", "medium"), ("escalated", "high")]
    assert [o.value for o in cuff_pulses(s)] == [78]


def test_a_new_cuff_measurement_does_not_restart_a_sustained_tachycardia() -> None:
    # The cuff measures at 150 s (pulse 78, a spot value) while the oximeter reads 125 all along.
    # Logged once with its BP, it feeds no pulse rule: the 5 minutes count from the first 125
    # (fed in, it restarted them: the high alarm came at 451 s, or never with a cuff every 5 min).
    s = Session(iv_ketamine())
    ran_every_second(s, range(1, 311), hl7(125.0, cuffs=((0, 78.0), (150, 78.0))))
    assert [o.value for o in cuff_pulses(s)] == [78, 78]
    assert ("pulse_rate_high", "high", "active") in s.shown()
    assert pulse_alarm(s) == [("raised", "medium"), ("escalated", "high")]


def test_a_fast_cuff_pulse_beside_a_normal_oximeter_pulse_raises_no_pulse_alarm() -> None:
    # A cuff pulse of 140 (measured once, at its own time) is logged with its BP; the heart is
    # watched by the oximeter, which reads 80: no pulse alarm, and none that ends a second later.
    s = Session(iv_ketamine())
    ran_every_second(s, range(1, 60), hl7(80.0, cuffs=((0, 78.0), (30, 140.0))))
    assert [o.value for o in cuff_pulses(s)] == [78, 140]
    assert pulse_alarm(s) == [] and s.shown() == []


# ---- After a restart: the log is replayed as it was taken live -------------------------------

def restart(s: Session) -> SessionEngine:
    """The console killed and started again on its log; it reads the monitor again."""
    records = s.recorder.records
    s.engine = SessionEngine.resume(
        iv_ketamine(), s.recorder, 1, s.recorder.opened[0],
        [r for r in records if isinstance(r, ObservationRecord)],
        [r for r in records if isinstance(r, EventRecord)],
        [r for r in records if isinstance(r, AlarmTransition)], s.now(), reads_device=True)
    s.engine.device_state_changed("connected", s.now())
    return s.engine


def test_after_a_restart_the_logged_cuff_pulse_still_leaves_the_tachycardia_run_alone() -> None:
    # 200 s of oximeter 125 with a cuff measurement at 100 s, then the console restarts. The
    # replayed log feeds the trackers as live did: the cuff's 78 not at all, so the high alarm
    # comes 5 min after the first 125, and the cuff's repeats after the restart are no new rows.
    s = Session(iv_ketamine())
    cuffs = ((0, 78.0), (100, 78.0))
    ran_every_second(s, range(1, 200), hl7(125.0, cuffs))
    assert pulse_alarm(s) == [("raised", "medium")]
    restart(s)
    ran_every_second(s, range(200, 311), hl7(125.0, cuffs))
    assert ("pulse_rate_high", "high", "active") in s.shown()
    assert [o.value for o in cuff_pulses(s)] == [78, 78]


# ---- Ivy 450C (ANSAR-B): its NIBP record carries the cuff's pulse too ------------------------

def ivy(spo2_pr: int, new_cuff_at: int) -> Monitor:
    """An Ivy sending SpO2 with its PR each second, and the NIBP record (cuff pulse in f4) that
    changes when the cuff measures again at `new_cuff_at` s."""
    nibp = NibpRepeats()

    def message(n: int, wall: datetime) -> list[Reading]:
        record = "NIBP=4;121;75;92;78;;" if n < new_cuff_at else "NIBP=4;118;70;88;79;;"
        block = f"SPO2=1;97;PR={spo2_pr} ;\r{record}\r".encode()
        return decode_records(block, wall, source_hint="ivy", nibp=nibp).readings
    return message


def test_ivy_new_cuff_measurement_does_not_restart_a_sustained_tachycardia() -> None:
    s = Session(iv_ketamine())
    ran_every_second(s, range(1, 311), ivy(125, new_cuff_at=150))
    assert [(o.value, o.channel) for o in cuff_pulses(s)] == [(78, "NIBP"), (79, "NIBP")]
    assert ("pulse_rate_high", "high", "active") in s.shown()
    assert pulse_alarm(s) == [("raised", "medium"), ("escalated", "high")]


# ---- a cuff is no continuous source ------------------------------------------------------------


def test_a_pulse_only_the_cuff_measures_is_not_missed_between_its_measurements():
    # A clinic's protocol that alarms on a missing pulse ("none for 60 s") watches a continuous
    # source; a cuff measures every few minutes, so its pulse, taken for one, would have raised
    # "No pulse rate" a minute after every cuff measurement.
    text = iv_ketamine().text + (
        '\n[[alarms]]\nmetric = "pulse_rate"\npriority = "medium"\ndirection = "low"\n'
        'absent_seconds = 60\nsource = "a clinic\'s own rule"\n')
    s = Session(protocol_from_text(text, "clinic iv-ketamine.toml"))
    s.engine.device_state_changed("connected", s.now())
    for n in range(1, 181):   # the monitor sends its SpO2 each second, its cuff once
        now = s.t(n)
        cuff = [Reading("pulse_rate", 78, "beats/min", now.wall, now.wall, "hl7:MON", "NIBP",
                        frozenset({NIBP_PULSE}))] if n == 1 else []
        s.engine.ingest_message([Reading("spo2", 97, "%", now.wall, now.wall, "hl7:MON"), *cuff],
                                now)
    assert [o for o in s.engine.alarms() if o.condition.startswith("pulse_rate")] == []
