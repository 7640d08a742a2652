"""A monitor that sends one vital on two channels in every message: the worse value holds its
alarm, the tile and the trend show it, and the other channel's row is logged, flagged.

1. SpO2: the Comen monitor sends two SpO2 channels in every message (public sample
   `comen-nc-monitor-test-sender.hl7`: OBX-4 1.3.1.150456 and 1.3.2.150456, with
   MDC_PULS_OXIM_SAT_O2_DIFF between them). One probe reads 85 %, the other 97 %.
2. RR: a monitor with capnography sends the airway (CO2) respiration rate, MDC_AWAY_RESP_RATE
   151570, beside the thoracic-impedance MDC_RESP_RATE 151562 (both read as resp_rate). An
   obstructed patient: CO2 RR 6, impedance still counting chest movement at 14.

Before, each message raised a new occurrence on the low row and ended it on the normal row read
after it: the alarm stood only "latched" (as if over), the tile read the normal value, the log
held 60 raised/latched pairs a minute, and an acknowledgement never held (a review)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from console.clock import ManualClock, Moment
from console.export.csv_export import write_session_csv
from console.export.fhir import build_bundle
from console.records import SessionOpened
from console.review.queries import load_course, load_session, open_readonly
from console.session.channels import score, worst
from console.session.engine import Patient, SessionEngine
from console.session.entry import Rejected
from console.session.trend_feed import TrendFeed
from console.store import EventLog
from devices.hl7.decoder import decode_message
from devices.reading import OTHER_CHANNEL, Reading
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Priority, Protocol
from tests.session.helpers import rule

SPO2_85 = "OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|{v}|262688^MDC_DIM_PERCENT^MDC|||||F|||{t}"
SPO2_97 = "OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.2.150456|{v}|262688^MDC_DIM_PERCENT^MDC|||||F|||{t}"
PULSE = "OBX||NM|149522^MDC_PULS_RATE^MDC|1.0.0.149522|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F|||{t}"
DIFF = "OBX||NM|150468^MDC_PULS_OXIM_SAT_O2_DIFF^MDC|1.3.2.150468|12|262688^MDC_DIM_PERCENT^MDC|||||F|||{t}"
IMPEDANCE_RR = "OBX||NM|151562^MDC_RESP_RATE^MDC|1.2.1.151562|{v}|264928^MDC_DIM_RESP_PER_MIN^MDC|||||F|||{t}"
CO2_RR = "OBX||NM|151570^MDC_AWAY_RESP_RATE^MDC|1.5.1.151570|{v}|264928^MDC_DIM_RESP_PER_MIN^MDC|||||F|||{t}"
SPO2_96 = "OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|96|262688^MDC_DIM_PERCENT^MDC|||||F|||{t}"

# (rows as (template, value)): the Comen's two probes; capnography's RR beside the impedance RR.
TWO_PROBES = [(SPO2_85, 85), (PULSE, None), (SPO2_97, 97), (DIFF, None), (IMPEDANCE_RR, 16)]
CAPNOGRAPHY = [(SPO2_96, None), (PULSE, None), (CO2_RR, 6), (IMPEDANCE_RR, 14)]


@dataclass
class Chair:
    engine: SessionEngine
    clock: ManualClock
    log: EventLog
    path: Path
    sent: int = 0

    def message(self, rows: Sequence[tuple[str, float | None]]) -> Moment:
        """One monitor message one second after the last, decoded and given to the engine, then
        the tick the console's timer runs."""
        now = self.clock.advance(1)
        t = (now.wall + timedelta(hours=8)).strftime("%Y%m%d%H%M%S") + "+0800"
        segments = [
            f"MSH|^~\\&|NC_Monitor|KC261551373G|||{t}||ORU^R01^ORU_R01|{self.sent:018d}|P|2.6"
            "||||||UNICODE UTF-8",
            "PID|||10006||lee|||M||Unknown",
            f"OBR||||1^MON_PARAM^99COMEN|||{t}",
            *(row.format(t=t, v=value) for row, value in rows),
        ]
        self.sent += 1
        decoded = decode_message(("\r".join(segments) + "\r").encode(), now.wall)
        assert self.engine.ingest_message(decoded.readings, now)
        self.engine.tick(now)
        return now

    def readings(self, readings: Sequence[tuple[str, float, str]]) -> None:
        """One message of (metric, value, channel) readings, one second after the last."""
        now = self.clock.advance(1)
        assert self.engine.ingest_message(
            [Reading(name, value, "beats/min" if "rate" in name else "%", now.wall, now.wall,
                     "hl7:MON", channel) for name, value, channel in readings], now)
        self.engine.tick(now)

    def alarms(self) -> list[tuple[str, str, str, str]]:
        """(condition, priority, state, text) of each alarm on the bar."""
        return [(o.condition, o.priority.label, o.state.value, o.message)
                for o in self.engine.alarms()]

    def steps(self) -> Counter[tuple[str, str]]:
        return Counter((t.condition, t.transition)
                       for _, t in self.log.alarm_events(self.engine.session_id))

    def tile(self, name: str) -> float:
        kept = self.engine.latest(name)
        assert kept is not None
        return kept.reading.value

    def restart(self) -> None:
        """The console stops and a new one takes the session up again from its log."""
        session = self.engine.session_id
        self.log.close()
        self.clock.advance(5)
        self.log = EventLog.open(self.path, "test")
        (row,) = [r for r in self.log.open_sessions() if r.id == session]
        self.engine = SessionEngine.resume(
            _protocol(), self.log, session,
            SessionOpened(row.patient_id, row.protocol_id, row.protocol_version,
                          row.session_number, row.nurse, row.weight_kg, row.started_at, row.demo,
                          row.details),
            [r for _, r in self.log.observations(session)],
            [r for _, r in self.log.events(session)],
            [r for _, r in self.log.alarm_events(session)], self.clock.now(),
            observation_ids=[i for i, _ in self.log.observations(session)])   # as the console


