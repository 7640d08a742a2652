"""Render the identity screenshots of the README (issue 13) offscreen, at 1366x768:

- docs/screenshots/signature-dialog.png: a live session (a log with staff accounts) whose nurse
  moves on with the consent item open; the signature dialog over the window asks for her PIN,
  after one wrong PIN (its refusal shown);
- docs/screenshots/sign-in.png: the review's sign-in, after a nurse-only account was refused;
- docs/screenshots/lock-screen.png: the session window locked with a high alarm standing.

The dialogs are real (`SignatureDialog`, `SignInDialog`) with real checks against a real log;
they are painted over the window (an offscreen screen has no window manager to composite them).

    QT_QPA_PLATFORM=offscreen .venv-3.11/bin/python tests/ui/render_identity_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from console.clock import ManualClock  # noqa: E402
from console.identity import Argon2Hasher, SecretKind, Staff  # noqa: E402
from console.review.access import ReviewAccess  # noqa: E402
from console.session.chair_identity import ChairIdentity  # noqa: E402
from console.session.engine import Patient, SessionEngine  # noqa: E402
from console.session.journal import Journal  # noqa: E402
from console.session.signing import SignatureRequest  # noqa: E402
from console.store import EventLog  # noqa: E402
from console.ui import theme  # noqa: E402
from console.ui.controller import SessionController  # noqa: E402
from console.ui.live_window import LiveWindow  # noqa: E402
from console.ui.signature_dialog import SignatureDialog  # noqa: E402
from console.ui.staff_dialogs import SignInDialog  # noqa: E402
from protocols.loader import builtin_protocols_dir, load_protocol  # noqa: E402

SIZE = (1366, 768)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NURSE, NURSE_PIN = "Ana Lima", "47116032"


class _Answers:
    def confirm(self, message: str) -> bool:
        return True

    def ask(self, title: str, message: str, action: str = "Record", refresh=None) -> str:
        return "consent signed on paper, scanned after the session"

    def agree(self, title: str, message: str, action: str, refresh=None) -> bool:
        return True


def _composite(back: QtWidgets.QWidget | None, dialog: QtWidgets.QDialog) -> QtGui.QPixmap:
    """`back` (or the window colour) with `dialog` painted in its middle, at `SIZE`."""
    canvas = QtGui.QPixmap(*SIZE)
    canvas.fill(QtWidgets.QApplication.palette().window().color())
    painter = QtGui.QPainter(canvas)
    if back is not None:
        back.render(painter, QtCore.QPoint(0, 0))
        painter.fillRect(canvas.rect(), QtGui.QColor(0, 0, 0, 90))   # a modal dialog's shade
    dialog.adjustSize()
    size = dialog.size()
    at = QtCore.QPoint((SIZE[0] - size.width()) // 2, (SIZE[1] - size.height()) // 2)
    frame = QtCore.QRect(at - QtCore.QPoint(1, 1), size + QtCore.QSize(1, 1))
    painter.setPen(QtGui.QColor("#37474f"))
    painter.drawRect(frame)
    dialog.render(painter, at)
    painter.end()
    return canvas


def render(out: Path) -> None:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    assert isinstance(app, QtWidgets.QApplication)
    theme.apply(app, theme.THEMES[theme.DEFAULT])
    folder = Path(tempfile.mkdtemp())
    hasher = Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)
    log = EventLog.open(folder / "log.sqlite3", "screenshots", now=START)
    staff = Staff(log, hasher)
    admin = staff.add("Ada Admin", "administrator", "58203914", SecretKind.PIN, None, START)
    staff.add(NURSE, "nurse", NURSE_PIN, SecretKind.PIN, admin, START, badge="B-0017")
    staff.add("Rui Reviewer", "reviewer", "31415926", SecretKind.PIN, admin, START)
    clock = ManualClock(START)
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    journal = Journal(log)
    engine = SessionEngine.open(protocol, journal, Patient("MRN-2040", 72), NURSE, clock.now())
    for name, value in (("bp_systolic", 128), ("bp_diastolic", 82), ("heart_rate", 74),
                        ("spo2", 98), ("resp_rate", 14)):
        engine.enter_manual(name, value, NURSE, clock.now())
    for item in engine.phase.checklist:
        if item.required and item.id != "consent":
            engine.tick_item(item.id, NURSE, clock.now())
    clock.advance(9 * 60)
    identity = ChairIdentity(staff, clock.now().mono, 600.0, "chair 3", account=staff.find(NURSE))
    controller = SessionController(engine, clock, identity=identity)
    window = LiveWindow(controller, journal, _Answers(), _Answers())
    window.resize(*SIZE)
    window.show()
    window.side.setCurrentIndex(0)
    app.processEvents()

    # The signature the override asks for, after one wrong PIN.
    def check(name: str, secret: str) -> str | None:
        return "Not signed: name or badge and PIN or password do not match an account: check " \
               "both and try again."

    request = SignatureRequest(("phase ended against its checklist or rules",),
                               "'Consent for the ketamine course is current'", NURSE,
                               "Reason: consent signed on paper, scanned after the session")
    dialog = SignatureDialog(request, check)
    dialog.secret.setText("4711")
    dialog.sign_button.click()
    dialog.secret.setText("4711")   # typed, never shown: dots
    dialog.show()
    app.processEvents()
    _composite(window, dialog).save(str(out / "signature-dialog.png"))
    dialog.close()

    # The review's sign-in, after a nurse-only account was refused.
    def review_check(name: str, secret: str) -> str | None:
        answer = ReviewAccess.sign_in(folder / "log.sqlite3", name, secret, clock, "screens",
                                      hasher=hasher)
        return answer if isinstance(answer, str) else None

    sign_in = SignInDialog(
        "Sign in to the review", "Past sessions hold patients' records: the review opens for a "
        "reviewer, prescriber or administrator, and every session you read or export is logged "
        "with your name.", review_check)
    sign_in.name.setText(NURSE)
    sign_in.secret.setText(NURSE_PIN)
    sign_in.sign_in_button.click()
    sign_in.name.setText("Rui Reviewer")
    sign_in.show()
    app.processEvents()
    _composite(None, sign_in).save(str(out / "sign-in.png"))
    sign_in.close()

    # The station locked with a high alarm standing: the sign-in form in the entry's place, the
    # header's Lock button greyed, the alarm area and its F2/F3 still acting.
    engine.enter_manual("bp_systolic", 212, NURSE, clock.now(), confirmed=True)
    clock.advance(60)
    controller.lock_now()
    controller.tick()
    app.processEvents()
    window.grab().save(str(out / "lock-screen.png"))
    controller.stop()
    window.close()
    log.close()


if __name__ == "__main__":
    render(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
