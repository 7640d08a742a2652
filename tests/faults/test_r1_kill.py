"""R1: the console process is killed with SIGKILL at random moments of a simulated session.

The console runs as its own process (offscreen Qt, started from its command line) and reads
`infusion-sim` on a real pseudo-terminal. It is killed at a seeded random moment after it was
spawned (some kills land while it starts up or resumes, most while readings are being committed),
then started again with the same options, 20 times in the fault run (4 in the default run).

What "shown" means here: the console's `--shown-log FILE` copies, as JSON lines, every record the
session window takes from its journal to draw (event list, trend) right after each redraw, plus a
`timers` line per elapsed second. The journal only gains a record after the log committed it, so
if the commit were not durable, or the window drew before committing, a line of that file would
be missing from the log after the kill: that is what is checked, from outside the process.

After every kill:
- `PRAGMA integrity_check` is ok;
- every record line of the shown log is in the log (observations by session, metric, value,
  received time, source and channel; alarm transitions by occurrence, condition, transition,
  priority and time; events by kind and time);
- there is still exactly one session, open: each restart resumed it instead of opening another;
- a restart that drew anything drew the resumed session's timers: its elapsed time counts from
  the first start, not from the restart.
At the end a clean run stops on SIGTERM and `infusion-console verify` passes the log.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from console.clock import parse_iso
from tests.faults.conftest import BIN, console_env, sql, wait_until

pytestmark = pytest.mark.faults

SEED = 20260105
KILLS_FAULT_RUN = 20
KILLS_DEFAULT_RUN = 4
PATIENT = "MRN-R1-0001"
# The monitor plays at 90x: ~90 messages a second keep the log committing when the kill comes,
# and the surge's high-systolic alarm arrives about 10 s in.
# Spawn to kill: Qt takes ~1.3 s to start offscreen here, so the window of 0.4-5 s puts about a
# fifth of the kills into start-up or resumption and the rest into a session taking readings.
KILL_AFTER = (0.4, 5.0)


def console_command(db: Path, port: str, shown: Path) -> list[str]:
    return [str(BIN / "infusion-console"), "--db", str(db), "--shown-log", str(shown),
            "--device", port, "--format", "hl7", "--protocol", "iv-ketamine",
            "--patient", PATIENT, "--weight", "70", "--nurse", "qa"]


# ----------------------------------------------------------------------------- the check


@dataclass
class Shown:
    """The shown log, parsed: record lines, timers lines by pid, and a torn last line if any."""

    records: list[dict[str, Any]] = field(default_factory=list)
    timers: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    torn: str = ""


def read_shown(path: Path) -> Shown:
    shown = Shown()
    if not path.exists():
        return shown
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1]:
        shown.torn = lines.pop()   # a write cut by SIGKILL: not a complete line, never drawn after
    for line in filter(None, lines):
        item = json.loads(line)
        if item["kind"] == "timers":
            shown.timers.setdefault(item["pid"], []).append(item)
        else:
            shown.records.append(item)
    return shown


def _key_time(text: str) -> str:
    return parse_iso(text).isoformat()


def missing_from_log(db: Path, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The shown record lines the log does not hold (empty when everything shown was kept)."""
    observations = {
        (s, m, float(v), _key_time(r), src, ch)
        for s, m, v, r, src, ch in sql(db, "SELECT session_id, metric, value, received_at, "
                                           "source, channel FROM observations")
    }
    alarms = {
        (s, o, c, t, p, _key_time(a))
        for s, o, c, t, p, a in sql(db, "SELECT session_id, occurrence, condition, transition, "
                                        "priority, at FROM alarm_events")
    }
    events = {(s, k, _key_time(a)) for s, k, a in sql(db, "SELECT session_id, kind, at FROM events")}
    ended = {(s, _key_time(e)) for s, e in sql(db, "SELECT id, ended_at FROM sessions "
                                                   "WHERE ended_at IS NOT NULL")}
    missing = []
    for r in records:
        kind = r["kind"]
        if kind == "observation":
            key: tuple[Any, ...] = (r["session"], r["metric"], float(r["value"]),
                                    _key_time(r["received_at"]), r["source"], r["channel"])
            found = key in observations
        elif kind == "alarm":
            found = (r["session"], r["occurrence"], r["condition"], r["transition"],
                     r["priority"], _key_time(r["at"])) in alarms
        elif kind == "event":
            found = (r["session"], r["event"], _key_time(r["at"])) in events
        else:
            found = (r["session"], _key_time(r["at"])) in ended
        if not found:
            missing.append(r)
    return missing


