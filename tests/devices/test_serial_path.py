"""The real serial path: simulator -> pseudo-terminal -> DeviceConnection -> real decoders.

Every built-in scenario is played on a real pty at high speed (the player is then throughput
bound: the pty's buffer makes it wait for the reader, so nothing is lost) and what the console
would receive is checked: values, connection states, ACKs. One test runs `infusion-sim` as a
subprocess and reads the port from its first stdout line.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devices.hl7 import HL7Decoder
from devices.simulator import replay, start_in_thread
from devices.simulator.player import PlayerStats, PtySink, SimulatorHandle
from devices.transport import ConnectionState, DeviceConnection, EventKind
from tests.devices.conftest import RX, feed_all, restarted_mid_message
from tests.devices.test_transport import EventLog

S = ConnectionState
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
FAST = 20000.0  # scenario seconds per real second: the reader, not the clock, sets the pace
ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "device-samples"


def attach(
    scenario: str, fmt: str, stoppers: list[Callable[[], object]], minutes: float | None = None,
    **kwargs: object,
) -> tuple[SimulatorHandle, DeviceConnection, EventLog]:
    """Simulator on a new pty, console reader opened on it, then the simulator starts playing."""
    handle = start_in_thread(scenario, fmt, FAST, 1, autostart=False, start=T0, duration_minutes=minutes)
    stoppers.append(handle.stop)
    events = EventLog()
    conn = DeviceConnection(handle.port_path, fmt, events, **kwargs)  # type: ignore[arg-type]
    stoppers.append(conn.stop)
    conn.start()
    # pyserial flushes the input buffer when it opens a port: play only once it is open.
    events.wait_state(S.CONNECTING)
    handle.go()
    return handle, conn, events


def play_to_end(handle: SimulatorHandle, events: EventLog, metric: str, timeout: float = 30) -> None:
    """Wait for the reading of `metric` from the scenario's last frame.

    HL7 and Masimo frames carry the device time; Ivy ANSAR-B frames carry none, so there the
    test waits for as many readings as valid frames were written.
    """
    timeline = handle.timeline
    assert timeline is not None
    if timeline.fmt == "ansar-b":
        wait_count(events, metric, timeline.valid_frames(), timeout)
    else:
        last = T0 + timedelta(seconds=timeline.truths[-1][0])
        events.wait_for(lambda e: any(r.metric == metric and r.measured_at == last for r in e.readings),
                        timeout, f"{metric} reading of the last frame")
    assert handle.finished.wait(10) and handle.error is None
    events.drain()


def wait_count(events: EventLog, metric: str, n: int, timeout: float) -> None:
    """Consume events until `n` readings of `metric` have been seen in total."""
    events.wait_for(lambda e: events.counts[metric] >= n, timeout, f"{n} {metric} readings")


def values(events: EventLog, metric: str) -> list[float]:
    return [r.value for r in events.readings(metric)]


def assert_nothing_lost(handle: SimulatorHandle, events: EventLog, metric: str = "heart_rate") -> None:
    assert handle.stats.bytes_discarded == 0
    assert len(values(events, metric)) == handle.stats.frames_written == handle.timeline.valid_frames()  # type: ignore[union-attr]


# ------------------------------------------------------------------------- every HL7 scenario


def test_normal_infusion_has_the_usual_bp_rise_and_nothing_lost(stoppers: list[Callable[[], object]]) -> None:
    handle, conn, events = attach("normal", "hl7", stoppers)
    play_to_end(handle, events, "heart_rate")
    assert_nothing_lost(handle, events)
    systolic = values(events, "bp_systolic")
    assert 124 + 15 <= max(systolic) < 180
    assert max(values(events, "heart_rate")) < 110 and min(values(events, "spo2")) > 93
    assert events.states() == [S.CONNECTING, S.CONNECTED]
    # Every message was answered and the simulator drained every ACK. The answer follows the
    # owner's verdict (here given as each event arrives), so the reader may still be writing the
    # last one: stopping it finishes its turn; the simulator's stop() drains once more.
    assert conn.stop()
    assert conn.stats.replies_written == handle.stats.frames_written
    assert handle.stop()
    assert handle.stats.acks == handle.stats.frames_written
    # NIBP repeats with its own older measured time: one distinct time per cuff cycle.
    nibp_times = {r.measured_at for r in events.readings("bp_systolic")}
    assert len(nibp_times) == 9  # 45 min, every 5 min from 0:30


def test_hypertensive_surge_reaches_200_systolic_and_110_diastolic(stoppers: list[Callable[[], object]]) -> None:
    handle, _, events = attach("hypertensive-surge", "hl7", stoppers)
    play_to_end(handle, events, "heart_rate")
    assert_nothing_lost(handle, events)
    systolic = values(events, "bp_systolic")
    assert any(180 <= v < 200 for v in systolic) and max(systolic) >= 200
    assert max(values(events, "bp_diastolic")) >= 110


def test_tachypnea_reaches_rr_25(stoppers: list[Callable[[], object]]) -> None:
    handle, _, events = attach("tachypnea", "hl7", stoppers)
    play_to_end(handle, events, "resp_rate")
    assert_nothing_lost(handle, events, "resp_rate")
    assert max(values(events, "resp_rate")) >= 25


def test_respiratory_depression_reaches_rr_8_and_spo2_90(stoppers: list[Callable[[], object]]) -> None:
    handle, _, events = attach("respiratory-depression", "hl7", stoppers)
    play_to_end(handle, events, "spo2")
    assert_nothing_lost(handle, events, "spo2")
    assert min(values(events, "resp_rate")) <= 8
    assert min(values(events, "spo2")) <= 90


def test_tachycardia_is_over_120_for_5_minutes_then_reaches_131(stoppers: list[Callable[[], object]]) -> None:
    handle, _, events = attach("tachycardia", "hl7", stoppers)
    play_to_end(handle, events, "heart_rate")
    assert_nothing_lost(handle, events)
    hr = events.readings("heart_rate")
    longest, run_start = timedelta(0), None
    for r in hr:
        assert r.measured_at is not None
        if r.value > 120:
            run_start = run_start or r.measured_at
            longest = max(longest, r.measured_at - run_start)
        else:
            run_start = None
    assert longest >= timedelta(minutes=5)
    assert max(r.value for r in hr) >= 131


def test_disconnect_goes_disconnected_then_connected_again_at_the_same_path_within_5_s(
    stoppers: list[Callable[[], object]],
) -> None:
    handle, conn, events = attach("disconnect", "hl7", stoppers)
    lost = events.wait_state(S.DISCONNECTED, timeout=20)
    assert "port lost" in lost.detail
    back = events.wait_state(S.CONNECTED, timeout=10)
    play_to_end(handle, events, "heart_rate")
    replugged = next(t for t, what in handle.notes if what == "port-replugged")
    assert back.mono - replugged < 5.0
    assert conn.url == handle.port_path and conn.stats.opens == 2
    assert events.states() == [S.CONNECTING, S.CONNECTED, S.DISCONNECTED, S.CONNECTING, S.CONNECTED]
    # Readings before and after the gap; the 20 s the port was gone carry none.
    times = [r.measured_at for r in events.readings("heart_rate")]
    gone_from, gone_to = T0 + timedelta(seconds=600), T0 + timedelta(seconds=620)
    assert not [t for t in times if t is not None and gone_from <= t < gone_to]
    assert min(times) < gone_from and max(times) >= T0 + timedelta(minutes=39)  # type: ignore[type-var,operator]


def test_garbage_every_valid_frame_written_is_decoded(stoppers: list[Callable[[], object]]) -> None:
    handle, conn, events = attach("garbage", "hl7", stoppers)
    play_to_end(handle, events, "heart_rate")
    assert handle.timeline is not None
    # One heart-rate reading per valid frame, at exactly the times the simulator wrote them.
    got = [r.measured_at for r in events.readings("heart_rate")]
    assert got == [T0 + timedelta(seconds=t) for t, _ in handle.timeline.truths]
    assert_nothing_lost(handle, events)
    reasons = {d.reason for d in events.dropped()}
    assert {"garbage", "truncated-frame"} <= reasons
    assert events.states() == [S.CONNECTING, S.CONNECTED]  # noise is not a lost device


def hl7_reader_on_pty(stoppers: list[Callable[[], object]]) -> tuple[PtySink, PlayerStats, EventLog]:
    """A console's HL7 reader opened on a new pty: (the monitor's end, its counters, what the
    reader reports)."""
    sink = PtySink()
    stoppers.append(sink.close)
    events = EventLog()
    conn = DeviceConnection(sink.path, "hl7", events, wall=lambda: RX)
    stoppers.append(conn.stop)
    conn.start()
    events.wait_state(S.CONNECTING)
    return sink, PlayerStats(), events


def test_a_bare_message_cut_by_the_next_ones_msh_reads_live_as_from_a_file(
    samples_dir: Path, stoppers: list[Callable[[], object]]
) -> None:
    # A Comen monitor (bare HL7) started again inside a message; the next message follows
    # without a CR. The reader must split what it reads as the decoder splits the whole stream.
    stream, kept, _ = restarted_mid_message(samples_dir)
    whole = feed_all(HL7Decoder(), stream + kept)
    sink, stats, events = hl7_reader_on_pty(stoppers)
    # A bare message ends where the next begins: a third one's start completes the second, and
    # the third ends when the line goes quiet after it.
    sink.write(stream + kept, threading.Event(), stats)
    events.wait_for(lambda e: len(events.readings()) >= len(whole.readings), what="the readings")
    assert events.readings() == whole.readings
    assert events.dropped() == whole.dropped
    # Each message is answered: the cut one AE (read only in part: never AA), the next ones AA.
    deadline = time.monotonic() + 5
    while stats.acks + stats.naks < 3 and time.monotonic() < deadline:
        sink.wait(0.05, stats)
    assert (stats.acks, stats.naks) == (2, 1)


def test_a_lone_bare_message_is_read_and_answered_when_the_line_goes_quiet(
    stoppers: list[Callable[[], object]]
) -> None:
    """Bare HL7 marks no end: a message waited for the next one to begin, so a sender waiting
    for its ACK got none, and its SpO2 85 alarmed 15 s late (a QA run)."""
    message = (b"MSH|^~\\&|MON||||||ORU^R01|Q1|P|2.6\rOBR|1|||182777000^monitoring^SNOMED-CT"
               b"\rOBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|85|262688^MDC_DIM_PERCENT"
               b"^MDC|||||R\r")
    sink, stats, events = hl7_reader_on_pty(stoppers)
    sink.write(message, threading.Event(), stats)
    got = events.wait_for(lambda e: bool(e.readings), timeout=3, what="the SpO2 reading")
    assert [(r.metric, r.value) for r in got.readings] == [("spo2", 85.0)]
    deadline = time.monotonic() + 3
    while stats.acks < 1 and time.monotonic() < deadline:
        sink.wait(0.05, stats)
    assert stats.acks == 1


# -------------------------------------------------------------------------- the other formats


@pytest.mark.parametrize(("fmt", "metric"), [("masimo", "pulse_rate"), ("ansar-b", "heart_rate")])
def test_other_formats_play_a_scenario_without_loss(
    fmt: str, metric: str, stoppers: list[Callable[[], object]]
) -> None:
    # An oximeter alone sends no RR: its respiratory depression is the desaturation.
    scenario = "desaturation" if fmt == "masimo" else "respiratory-depression"
    handle, _, events = attach(scenario, fmt, stoppers, minutes=30)
    play_to_end(handle, events, metric)
    assert_nothing_lost(handle, events, metric)
    assert min(values(events, "spo2")) <= 90
    if fmt == "ansar-b":
        assert min(values(events, "resp_rate")) <= 8 and values(events, "bp_systolic")


@pytest.mark.parametrize(("fmt", "metric"), [("masimo", "spo2"), ("ansar-b", "heart_rate")])
def test_other_formats_survive_the_garbage_scenario(
    fmt: str, metric: str, stoppers: list[Callable[[], object]]
) -> None:
    handle, _, events = attach("garbage", fmt, stoppers, minutes=30)
    play_to_end(handle, events, metric)
    assert handle.timeline is not None
    got = {r.measured_at for r in events.readings(metric)} if fmt == "masimo" else None
    if fmt == "masimo":
        # Lines cut short still carry whole fields the decoder may keep: at least every valid line.
        assert {T0 + timedelta(seconds=t) for t, _ in handle.timeline.truths} <= got  # type: ignore[operator]
    else:
        assert len(values(events, metric)) == handle.timeline.valid_frames()
    assert events.states() == [S.CONNECTING, S.CONNECTED]


# ------------------------------------------------------------------ capture, replay, subprocess


def test_capture_then_replay_gives_the_same_readings(tmp_path: Path, stoppers: list[Callable[[], object]]) -> None:
    capture = tmp_path / "field.bin"
    handle, conn, events = attach("normal", "ansar-b", stoppers, minutes=15, capture_path=capture)
    play_to_end(handle, events, "heart_rate")
    assert handle.timeline is not None
    conn.stop()
    assert capture.read_bytes() == handle.timeline.data()  # every byte, nothing else

    again = replay(capture, speed=5000, bytes_per_second=1_000_000, autostart=False)
    stoppers.append(again.stop)
    replayed = EventLog()
    conn2 = DeviceConnection(again.port_path, "ansar-b", replayed)
    stoppers.append(conn2.stop)
    conn2.start()
    replayed.wait_state(S.CONNECTING)
    again.go()
    last = events.readings("heart_rate")[-1].measured_at
    expected = values(events, "heart_rate")
    wait_count(replayed, "heart_rate", len(expected), 20)
    replayed.drain()
    assert values(replayed, "heart_rate") == expected and last is None  # Ivy frames carry no time


@pytest.mark.skipif(not (SAMPLES / "ivy-450c-ansar-b-capture.bin").exists(), reason="device samples absent")
def test_replay_of_the_real_ivy_capture_decodes_its_27_frames(stoppers: list[Callable[[], object]]) -> None:
    handle = replay(SAMPLES / "ivy-450c-ansar-b-capture.bin", speed=1000, max_chunk=37, autostart=False)
    stoppers.append(handle.stop)
    events = EventLog()
    conn = DeviceConnection(handle.port_path, "ansar-b", events)
    stoppers.append(conn.stop)
    conn.start()
    events.wait_state(S.CONNECTING)
    handle.go()
    events.wait_for(lambda e: conn.stats.frames >= 27, 10, "27 frames")
    assert handle.finished.wait(10)
    events.drain()
    assert values(events, "heart_rate") == [80.0] * 27
    assert set(values(events, "bp_systolic")) == {121.0}


def _sim(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "devices.simulator.cli", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_infusion_sim_subprocess_prints_the_port_first_and_plays_to_the_end(
    stoppers: list[Callable[[], object]],
) -> None:
    proc = _sim("--scenario", "tachypnea", "--speed", "2000", "--seed", "4")
    stoppers.append(proc.kill)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()  # the FIRST line, flushed at once
    assert port.endswith("/port") and os.path.islink(port)
    events = EventLog()
    conn = DeviceConnection(port, "hl7", events)
    stoppers.append(conn.stop)
    conn.start()
    events.wait_state(S.CONNECTED)
    # The simulator closes its pty at the end: the reader sees the port go.
    events.wait_state(S.DISCONNECTED, timeout=30)
    assert proc.wait(10) == 0
    assert max(values(events, "resp_rate")) >= 25
    out, err = proc.communicate()
    assert "Traceback" not in err and "finished" in err
    assert not os.path.exists(os.path.dirname(port))  # temp dir removed


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_infusion_sim_ends_cleanly_on_a_signal(sig: signal.Signals, stoppers: list[Callable[[], object]]) -> None:
    proc = _sim("--scenario", "normal", "--speed", "1")
    stoppers.append(proc.kill)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    assert os.path.islink(port)
    proc.send_signal(sig)
    assert proc.wait(10) == (130 if sig == signal.SIGINT else 0)   # Ctrl+C: 130, as a shell says
    _, err = proc.communicate()
    assert "Traceback" not in err and "stopped" in err
    assert not os.path.exists(port)


def test_events_are_only_data_or_state(stoppers: list[Callable[[], object]]) -> None:
    handle, _, events = attach("normal", "masimo", stoppers, minutes=15)
    play_to_end(handle, events, "pulse_rate")
    kinds = {e.kind for e in events.seen}
    assert kinds == {EventKind.DATA, EventKind.STATE}
    data = [e for e in events.seen if e.kind is EventKind.DATA]
    assert all(e.state is None and e.frames >= 1 and e.readings for e in data)
