"""A large, valid session log for the review benchmark (quality bar P6), built fast.

`build_review_log(path, sessions, minutes, seed)` writes `sessions` complete sessions of `minutes`
minutes, each with six vitals at 1 Hz from a simulated monitor (HR, pulse rate, SpO2, RR and a
continuous systolic/diastolic BP: 200 x 90 min = 6,480,000 observation rows), MOAA/S, nausea and
CADSS every 15 minutes, phases, checklist ticks, T0 with its baseline, a few alarm occurrences
(vitals-due prompts, some BP alarms reaching high), discharge and end. Patients have courses of up
to 8 sessions; every 25th session is a demo session.

Rows go straight into the tables with `executemany`, bypassing the engine (which would take hours
for 6.5 M readings), but every row is what the console writes: the same columns, ISO UTC stamps,
and with `chained=True` (the default) the same hash chain as the store (console.store.chain
.row_hash, chain heads in meta), so `EventLog.verify()` passes on the result. `chained=False`
writes the placeholder hash `unchained` instead: about three times as fast, the log is still
readable and writable by the console, but `verify` reports the first row; use it only where verify
is not run.

Measured here (2 CPUs, Python 3.11): 200 sessions x 90 min chained in 137 s, 1.4 GB; 20 sessions
in 17-21 s chained, 6 s unchained. Review on those logs (`measure()`, best of 7, a fresh read-only
connection each time): list 0.7 ms at 20 sessions, 5.5 ms at 200 (192 rows listed); loading one
session with its events 75-80 ms at 20 and 67-75 ms at 200 (ratio about 0.95; P6 asks <= 1.5).
The existing indexes suffice: no migration was added for P6.

Run: `python benchmarks/review_log.py OUT.sqlite3 [--sessions 200] [--minutes 90] [--measure]`.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.clock import iso  # noqa: E402
from console.store import EventLog  # noqa: E402
from console.store.chain import CHAINED_COLUMNS, GENESIS, row_hash  # noqa: E402
from console.store.schema import CHAIN_HEAD_PREFIX  # noqa: E402

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
SOURCE = "hl7:BENCH^0011223344556677^EUI-64"
# (metric, unit, channel = MDC code as the HL7 decoder keeps it, centre, spread)
VITALS = (
    ("heart_rate", "beats/min", "147842", 72.0, 6.0),
    ("pulse_rate", "beats/min", "149530", 72.0, 6.0),
    ("spo2", "%", "150456", 97.0, 1.2),
    ("resp_rate", "breaths/min", "151562", 14.0, 2.0),
    ("bp_systolic", "mmHg", "150021", 126.0, 10.0),
    ("bp_diastolic", "mmHg", "150022", 80.0, 6.0),
)
SCALES = (("moaas", 5, 4), ("nausea", 0, 1), ("dissociation", 0, 8))
NURSES = ("nurse.ana", "nurse.ben", "nurse.chloe")
PROTOCOLS = (("iv-ketamine", "2026.1", "IV ketamine 0.5 mg/kg over 40 min"),
             ("esketamine", "1.0", "Esketamine nasal spray 56/84 mg"))


class _Writer:
    """Chained inserts into one table: ids and hashes continue from the table's head."""

    def __init__(self, conn: sqlite3.Connection, table: str, chained: bool) -> None:
        self.conn, self.table, self.chained = conn, table, chained
        last = conn.execute(f"SELECT id, row_hash FROM {table} ORDER BY id DESC LIMIT 1").fetchone()
        self.last_id: int = last[0] if last else 0
        self.previous: str = last[1] if last else GENESIS
        columns = (*CHAINED_COLUMNS[table], "row_hash")
        self.sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})")
        self.rows: list[list[object]] = []

    def add(self, content: list[object]) -> int:
        self.last_id += 1
        values = [self.last_id, *content]
        digest = row_hash(self.previous, self.table, values) if self.chained else "unchained"
        self.previous = digest
        values.append(digest)
        self.rows.append(values)
        return self.last_id

    def flush(self) -> None:
        self.conn.executemany(self.sql, self.rows)
        self.rows.clear()
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [CHAIN_HEAD_PREFIX + self.table, f"{self.last_id} {self.previous}"],
        )