def test_the_check_reports_a_shown_record_that_is_not_in_the_log(tmp_path: Path) -> None:
    # The check must be able to fail: a line for a reading the log never committed is reported.
    from console.records import ObservationRecord, SessionOpened
    from console.store import EventLog
    from console.ui.shown_log import line_for
    from tests.store import T0, t

    db = tmp_path / "log.sqlite3"
    with EventLog.open(db, "test") as log:
        sid = log.start_session(SessionOpened("P", "iv-ketamine", "1", 1, "qa", 70.0, T0))
        kept = ObservationRecord(sid, "heart_rate", 72.0, "/min", "hl7:x", t(1), t(1), "engine")
        log.write([kept])
    never_committed = ObservationRecord(sid, "heart_rate", 73.0, "/min", "hl7:x", t(2), t(2),
                                        "engine")
    lines = [line_for(kept), line_for(never_committed)]
    assert missing_from_log(db, lines) == [line_for(never_committed)]


# ----------------------------------------------------------------------------- the kills


@dataclass
class Run:
    pid: int
    spawned: float        # monotonic
    kill_after: float
    killed_at: float = 0.0
    drew: bool = False


def test_console_killed_at_random_moments_resumes_its_session_and_keeps_all_it_showed(
    tmp_path: Path, fault_run: bool
) -> None:
    kills = KILLS_FAULT_RUN if fault_run else KILLS_DEFAULT_RUN
    rng = random.Random(SEED)
    db, shown_path = tmp_path / "log.sqlite3", tmp_path / "shown.jsonl"
    sim = subprocess.Popen(
        [str(BIN / "infusion-sim"), "--scenario", "hypertensive-surge", "--speed", "90",
         "--duration-minutes", "240", "--seed", str(SEED)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    runs: list[Run] = []
    opener: Run | None = None   # the run whose start committed the session
    resumes_seen = 0            # session_resumed events logged by the runs before this one
    console: subprocess.Popen[str] | None = None
    try:
        assert sim.stdout is not None
        port = sim.stdout.readline().strip()
        assert port, "the simulator printed no port"
        for number in range(kills):
            console = subprocess.Popen(console_command(db, port, shown_path), env=console_env(),
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                       text=True)
            run = Run(console.pid, time.monotonic(), rng.uniform(*KILL_AFTER))
            runs.append(run)
            # Sleep to a random moment: the moment is the experiment, not a wait for a result.
            time.sleep(max(0.0, run.spawned + run.kill_after - time.monotonic()))
            assert console.poll() is None, f"run {number} ended by itself: {console.stderr.read()}"
            console.send_signal(signal.SIGKILL)
            console.wait(timeout=10)
            assert console.stderr is not None
            errors = console.stderr.read()
            console.stderr.close()
            assert "Traceback" not in errors, errors[-3000:]
            run.killed_at = time.monotonic()

            # --- after the kill: the file, what was shown, the one session, its timers
            assert sql(db, "PRAGMA integrity_check") == [("ok",)], f"after kill {number}"
            shown = read_shown(shown_path)
            missing = missing_from_log(db, shown.records)
            assert not missing, f"kill {number}: shown but not in the log: {missing[:5]}"
            sessions = sql(db, "SELECT id, started_at, ended_at FROM sessions")
            if not sessions:
                assert not shown.records, "records shown without a session in the log"
                continue   # killed before its first session was committed: next run opens it
            assert len(sessions) == 1, f"kill {number}: a restart opened a new session: {sessions}"
            assert sessions[0][2] is None
            opener = opener or run
            timers = shown.timers.get(run.pid, [])
            run.drew = bool(timers)
            resumed_at = [parse_iso(str(at)) for (at,) in sql(
                db, "SELECT at FROM events WHERE kind = 'session_resumed' ORDER BY id")]
            ours, resumes_seen = resumed_at[resumes_seen:], len(resumed_at)
            if timers and run is not opener:
                # The resumed session's clock, checked against the console's own times (not
                # the test's spawn times, which needed a start-up slack): this run drew after
                # it resumed, so its elapsed time counts at least from the session's start (in
                # the log) to that resumption (in the log), and never falls below what an
                # earlier run showed. Counted from the restart, it would start again near 0.
                assert ours, f"kill {number}: the run drew the session without resuming it"
                started = parse_iso(str(sessions[0][1]))
                first_to_resumed = int((ours[0] - started).total_seconds())
                shown_before = max((line["elapsed_s"] for pid, lines in shown.timers.items()
                                    if pid != run.pid for line in lines), default=0)
                assert timers[0]["elapsed_s"] >= max(first_to_resumed, shown_before), (
                    number, timers[0], first_to_resumed, shown_before)
                assert timers[0]["phase"] == "pre"

        # --- a clean last run: it resumes, shows, and stops on SIGTERM
        console = subprocess.Popen(console_command(db, port, shown_path), env=console_env(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        last = console.pid
        wait_until(lambda: last in read_shown(shown_path).timers, 30, "the last run drew nothing")
        console.send_signal(signal.SIGTERM)
        _, errors = console.communicate(timeout=30)
        assert console.returncode == 0, errors[-3000:]
    finally:
        if console is not None and console.poll() is None:
            console.kill()
            console.wait(timeout=10)
        sim.terminate()
        sim.wait(timeout=10)

    shown = read_shown(shown_path)
    assert not missing_from_log(db, shown.records)
    assert opener is not None
    drew = [r for r in runs if r.drew]
    resumed = sql(db, "SELECT actor, json_extract(detail, '$.phase') FROM events "
                      "WHERE kind = 'session_resumed'")
    # Every run after the opener that drew the window had resumed first, and so did the last
    # run; a run killed during its resumption may have committed one more.
    assert len(resumed) >= sum(r.drew for r in runs[runs.index(opener) + 1:]) + 1
    assert all(actor == "qa" and phase == "pre" for actor, phase in resumed)
    assert sum(r["kind"] == "observation" for r in shown.records) > 20
    assert len(sql(db, "SELECT id FROM sessions")) == 1
    verify = subprocess.run([str(BIN / "infusion-console"), "verify", "--db", str(db)],
                            capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "integrity ok" in verify.stdout
    kill_moments = [round(r.kill_after, 2) for r in runs]
    kinds = {k: sum(r["kind"] == k for r in shown.records) for k in ("observation", "alarm", "event")}
    if fault_run:   # 20 kills last past the surge (systolic 190 at 15 scenario minutes = 10 s)
        assert kinds["alarm"] > 0, "no alarm was shown: the kills never tested one"
    print(f"\nR1: {kills} kills at {kill_moments} s after spawn; {len(drew)} runs had drawn the "
          f"session, {len(resumed)} session_resumed events, {len(shown.records)} records shown "
          f"({kinds}), all in the log; integrity and verify ok")


def test_the_same_command_line_resumes_the_open_session_and_another_patient_opens_a_new_one(
    tmp_path: Path, qtbot
) -> None:
    from console.cli import gui_parser
    from console.ui.app import build
    from console.ui.audio import RecordingAudioOut
    from tests.ui.conftest import Answers

    db = tmp_path / "log.sqlite3"

    def start(patient: str, nurse: str) -> None:
        cleanups: list = []
        options = gui_parser().parse_args(["--db", str(db), "--protocol", "iv-ketamine",
                                           "--patient", patient, "--weight", "70",
                                           "--nurse", nurse])
        try:
            window = build(options, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
                           asker=Answers())
            qtbot.addWidget(window)
            assert window.live is not None
        finally:
            for cleanup in reversed(cleanups):   # stops like a crash: no discharge
                cleanup()

    start(PATIENT, "qa")
    start(PATIENT, "night nurse")        # the same session, resumed by whoever restarted it
    start("MRN-OTHER", "qa")             # another patient: a session of their own
    assert sql(db, "SELECT id, patient_id FROM sessions ORDER BY id") == [
        (1, PATIENT), (2, "MRN-OTHER")]
    assert sql(db, "SELECT session_id, actor FROM events WHERE kind = 'session_resumed'") == [
        (1, "night nurse")]
