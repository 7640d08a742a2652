"""P3b, alarm latency under load: P3's trials while the same station reviews a large log and
exports PDFs.

The alarm side is P3's, unchanged (`p3_alarm.measure`: the real console window offscreen on a
pty, p99 of the last byte of an alarming frame → the alarm's row drawn by the window's own paint,
the end of the Paint event its loop delivers). While every trial runs:

- **a review process** on a P6-sized log (`review` sessions of `minutes` minutes at 1 Hz × 6
  vitals; built once by `benchmarks/review_log.py` and cached with P6's logs,
  `p6_review.cached_log`). It is started from the console's GUI thread by the console's own
  `ReviewLauncher` (what Ctrl+R does; the time that call holds the GUI thread is reported), with
  the command `python -m benchmarks.review_child`: the review window built as
  `infusion-console review --db LOG` builds it, then opening one session after another with all
  its rows and its whole-session trend, back to back, until told to stop;
- **PDF exports**, one after another, each a child process running
  `infusion-console export N --pdf FILE --db LOG` on the newest sessions of the same log. An
  export started from the live console runs inside the review's process, so by default
  (`background_exports` 1) each export gets the review's background policy
  (`review_launcher.run_in_background`: nice 10, the last processor); 0 runs them as a shell
  would start them.

Both are kept busy for the whole run, a harsher load than a clinician clicking now and then; on a
2-core machine the console shares the CPUs with both. The console itself writes to its own small
log (as in P3), not to the large one: P6's cached file must stay as P6 measures it.

The JSON says how many session loads and PDFs finished while the trials ran, and whether a load
and an export were running during each trial. The row passes only if the load it names ran
(`load_shortfalls`): a session loaded and a PDF exported while the trials ran, no export failed,
and the review still running when told to stop.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, Row
from benchmarks.p3_alarm import latency_row, measure
from benchmarks.p6_review import cached_log
from console.ui.review_launcher import run_in_background

DEFAULTS = {"trials": 200, "sessions": 200, "minutes": 90, "seed": 1, "review": 1, "exports": 1,
            "background_exports": 1,
            "export_nice": 0}
QUICK = {"trials": 20, "sessions": 4, "minutes": 10, "seed": 1, "review": 1, "exports": 1,
         "background_exports": 1,
         "export_nice": 0}
# `review` / `exports` 0 leave that peer out (to see what each costs); `export_nice` runs the
# export processes at that niceness (0: as a shell would start `infusion-console export`).
EXPORTED = 4
"""How many of the newest sessions the exports go round."""


EXPORTER, EXPORTER_PIN = "P3b Exporter", "31415926"


def _ensure_exporter(log: Path) -> None:
    """The account the exports sign in as: the log's first administrator, made once."""
    from datetime import UTC, datetime

    from console.identity import SecretKind, Staff
    from console.store import EventLog

    with EventLog.open(log, "p3b") as event_log:
        staff = Staff(event_log)
        if staff.find(EXPORTER) is None:
            staff.add(EXPORTER, "administrator", EXPORTER_PIN, SecretKind.PIN, None,
                      datetime.now(UTC))