def _protocol() -> Protocol:
    return load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")


@pytest.fixture
def chair(tmp_path: Path) -> Iterator[Chair]:
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test")
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    engine = SessionEngine.open(_protocol(), log, Patient("MRN-7", 72), "ana", clock.now())
    engine.device_state_changed("connected", clock.now())
    made = Chair(engine, clock, log, path)
    yield made
    made.log.close()


CASES = pytest.mark.parametrize(("rows", "name", "low", "text"), [
    (TWO_PROBES, "spo2", 85, "SpO2 85 %, limit ≤90"),
    (TWO_PROBES[::-1], "spo2", 85, "SpO2 85 %, limit ≤90"),
    (CAPNOGRAPHY, "resp_rate", 6, "Respiratory rate 6 breaths/min, limit ≤8"),
    (CAPNOGRAPHY[::-1], "resp_rate", 6, "Respiratory rate 6 breaths/min, limit ≤8"),
], ids=["two-spo2-probes", "two-spo2-probes-normal-one-first", "capnography-rr-beside-impedance",
        "impedance-rr-first"])


@CASES
def test_the_low_channel_holds_its_high_alarm_for_a_minute(chair, rows, name, low, text):
    for _ in range(60):
        chair.message(rows)
    # One occurrence, active, raised once: not 60 raised/latched pairs.
    assert chair.alarms() == [(f"{name}_low", "high", "active", text)]
    assert chair.steps() == Counter({(f"{name}_low", "raised"): 1})
    assert chair.tile(name) == low


@CASES
def test_an_acknowledgement_holds_while_the_low_channel_stays_low(chair, rows, name, low, text):
    chair.message(rows)
    (alarm,) = chair.engine.alarms()
    assert chair.engine.acknowledge(alarm.id, "ana", chair.clock.now()).done
    for _ in range(30):
        chair.message(rows)
    assert chair.alarms() == [(f"{name}_low", "high", "acknowledged", text)]
    assert chair.engine.audio(chair.clock.now()).priority is None   # silenced, as she asked


