"""Render the review screenshots and the first page of a PDF report into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen .venv-3.11/bin/python docs/screenshots/render_review.py [--size WxH]

Writes review-list.png (the session list), review-detail.png (a session with a high alarm),
review-course.png (a patient's course) at 1366x768 by default, and report-page1.png (page 1 of that
session's A4 report, `pdftoppm -png -r 60`). The log is the one the tests use
(tests/ui/review_sessions.py): five sessions driven through the real engine, built in a temporary
folder. Times are shown in UTC so the pictures do not depend on the machine's zone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtWidgets  # noqa: E402

from console.clock import ManualClock  # noqa: E402
from console.export.pdf import write_session_pdf  # noqa: E402
from console.review.queries import load_session, open_readonly  # noqa: E402
from console.ui.review_window import ReviewWindow  # noqa: E402
from protocols.loader import default_protocol_dirs, load_protocols  # noqa: E402
from tests.ui.review_sessions import build_review_log  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1366x768", help="window size, e.g. 1920x1080")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNG files")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "log.sqlite3"
        facts = build_review_log(db)
        protocols = load_protocols(default_protocol_dirs()).protocols
        window = ReviewWindow(open_readonly(db), protocols=protocols,
                              clock=ManualClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC)),
                              annotator=lambda *_: 0, tz=UTC, source=str(db).replace(tmp, "…"))
        window.resize(width, height)
        window.show()
        app.processEvents()

        def save(name: str) -> None:
            app.processEvents()
            target = out / name
            if not window.grab().save(str(target)):
                raise SystemExit(f"could not write {target}")
            print(target)

        save("review-list.png")
        window.open_session(facts.ids["surge"])
        save("review-detail.png")
        window.show_course("MRN-4711")
        save("review-course.png")
        window.close_log()
        window.close()

        conn = open_readonly(db)
        detail = load_session(conn, facts.ids["surge"], with_observations=True)
        conn.close()
        pdf = Path(tmp) / "report.pdf"
        write_session_pdf(detail, pdf, page_size="A4", tz=UTC)
        if shutil.which("pdftoppm") is None:
            print("pdftoppm is missing (poppler-utils): report-page1.png not written",
                  file=sys.stderr)
            return 1
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(out / "report-page1")], check=True)
        print(out / "report-page1.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