class ReviewAndExports:
    """The load: a review process loading sessions and PDF exports one after another."""

    def __init__(self, log: Path, work: Path, review: bool = True, exports: bool = True,
                 export_nice: int = 0, background_exports: bool = True) -> None:
        self.log = log
        self.work = work
        self.review, self.exports, self.export_nice = review, exports, export_nice
        self.background_exports = background_exports
        self.progress = work / "review-progress.txt"
        self.progress.touch()
        self._stop = threading.Event()
        self._exports: list[tuple[float, float, int]] = []   # (start, end, status)
        self._export_running_since: float | None = None
        self._exporter = threading.Thread(target=self._export_loop, name="p3b-exports", daemon=True)
        self.launch_ms = float("nan")
        self.launcher: Any = None
        from console.review.model import SessionFilter
        from console.review.queries import list_sessions, open_readonly

        conn = open_readonly(log)
        try:
            self.session_ids = [s.id for s in list_sessions(conn, SessionFilter(), limit=EXPORTED)]
        finally:
            conn.close()

    # ---- Load -----------------------------------------------------------------------------------

    def start(self, window: Any) -> None:
        from console.ui.review_launcher import ReviewLauncher

        command = [sys.executable, "-m", "benchmarks.review_child", "--db", str(self.log),
                   "--progress", str(self.progress)]
        if self.review:
            self.launcher = ReviewLauncher(self.log, notify=lambda text: None, command=command,
                                           parent=window)
            begin = time.perf_counter()
            self.launcher.open()   # on the GUI thread, as Ctrl+R runs it
            self.launch_ms = (time.perf_counter() - begin) * 1000
        if self.exports:
            self._exporter.start()

    def ready(self) -> bool:
        review = not self.review or self._review_loads() != []
        exports = not self.exports or self._exports != [] or self._export_running_since is not None
        return review and exports

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        if self._exporter.is_alive():
            self._exporter.join(120)
        launcher = self.launcher
        status: int | None = None
        if launcher is not None and launcher.running():
            pid = launcher.pid
            launcher.close()
            deadline = time.monotonic() + 30
            while launcher.running() and time.monotonic() < deadline:
                time.sleep(0.05)
            status = None if launcher.running() else 0
            if launcher.running() and pid is not None:
                os.kill(pid, 9)
        return {"review_launch_ms": self.launch_ms, "review_stopped": status == 0,
                "review_stderr_tail": launcher.error_output()[-2000:] if launcher is not None else ""}

    # ---- what ran when --------------------------------------------------------------------------

    def _review_loads(self) -> list[tuple[float, float]]:
        """(end time, milliseconds) of each session the review has loaded."""
        loads = []
        for line in self.progress.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[1] == "loaded":
                loads.append((float(parts[0]), float(parts[3])))
        return loads

    def _export_loop(self) -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        _ensure_exporter(self.log)
        n = 0
        while not self._stop.is_set():
            session_id = self.session_ids[n % len(self.session_ids)]
            n += 1
            out = self.work / f"export-{session_id}.pdf"
            begin = time.monotonic()
            self._export_running_since = begin
            nice = ["nice", "-n", str(self.export_nice)] if self.export_nice else []
            # Every export signs in (issue 13): the PIN on a pipe, never an argument.
            secret, feed = os.pipe()
            os.write(feed, (EXPORTER_PIN + "\n").encode())
            os.close(feed)
            child = subprocess.Popen(
                [*nice, sys.executable, "-m", "console.cli", "export", str(session_id), "--pdf",
                 str(out), "--db", str(self.log), "--account", EXPORTER,
                 "--secret-fd", str(secret)],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, pass_fds=(secret,))
            os.close(secret)
            if self.background_exports:
                # As an export started from the live console runs: inside the review's process,
                # so under its background policy (console/ui/review_launcher.py).
                with contextlib.suppress(OSError):
                    run_in_background(child.pid)
            done: subprocess.CompletedProcess[bytes] = subprocess.CompletedProcess(
                child.args, child.wait(timeout=300))
            self._exports.append((begin, time.monotonic(), done.returncode))
            self._export_running_since = None

    def overlap(self, results: list[dict[str, float]]) -> dict[str, Any]:
        """How busy the peers were while the trials ran."""
        if not results:
            return {}
        first, last = results[0]["t0"], results[-1]["t0"] + results[-1]["painted_ms"] / 1000
        loads = self._review_loads()
        # A load runs from its end minus its duration to its end.
        spans = [(end - ms / 1000, end) for end, ms in loads]
        exports = [(b, e) for b, e, status in self._exports]

        def busy(t: float, intervals: list[tuple[float, float]]) -> bool:
            return any(b <= t <= e for b, e in intervals)

        return {
            "trial_seconds": last - first,
            "review_loads_during_trials": sum(1 for b, e in spans if e >= first and b <= last),
            "review_load_ms_median": sorted(ms for _, ms in loads)[len(loads) // 2] if loads else None,
            "pdf_exports_during_trials": sum(1 for b, e in exports if e >= first and b <= last),
            "pdf_export_failures": sum(1 for _, _, status in self._exports if status != 0),
            "pdf_export_seconds_median": (sorted(e - b for b, e in exports)[len(exports) // 2]
                                          if exports else None),
            "trials_during_a_review_load": sum(1 for r in results if busy(r["t0"], spans)),
            "trials_during_an_export": sum(1 for r in results if busy(r["t0"], exports)),
        }


def load_shortfalls(params: dict[str, Any], details: dict[str, Any]) -> list[str]:
    """What of the load the row names did not run while the trials did, a line each (none: it
    ran). Every export failing leaves a loop of interpreter start-ups, a review that died after
    its first load leaves nothing: neither is "while reviewing ... + PDF exports"."""
    out = []
    if params["review"]:
        if not details.get("review_loads_during_trials"):
            out.append("load: the review loaded no session while the trials ran")
        if not details.get("review_stopped"):
            out.append("load: the review process was not running to the end (it ended early or "
                       "did not stop when told; review_stderr_tail)")
    if params["exports"]:
        if not details.get("pdf_exports_during_trials"):
            out.append("load: no PDF export ran while the trials ran")
        failed = details.get("pdf_export_failures")
        if failed != 0:
            out.append(f"load: {failed} PDF exports failed")
    return out


def run(params: dict[str, Any]) -> list[Row]:
    sessions, minutes, seed = int(params["sessions"]), int(params["minutes"]), int(params["seed"])
    log, built, build_seconds = cached_log(sessions, minutes, seed)
    with tempfile.TemporaryDirectory(prefix="bench-p3b-") as work:
        load = ReviewAndExports(log, Path(work), bool(params["review"]), bool(params["exports"]),
                                int(params["export_nice"]), bool(params["background_exports"]))
        results, failure, details = measure(params, load)
        details = {**details, **load.overlap(results), "log": str(log), "log_sessions": sessions,
                   "log_minutes": minutes, "log_built_now": built,
                   "log_build_seconds": build_seconds, "review": bool(params["review"]),
                   "exports": bool(params["exports"]), "export_nice": int(params["export_nice"]),
                   "background_exports": bool(params["background_exports"])}
    peers = [f"reviewing {sessions} sessions" if params["review"] else "",
             "PDF exports" + (f" (nice {params['export_nice']})" if params["export_nice"] else "")
             if params["exports"] else ""]
    what = "alarm latency p99 while " + " + ".join(p for p in peers if p) if any(peers) else (
        "alarm latency p99, no load")
    shortfalls = load_shortfalls(params, details)
    return [latency_row("P3b", what, results, failure + shortfalls,
                        {**details, "load_shortfalls": shortfalls})]