def test_both_probes_normal_then_one_going_low_raises_the_alarm(chair):
    for _ in range(10):
        chair.message([(SPO2_85, 96), (PULSE, None), (SPO2_97, 97)])
    assert chair.alarms() == [] and chair.tile("spo2") == 96    # the nearer its limit
    for _ in range(10):
        chair.message([(SPO2_85, 86), (PULSE, None), (SPO2_97, 97)])
    assert chair.alarms() == [("spo2_low", "high", "active", "SpO2 86 %, limit ≤90")]
    assert chair.tile("spo2") == 86


def test_one_probe_alone_after_two_is_the_value_judged(chair):
    for _ in range(5):
        chair.message(TWO_PROBES)
    # The 85 % probe unplugged: its row is no longer sent; the 97 % one is the SpO2 now.
    chair.message([(PULSE, None), (SPO2_97, 97)])
    assert chair.tile("spo2") == 97
    assert chair.alarms() == [("spo2_low", "high", "latched", "SpO2 85 %, limit ≤90")]
    last = [r for _, r in chair.log.observations(chair.engine.session_id) if r.metric == "spo2"][-1]
    assert (last.value, last.flags) == (97, frozenset())


def test_a_heart_rate_high_on_one_channel_is_the_one_judged(chair):
    for _ in range(5):
        chair.readings([("heart_rate", 130, "ecg-lead-II"), ("heart_rate", 72, "ecg-lead-I")])
    assert chair.alarms() == [("heart_rate_high", "medium", "active",
                               "Heart rate 130 beats/min, limit >110")]
    assert chair.tile("heart_rate") == 130


@CASES
def test_a_restart_mid_alarm_brings_it_back_as_it_was(chair, rows, name, low, text):
    for _ in range(20):
        chair.message(rows)
    live = chair.alarms(), chair.tile(name)
    chair.restart()
    assert (chair.alarms(), chair.tile(name)) == live
    # And it carries on as one occurrence: the restart's replay judged what live judged.
    for _ in range(10):
        chair.message(rows)
    assert chair.alarms() == [(f"{name}_low", "high", "active", text)]
    assert chair.steps()[(f"{name}_low", "raised")] == 1