def _session_start(index: int, minutes: int) -> datetime:
    """Four sessions a clinic day, one after the other."""
    slot = max(120, minutes + 20)
    return START + timedelta(days=index // 4, minutes=(index % 4) * slot)


def build_review_log(path: Path, sessions: int = 200, minutes: int = 90, seed: int = 1,
                     chained: bool = True) -> Path:
    """Write a log of `sessions` finished sessions of `minutes` minutes at `path` (must not exist).

    Returns the path. See the module docstring for what each session holds.
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; build_review_log writes a new log")
    rng = random.Random(seed)
    EventLog.open(path, "bench", now=START).close()   # schema, meta, chain heads
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    writers = {t: _Writer(conn, t, chained) for t in ("sessions", "observations",
                                                        "alarm_events", "events")}
    patients = max(1, (sessions + 7) // 8)
    course: dict[str, int] = {}
    for index in range(sessions):
        conn.execute("BEGIN")
        sid, ended_at = _one_session(writers, rng, index, minutes, patients, course)
        for writer in writers.values():
            writer.flush()
        # The one update the log allows: ended_at, once, after the session's row exists.
        conn.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", [ended_at, sid])
        conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


# One alarm transition: (second into the session, transition, priority, actor).
_Step = tuple[int, str, str, str]


def _one_session(writers: dict[str, _Writer], rng: random.Random, index: int, minutes: int,
                 patients: int, course: dict[str, int]) -> tuple[int, str]:
    """Queue one session's rows in the writers; return its id and end time."""
    started = _session_start(index, minutes)
    patient = f"P-{index % patients + 1:04d}"
    number = course[patient] = course.get(patient, 0) + 1
    protocol_id, version, name = PROTOCOLS[(index % patients) % 2]
    nurse = NURSES[index % len(NURSES)]
    dose = 36.0 if protocol_id == "iv-ketamine" else 56.0
    details = {"dose_mg": dose, "chosen_mg": None if dose == 36.0 else 56.0,
               "pump_rate_ml_h": 150.0, "protocol_name": name}
    stamp = [iso(started + timedelta(seconds=s)) for s in range(minutes * 60 + 1)]
    sid = writers["sessions"].add([
        patient, protocol_id, version, number, stamp[0], nurse, 70.0 + index % 20,
        int(index % 25 == 24), json.dumps(details, sort_keys=True, separators=(",", ":")),
    ])
    events = writers["events"]

    def event(second: int, kind: str, actor: str, detail: dict[str, object]) -> None:
        events.add([sid, stamp[second], kind, actor,
                    json.dumps(detail, sort_keys=True, ensure_ascii=False, separators=(",", ":"))])

    end = minutes * 60
    # T0 at 10 min, observation from 50 min, discharge phase for the last 5 (shorter sessions:
    # the same shape, scaled).
    t0 = min(600, end // 9)
    observation = min(3000, end * 5 // 9)
    discharge = end - 300 if end - 300 > observation else (observation + end) // 2
    phases = ((0, "pre", "Pre-session checks", "pre"), (t0, "dosing", "Dosing", "dosing"),
              (observation, "observation", "Observation", "observation"),
              (discharge, "discharge", "Discharge", "discharge"))
    obs = writers["observations"]
    level = {m: c for m, _, _, c, _ in VITALS}
    baseline: dict[str, float] = {}
    surge = rng.random() < 0.3 and minutes >= 50
    for second in range(minutes * 60):
        at = stamp[second]
        for metric, unit, channel, centre, spread in VITALS:
            target = centre + (25.0 if surge and metric == "bp_systolic"
                               and 30 * 60 <= second < 45 * 60 else 0.0)
            level[metric] += 0.05 * (target - level[metric]) + rng.gauss(0, spread * 0.1)
            value = float(round(level[metric]))
            if metric == "spo2":
                value = min(100.0, value)
            obs.add([sid, metric, value, unit, SOURCE, channel, "", at, at, "engine", 0, None])
            if second < t0:
                baseline[metric] = value
        if second % 900 == 0:
            for metric, calm, peak in SCALES:
                value = float(peak if t0 < second < observation and rng.random() < 0.5 else calm)
                obs.add([sid, metric, value, "score", "manual", "", "", at, at, nurse, 0, None])
    previous = ""
    for second, phase, label, kind in phases:
        if previous:
            event(second, "phase_ended", nurse, {"phase": previous})
        previous = phase
        event(second, "phase_started", nurse, {"kind": kind, "name": label, "phase": phase})
        if phase == "pre":
            for item in ("identity", "consent", "bp-before-dose"):
                event(min(60, t0), "checklist_ticked", nurse,
                      {"item": item, "note": "", "phase": "pre", "text": item})
        if phase == "dosing":
            event(second, "dosing_started", nurse, {"baseline": baseline, "t0": True})
    alarms = writers["alarm_events"]
    occurrence = 0

    def alarm(steps: Sequence[_Step], condition: str, category: str, message: str,
              value: float | None = None, threshold: str = "") -> None:
        nonlocal occurrence
        occurrence += 1
        for second, transition, priority, actor in steps:
            alarms.add([sid, occurrence, condition, category, priority, transition,
                        stamp[second], value, threshold, message, actor])

    for due in range(t0 + 600, end - 300, 900):
        alarm([(due, "raised", "info", "engine"), (due + 40, "cleared", "info", "engine")],
              "vitals_due:BP and HR", "prompt", "BP and HR due")
    if surge:
        alarm([(31 * 60, "raised", "medium", "engine"),
               (31 * 60 + 20, "acknowledged", "medium", nurse),
               (36 * 60, "escalated", "high", "engine"),
               (36 * 60 + 9, "acknowledged", "high", nurse),
               (45 * 60, "cleared", "high", "engine")],
              "bp_systolic_high", "physiological", "Systolic BP 182 mmHg (limit ≥180)", 182.0,
              "≥180")
    event(end, "discharged", nurse, {"minutes_from_t0": round((end - t0) / 60, 1),
                                     "minutes_total": float(minutes)})
    event(end, "session_ended", nurse, {})
    return sid, stamp[end]


def measure(path: Path, rounds: int = 5) -> dict[str, float]:
    """Best-of-`rounds` milliseconds of the review's list and of loading the latest session."""
    from console.review.model import SessionFilter
    from console.review.queries import list_sessions, load_session, open_readonly

    def best(fn: Callable[[sqlite3.Connection], object]) -> float:
        times: list[float] = []
        for _ in range(rounds):
            conn = open_readonly(path)   # a fresh connection each round: no warm statement cache
            begin = time.perf_counter()
            fn(conn)
            times.append((time.perf_counter() - begin) * 1000)
            conn.close()
        return min(times)

    conn = open_readonly(path)
    latest = list_sessions(conn, SessionFilter(include_demo=True), limit=1)[0].id
    conn.close()
    return {
        "list_ms": best(lambda c: list_sessions(c, SessionFilter(), limit=500)),
        "load_ms": best(lambda c: load_session(c, latest)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--minutes", type=int, default=90)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--unchained", action="store_true")
    parser.add_argument("--measure", action="store_true")
    args = parser.parse_args()
    begin = time.perf_counter()
    build_review_log(args.out, args.sessions, args.minutes, args.seed, chained=not args.unchained)
    print(f"built {args.out} in {time.perf_counter() - begin:.1f} s")
    if args.measure:
        print(measure(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
