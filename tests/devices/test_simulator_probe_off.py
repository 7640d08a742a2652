"""The simulator's `probe_off` step: the monitor keeps sending, the oximeter's values do not come.

A pulse oximeter probe off the finger: the monitor sends every frame on time, SpO2 and the
oximeter's pulse as its format's "no value", ECG heart rate, RR and NIBP as usual. The console
raises "No SpO2 for 30 s" (medium) for it. Here: the step's validation, what each format sends
meanwhile as the console's own decoders read it, and the `probe-off` scenario through a real
pseudo-terminal into the console's real transport, engine and SQLite log.
"""

from __future__ import annotations

import queue
import re
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.clock import Moment
from console.session import feed
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from devices.formats import FORMATS
from devices.reading import Reading
from devices.simulator import cli
from devices.simulator.answering import answer_in_thread
from devices.simulator.encode import FORMAT_NAMES, PROBE_OFF_FORMATS
from devices.simulator.player import start_in_thread
from devices.simulator.scenario import (
    ScenarioError,
    Step,
    Write,
    compile_timeline,
    load_builtin,
    load_scenario,
)
from devices.stream import DecodeResult
from devices.transport import (
    FRAME_REJECTIONS,
    ConnectionState,
    DeviceConnection,
    DeviceEvent,
    EventKind,
)
from protocols.loader import builtin_protocols_dir, load_protocol

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
OFF_FROM, OFF_UNTIL = 300, 390   # probe-off.toml: at minute 5, for 90 s
MINUTES = 8.0                    # the scenario cut short: 90 s after the probe is back
FAST = 20000.0
OXIMETER = {"spo2", "pulse_rate"}

STEP = """
name = "x"
description = "d"
duration_minutes = 40
[[steps]]
at_minute = 5
action = "probe_off"
seconds = 90
[expect]
text = "t"
alarms = ["spo2_low"]
"""


# ---------------------------------------------------------------------------------- validation


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_probe_off_step_loads_with_its_seconds_and_note(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, STEP.replace("seconds = 90", 'seconds = 90\nnote = "n"')))
    assert s.steps == (Step(300, "probe_off", seconds=90, note="n"),)
    assert s.ramps() == []


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        ("seconds = 90", "minutes = 1.5", "steps[0].minutes",
         "unknown key; allowed: at_minute, action, note, seconds"),
        ("seconds = 90", "seconds = 90\nmetric = \"spo2\"", "steps[0].metric",
         "unknown key; allowed: at_minute, action, note, seconds"),
        ("seconds = 90", "", "steps[0].seconds", "required, a number"),
        ("seconds = 90", "seconds = 0", "steps[0].seconds", "must be > 0, got 0"),
        ("seconds = 90", "seconds = -5", "steps[0].seconds", "must be > 0, got -5"),
        ("seconds = 90", 'seconds = "90"', "steps[0].seconds", "must be a number, got '90'"),
        ("seconds = 90", "seconds = true", "steps[0].seconds", "must be a number, got True"),
        ("seconds = 90", "seconds = nan", "steps[0].seconds", "must be a finite number, got nan"),
        ("seconds = 90", "seconds = 86401", "steps[0].seconds", "must be <= 86400, got 86401"),
        ("at_minute = 5", "at_minute = 40", "steps[0].at_minute",
         "must be before the end (duration_minutes = 40), got 40"),
        ('action = "probe_off"', 'action = "probe-off"', "steps[0].action",
         "unknown action 'probe-off'; allowed: ramp, disconnect, probe_off, garbage"),
    ],
)
def test_a_bad_probe_off_step_is_refused_naming_the_key_and_the_value(
    tmp_path: Path, old: str, new: str, key: str, reason: str
) -> None:
    assert old in STEP
    path = write(tmp_path, STEP.replace(old, new))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert (err.value.source, err.value.key) == (str(path), key)
    assert reason in err.value.reason