def test_the_other_probes_row_is_in_the_log_and_the_csv_with_its_flag(chair, tmp_path):
    chair.message(TWO_PROBES)
    session = chair.engine.session_id
    logged = [(r.value, r.channel, r.flags) for _, r in chair.log.observations(session)
              if r.metric == "spo2"]
    assert logged == [(85, "1.3.1.150456", frozenset()),
                      (97, "1.3.2.150456", frozenset({OTHER_CHANNEL}))]
    chair.log.close()
    conn = open_readonly(chair.path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    chair.log = EventLog.open(chair.path, "test")
    paths = write_session_csv(detail, tmp_path / "out")
    rows = list(csv.DictReader(io.StringIO(paths["observations"].read_text(encoding="utf-8-sig"))))
    assert [(r["value"], r["channel"], r["flags"]) for r in rows if r["metric"] == "spo2"] == [
        ("85", "1.3.1.150456", ""), ("97", "1.3.2.150456", OTHER_CHANNEL)]
    # The review's vitals table reads the judged value only, as the tile did.
    assert detail.vitals["spo2"].values == (85,)


def test_the_trend_draws_the_judged_value_not_a_zigzag(chair):
    for _ in range(5):
        chair.message(TWO_PROBES)
    session = chair.engine.session_id
    feed = TrendFeed(chair.log.session(session).started_at)
    feed.load(chair.log.observations(session), chair.log.events(session),
              chair.log.alarm_events(session))
    _, values = feed.series("spo2", False)
    assert [float(v) for v in values[~np.isnan(values)]] == [85.0] * 5



def test_the_course_reads_the_judged_heart_rate(chair):
    # Both leads normal: 72 is nearer its limit (<50) than 74 (>110), so 72 is the HR; the
    # course's peak HR is no value of the other lead.
    for _ in range(3):
        chair.readings([("heart_rate", 74, "ecg-lead-II"), ("heart_rate", 72, "ecg-lead-I")])
    assert chair.tile("heart_rate") == 72
    chair.log.close()
    conn = open_readonly(chair.path)
    try:
        (row,) = load_course(conn, "MRN-7")
    finally:
        conn.close()
    chair.log = EventLog.open(chair.path, "test")
    assert row.peak_heart_rate == 72

# ---- which value is judged ------------------------------------------------------------------

SPO2_RULES = (rule("spo2", Priority.MEDIUM, "low", at_or_below=94),
              rule("spo2", Priority.HIGH, "low", at_or_below=90))
RR_RULES = (rule("resp_rate", Priority.HIGH, "low", at_or_below=8),
            rule("resp_rate", Priority.MEDIUM, "high", above=24))
HR_RULES = (rule("heart_rate", Priority.MEDIUM, "high", above=110),
            rule("heart_rate", Priority.MEDIUM, "low", below=50),
            rule("heart_rate", Priority.HIGH, "high", at_or_above=131))
BP_RULES = (rule("bp_systolic", Priority.MEDIUM, "high", at_or_above=180,
                 rise_above_baseline=40),)


@pytest.mark.parametrize(("values", "rules", "judged"), [
    ((85, 97), SPO2_RULES, 85), ((97, 85), SPO2_RULES, 85),
    ((6, 14), RR_RULES, 6), ((14, 6), RR_RULES, 6),
    ((72, 130), HR_RULES, 130), ((130, 72), HR_RULES, 130),
    ((93, 88), SPO2_RULES, 88),     # a high alarm's value before a medium's
    ((88, 86), SPO2_RULES, 86),     # then the farther beyond
    ((97, 95), SPO2_RULES, 95),     # inside every limit: the nearer its limit
    ((72, 72), HR_RULES, 72),
])
def test_the_worse_value_is_judged(values, rules, judged):
    assert values[worst(values, rules, None)] == judged


def test_a_tie_is_the_first_in_the_message():
    assert worst((72, 72), HR_RULES, None) == 0
    assert worst((80, 140), (), None) == 0       # no rule for the vital: the first


def test_a_rise_above_the_baseline_counts_while_a_baseline_stands():
    # 165 and 150 under 180: without a baseline 165 is nearer its limit; with a baseline of
    # 120 it is 5 beyond +40, 150 is not.
    assert worst((150, 165), BP_RULES, None) == 1
    assert score(165, BP_RULES, 120) > score(150, BP_RULES, 120) > score(150, BP_RULES, None)


def _flagged_row(chair: Chair) -> int:
    return [i for i, r in chair.log.observations(chair.engine.session_id)
            if r.metric == "spo2" and OTHER_CHANNEL in r.flags][-1]


def test_the_other_channels_value_is_neither_corrected_nor_taken_back(chair):
    # It counts nowhere: a correction of the other probe's 97 had changed nothing live and
    # become the standing SpO2 after a restart (tile 96, the high alarm "latched" while the
    # judged probe read 85), and "Entered in error" said it "came before the last 20 values"
    # (a review).
    for _ in range(3):
        chair.message(TWO_PROBES)
    flagged = _flagged_row(chair)
    said = chair.engine.void_refusal(flagged, "spo2")
    assert said is not None and "other channel" in said and "came before" not in said, said
    refused = chair.engine.correct(flagged, "spo2", 96, "ana", chair.clock.now(),
                                   "probe re-checked")
    assert isinstance(refused, Rejected) and refused.message == said, refused
    live = chair.alarms(), chair.tile("spo2")
    assert live == ([("spo2_low", "high", "active", "SpO2 85 %, limit ≤90")], 85)
    chair.restart()
    assert (chair.alarms(), chair.tile("spo2")) == live
    # Known as such after the restart too.
    assert chair.engine.uncorrectable(_flagged_row(chair), "spo2") == said


def test_the_fhir_bundle_files_the_judged_value_only(chair):
    for _ in range(3):
        chair.message(TWO_PROBES)
    session = chair.engine.session_id
    chair.log.close()
    conn = open_readonly(chair.path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    chair.log = EventLog.open(chair.path, "test")
    spo2 = sorted(e["resource"]["valueQuantity"]["value"] for e in build_bundle(detail)["entry"]
                  if e["resource"]["resourceType"] == "Observation"
                  and e["resource"]["code"].get("text") == "SpO2")
    assert spo2 == [85, 85, 85]   # the other probe's 97 is no second SpO2 of the patient
