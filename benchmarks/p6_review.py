"""P6, review at scale: the review read model's session list and one session's load, on a log of
20 and of 200 sessions (90 minutes at 1 Hz × 6 vitals each: 6.5 M observation rows at 200).

The logs are built by `benchmarks/review_log.py` (`build_review_log`: rows as the console writes
them, hash chain included) and CACHED, because 200 sessions take minutes to build: under
`$BENCH_CACHE`, else `~/.cache/infusion-console-bench/`, one file per (sessions, minutes, seed)
and a digest of review_log.py and the store's schema, so a change to either builds afresh. Older
files of this benchmark in that folder are removed.

Measured as the review window does it (`console/ui/review_window.py`): `list_sessions` with the
default filter and limit, then `load_session(..., with_observations=True)` of the newest session
(same size in both logs). Each round opens a fresh read-only connection (not timed), so no
statement cache or page cache of SQLite's own carries over; the OS file cache does, as on a
machine where the log is in use. Figures are medians of `rounds`.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, Row, cache_dir

DEFAULTS = {"small": 20, "large": 200, "minutes": 90, "seed": 1, "rounds": 7}
QUICK = {"small": 2, "large": 4, "minutes": 10, "seed": 1, "rounds": 3}
LIST_BAR_MS = 200.0
LOAD_BAR_MS = 300.0
SCALE_BAR = 1.5


def _digest() -> str:
    h = hashlib.sha256()
    for part in ("benchmarks/review_log.py", "console/store/schema.py", "console/store/chain.py"):
        h.update((ROOT / part).read_bytes())
    return h.hexdigest()[:12]


def cached_log(sessions: int, minutes: int, seed: int) -> tuple[Path, bool, float]:
    """(path, was it built now, seconds spent building) for a review log of this shape."""
    from benchmarks.review_log import build_review_log

    folder = cache_dir()
    digest = _digest()
    path = folder / f"review-{sessions}s-{minutes}m-seed{seed}-{digest}.sqlite3"
    for stale in folder.glob("review-*.sqlite3*"):
        if digest not in stale.name:
            stale.unlink()
    if path.exists():
        return path, False, 0.0
    partial = path.with_name(path.name + ".partial")
    for leftover in folder.glob(partial.name + "*"):
        leftover.unlink()
    begin = time.perf_counter()
    build_review_log(partial, sessions, minutes, seed)
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    os.replace(partial, path)   # only a complete log ever has the final name
    return path, True, time.perf_counter() - begin


def _measure(path: Path, rounds: int) -> dict[str, Any]:
    from console.review.model import SessionFilter
    from console.review.queries import list_sessions, load_session, open_readonly

    conn = open_readonly(path)
    newest = list_sessions(conn, SessionFilter(include_demo=True), limit=1)[0].id
    conn.close()
    listed = rows = 0
    out: dict[str, list[float]] = {"list": [], "load": [], "load_default": []}
    for _ in range(rounds):
        for key in out:
            conn = open_readonly(path)
            begin = time.perf_counter()
            if key == "list":
                listed = len(list_sessions(conn, SessionFilter()))
            elif key == "load":
                detail = load_session(conn, newest, with_observations=True)
                rows = len(detail.observations or ())
            else:
                load_session(conn, newest)
            out[key].append((time.perf_counter() - begin) * 1000)
            conn.close()
    return {"list_ms": statistics.median(out["list"]), "load_ms": statistics.median(out["load"]),
            "load_without_rows_ms": statistics.median(out["load_default"]),
            "listed": listed, "session_rows": rows, "list_runs": out["list"],
            "load_runs": out["load"], "bytes": path.stat().st_size}


def run(params: dict[str, Any]) -> list[Row]:
    minutes, seed, rounds = int(params["minutes"]), int(params["seed"]), int(params["rounds"])
    results = {}
    for key in ("small", "large"):
        sessions = int(params[key])
        path, built, seconds = cached_log(sessions, minutes, seed)
        results[key] = {"sessions": sessions, "log": str(path), "built_now": built,
                        "build_seconds": seconds, **_measure(path, rounds)}
    small, large = results["small"], results["large"]
    ratio = large["load_ms"] / small["load_ms"]
    details = {"minutes": minutes, "rounds": rounds, "small": small, "large": large,
               "cache": str(cache_dir())}
    n_small, n_large = small["sessions"], large["sessions"]
    return [
        Row(id="P6", case=f"list at {n_large} sessions",
            what=f"review list, {n_large} sessions (peer: {n_small})",
            figure=large["list_ms"], unit="ms", peer=small["list_ms"],
            ratio=large["list_ms"] / small["list_ms"], bar=f"≤ {LIST_BAR_MS:g} ms",
            passed=large["list_ms"] <= LIST_BAR_MS, details=details),
        Row(id="P6", case=f"load at {n_large} sessions",
            what=f"review session load, {n_large} (peer: {n_small})",
            figure=large["load_ms"], unit="ms", peer=small["load_ms"], ratio=ratio,
            bar=f"≤ {LOAD_BAR_MS:g} ms and ≤ {SCALE_BAR:g}× the load at {n_small}",
            passed=large["load_ms"] <= LOAD_BAR_MS and ratio <= SCALE_BAR, details=details),
    ]