REFUSED = ("the {fmt} simulator cannot send a probe off; formats that can: hl7, masimo (give one "
           "of them with --format, or leave the step out)")


@pytest.mark.parametrize("fmt", sorted(set(FORMAT_NAMES) - set(PROBE_OFF_FORMATS)))
def test_a_format_that_cannot_send_a_probe_off_refuses_the_scenario(fmt: str) -> None:
    with pytest.raises(ScenarioError) as err:
        compile_timeline(load_builtin("probe-off"), fmt, 1, T0)
    assert (err.value.source, err.value.key) == ("probe-off.toml", "steps: probe_off at minute 5")
    assert err.value.reason == REFUSED.format(fmt=fmt)
    with pytest.raises(ScenarioError, match="cannot send a probe off"):
        start_in_thread("probe-off", fmt, FAST, autostart=False)


def test_a_device_that_is_asked_refuses_the_scenario_before_a_port_opens() -> None:
    with pytest.raises(ScenarioError) as err:
        answer_in_thread("probe-off", "philips-efficia")
    assert err.value.reason == REFUSED.format(fmt="philips-efficia")


@pytest.mark.parametrize("fmt", ["ansar-b", "intellivue", "mindray-gateway"])
def test_the_program_refuses_it_in_one_line_for_those_formats(
    capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    assert cli.main(["--scenario", "probe-off", "--format", fmt]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"infusion-sim: error: probe-off.toml: steps: probe_off at minute 5: "
        f"{REFUSED.format(fmt=fmt)}"]


# ------------------------------------------------------------------ what each format sends


def decoded_per_second(fmt: str) -> dict[float, DecodeResult]:
    """Each frame of the probe-off scenario decoded by the console's own decoder, by second."""
    timeline = compile_timeline(load_builtin("probe-off"), fmt, 1, T0, MINUTES)
    decoder = FORMATS[fmt].new_decoder("sim")
    out: dict[float, DecodeResult] = {}
    for entry in timeline.entries:
        assert isinstance(entry.action, Write) and entry.action.frames == 1
        out[entry.t] = decoder.feed(entry.action.data, T0 + timedelta(seconds=entry.t))
    return out


@pytest.mark.parametrize("fmt", PROBE_OFF_FORMATS)
def test_while_the_probe_is_off_every_frame_comes_without_spo2_or_pulse_and_the_rest_as_usual(
    fmt: str,
) -> None:
    per_second = decoded_per_second(fmt)
    assert sorted(per_second) == [float(t) for t in range(int(MINUTES * 60))]   # every frame
    for t, result in per_second.items():
        metrics = {r.metric for r in result.readings}
        reasons = Counter(d.reason for d in result.dropped)
        # A whole frame each second, never rejected: the console sees the monitor talking.
        assert result.frames == 1 and not set(reasons) & FRAME_REJECTIONS, (t, reasons)
        if OFF_FROM <= t < OFF_UNTIL:
            assert not metrics & OXIMETER, t
            assert reasons["no-value"] == 2, (t, result.dropped)   # SpO2 and its pulse
        else:
            assert OXIMETER <= metrics and not reasons["no-value"], t
        if fmt == "hl7":
            assert {"heart_rate", "resp_rate"} <= metrics, t   # ECG and RR keep coming
    if fmt == "hl7":   # the cuff measured at 5:30, during the probe off, is reported then
        assert {"bp_systolic", "bp_diastolic", "bp_mean"} <= {
            r.metric for r in per_second[330.0].readings}


def test_hl7_sends_the_oximeter_rows_as_cannot_be_obtained() -> None:
    timeline = compile_timeline(load_builtin("probe-off"), "hl7", 1, T0, MINUTES)
    by_t = {e.t: e.action.data for e in timeline.entries if isinstance(e.action, Write)}
    off, on = by_t[OFF_FROM].decode(), by_t[OFF_FROM - 1].decode()
    # OBX-2 NM, OBX-5 empty, OBX-6 and OBX-7 as configured, OBX-11 X, OBX-14 the message time.
    assert ("|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1||262688^MDC_DIM_PERCENT^MDC|94^100||||X"
            "|||20260105090500+0000") in off
    assert "|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.2.1.2||264864^MDC_DIM_BEAT_PER_MIN^MDC|" \
           "50^110||||X|||" in off
    assert re.search(r"\|NM\|150456\^MDC_PULS_OXIM_SAT_O2\^MDC\|1\.2\.1\.1\|\d+\|[^\r]*\|\|\|\|R\|", on)
    assert off.count("OBX|") == on.count("OBX|")   # no row left out


def test_masimo_sends_dashes_and_the_sensor_off_exception_bit() -> None:
    timeline = compile_timeline(load_builtin("probe-off"), "masimo", 1, T0, MINUTES)
    by_t = {e.t: e.action.data for e in timeline.entries if isinstance(e.action, Write)}
    assert by_t[OFF_FROM] == (b"01/05/26 09:05:00 SN=0000012345 SPO2=---% BPM=--- PI=--.-- "
                              b"SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 "
                              b"EXC=000020\r\n")
    assert b" EXC=000000\r\n" in by_t[OFF_UNTIL] and b"SPO2=0" in by_t[OFF_UNTIL]


@pytest.mark.parametrize("fmt", PROBE_OFF_FORMATS)
def test_the_step_changes_only_the_oximeter_values_it_covers(fmt: str) -> None:
    # The patient goes on under the probe: every other frame is byte for byte the same as
    # without the step, and what a decoder should read follows what was sent.
    scenario = load_builtin("probe-off")
    without = replace(scenario, steps=tuple(s for s in scenario.steps if s.action != "probe_off"))
    a = compile_timeline(scenario, fmt, 1, T0, MINUTES)
    b = compile_timeline(without, fmt, 1, T0, MINUTES)
    changed = [x.t for x, y in zip(a.entries, b.entries, strict=True) if x != y]
    assert changed == [float(t) for t in range(OFF_FROM, OFF_UNTIL)]
    for (t, truth), (_, plain) in zip(a.truths, b.truths, strict=True):
        expected = {k: v for k, v in plain.items() if k not in OXIMETER} \
            if OFF_FROM <= t < OFF_UNTIL else plain
        assert truth == expected


# ---------------------------------------------------------------------------- end to end


def at(second: float) -> Moment:
    """The console's clock at the monitor's `second` (the scenario's)."""
    return Moment(1000.0 + second, T0 + timedelta(seconds=second))


def by_frame(readings: Sequence[Reading]) -> list[tuple[int, tuple[Reading, ...]]]:
    """One read's readings split into the monitor's frames, each with the second it was sent:
    an HL7 message's rows share its MSH-10, a Masimo line's values its device time. A frame's
    second is its latest device time (an NIBP row repeats the cuff's older one)."""
    frames: dict[str, list[Reading]] = {}
    for r in readings:
        frames.setdefault(r.message or str(r.measured_at), []).append(r)
    out = []
    for rows in frames.values():
        sent = max(r.measured_at for r in rows if r.measured_at is not None)
        out.append((round((sent - T0).total_seconds()), tuple(rows)))
    return out


def play_probe_off_into_the_log(tmp_path: Path, fmt: str) -> EventLog:
    """The probe-off scenario on a real pty, read by the console's transport, into its engine
    and SQLite log; the test thread plays the GUI thread.

    The player runs at x20000, so one read carries many seconds of frames. The console's clock
    is the monitor's, as at x1: each frame is taken at the second it was sent and the engine
    ticks every second between (a probe-off Masimo line carries no reading: its seconds are
    ticked when the next reading comes, or at the end). Nothing sleeps for time.
    """
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    events: queue.Queue[DeviceEvent] = queue.Queue()
    handle = start_in_thread("probe-off", fmt, FAST, 1, autostart=False, start=T0,
                             duration_minutes=MINUTES)
    conn = DeviceConnection(handle.port_path, fmt, events.put)
    second = 0
    try:
        conn.start()
        first = events.get(timeout=10)
        assert first.state is ConnectionState.CONNECTING
        engine = SessionEngine.open(protocol, log, Patient("MRN-1", 70), "qa", at(0))
        feed.apply(engine, first, at(0))
        engine.advance_phase("qa", at(0), override_reason="QA run")

        def tick_to(target: int) -> None:
            nonlocal second
            while second < target:
                second += 1
                engine.tick(at(second))

        handle.go()
        while True:
            try:
                event = events.get(timeout=2 if handle.finished.is_set() else 15)
            except queue.Empty:
                break
            if event.kind is not EventKind.DATA or not event.readings:
                feed.apply(engine, event, at(second))
                continue
            frames = by_frame(event.readings)
            for i, (sent, readings) in enumerate(frames):
                tick_to(sent)
                last = i == len(frames) - 1
                # The read's drops and its answer to the monitor go with its last frame.
                part = replace(event, readings=readings, dropped=event.dropped if last else (),
                               ticket=event.ticket if last else None)
                feed.apply(engine, part, at(sent))
        tick_to(int(MINUTES * 60))
        assert handle.error is None
        assert handle.stats.frames_written == MINUTES * 60
        assert handle.stats.frames_undelivered == 0
    finally:
        conn.stop()
        handle.stop()
    return log


def sql(log: EventLog, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(log.path) as db:
        return db.execute(query).fetchall()


def stamp(second: int) -> str:
    return (T0 + timedelta(seconds=second)).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


@pytest.mark.parametrize("fmt", PROBE_OFF_FORMATS)
def test_a_probe_off_through_a_pty_raises_no_spo2_for_30_s_medium_until_the_probe_is_back(
    tmp_path: Path, fmt: str
) -> None:
    log = play_probe_off_into_the_log(tmp_path, fmt)
    # The last SpO2 at 4:59; none for 30 s at 5:29: medium. The first SpO2 back at 6:30 ends it.
    spo2 = sql(log, "SELECT transition, priority, message, at FROM alarm_events "
                    "WHERE condition = 'spo2_low' ORDER BY id")
    assert [row[:3] for row in spo2][:1] == [("raised", "medium", "No SpO2 for 30 s")]
    assert [(row[0], row[3]) for row in spo2] == [
        ("raised", stamp(OFF_FROM - 1 + 30)), ("cleared", stamp(OFF_UNTIL))]
    # Nothing else alarmed: the patient was well, and the monitor never went quiet meanwhile.
    assert sql(log, "SELECT DISTINCT condition FROM alarm_events "
                    "WHERE category = 'physiological'") == [("spo2_low",)]
    assert sql(log, "SELECT condition, at FROM alarm_events WHERE condition IN "
                    f"('device_lost', 'device_stale') AND at <= '{stamp(OFF_UNTIL)}'") == []
    # In the log: no oximeter value measured while the probe was off, and (HL7) the rest.
    during = (f"measured_at >= '{stamp(OFF_FROM)}' AND measured_at < '{stamp(OFF_UNTIL)}'")
    kept = {str(metric): count for metric, count in sql(
        log, f"SELECT metric, count(*) FROM observations WHERE {during} GROUP BY metric")}
    assert not OXIMETER & set(kept)
    if fmt == "hl7":
        assert kept["heart_rate"] == kept["resp_rate"] == OFF_UNTIL - OFF_FROM
        assert kept["bp_systolic"] == 1   # the cuff at 5:30
    assert sql(log, f"SELECT count(*) FROM observations WHERE metric = 'spo2' "
                    f"AND measured_at >= '{stamp(OFF_UNTIL)}'")[0][0] == MINUTES * 60 - OFF_UNTIL
    assert log.verify().ok
