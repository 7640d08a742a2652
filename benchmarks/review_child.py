"""P3b's review process: the review window on a large log, opening one session after another.

    python -m benchmarks.review_child --db LOG --progress FILE [--pause-ms 0]

The window is built exactly as `infusion-console review --db LOG` builds it
(`console.ui.review_app.build`: the log opened read-only, the session list, the protocols), shown,
and then, like a clinician going down the list without pause, each session is opened in turn
(`ReviewWindow.open_session`: the session with all its rows, the trend of the whole session, the
tables) and drawn, until SIGTERM. One line per step goes to FILE (`ready` once the window is
shown, then `loaded ID MS`), each starting with `time.monotonic()`, the clock the benchmark's
`perf_counter` reads on Linux, so it can tell which loads overlapped which trials.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import Any


def _exporter_sign_in(db: Path, clock: Any) -> Any:
    """The review signs in as the log's benchmark account (issue 13: a log with staff accounts
    opens its review after a sign-in), the one P3b's exports use, as a clinician would."""
    from benchmarks.p3b_alarm_load import EXPORTER, EXPORTER_PIN
    from console.review.access import ReviewAccess
    from console.version import VERSION

    answer = ReviewAccess.sign_in(db, EXPORTER, EXPORTER_PIN, clock, VERSION)
    if isinstance(answer, str):
        raise SystemExit(f"review_child: sign-in refused: {answer}")
    return answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.review_child")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--progress", type=Path, required=True)
    parser.add_argument("--pause-ms", type=int, default=0)
    args = parser.parse_args(argv)

    from PySide6 import QtCore, QtWidgets

    from console.review.model import SessionFilter
    from console.review.queries import list_sessions
    from console.ui.gui_collector import collecting_on_this_thread
    from console.ui.review_app import build

    app = QtWidgets.QApplication(sys.argv[:1])
    begin = time.perf_counter()
    window = build(argparse.Namespace(db=args.db), sign_in=_exporter_sign_in)
    window.show()
    ids = [s.id for s in list_sessions(window.conn, SessionFilter(), limit=50)]
    progress = args.progress.open("a", encoding="utf-8", buffering=1)
    progress.write(f"{time.monotonic():.6f} ready {(time.perf_counter() - begin) * 1000:.1f}\n")
    # A quit queued from the handler runs once the loop runs, even if SIGTERM comes before it.
    signal.signal(signal.SIGTERM, lambda *_: QtCore.QTimer.singleShot(0, app.quit))
    wake = QtCore.QTimer()
    wake.timeout.connect(lambda: None)   # lets Python see the signal while Qt's loop runs
    wake.start(100)
    step_count = [0]

    def step() -> None:
        session_id = ids[step_count[0] % len(ids)]
        step_count[0] += 1
        start = time.perf_counter()
        window.open_session(session_id)
        window.repaint()   # drawn now, as the user would see it
        progress.write(f"{time.monotonic():.6f} loaded {session_id} "
                       f"{(time.perf_counter() - start) * 1000:.1f}\n")
        QtCore.QTimer.singleShot(args.pause_ms, step)

    QtCore.QTimer.singleShot(0, step)
    try:
        with collecting_on_this_thread():   # as the review's loop runs (console/ui/app.py)
            return app.exec()
    finally:
        window.close_log()
        progress.close()


if __name__ == "__main__":
    raise SystemExit(main())
