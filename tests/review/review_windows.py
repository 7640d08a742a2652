"""The review window on a test log, opened as the review command opens it (read-only, each
session's chain checked when opened), its clock set, shown: what the review tests share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from console.clock import ManualClock
from console.review.integrity import ChainSweep
from console.review.queries import open_readonly
from console.ui.review_window import ReviewWindow
from protocols.loader import default_protocol_dirs, load_protocols
from protocols.model import Protocol
from tests.review.test_damaged_and_edited_log import Dialogs


def open_review(qtbot, path: Path, at: datetime, *, size: tuple[int, int] | None = None,
                tz: tzinfo = UTC, dialogs: Dialogs | None = None,
                protocols: Mapping[str, Protocol] | None = None) -> ReviewWindow:
    """The window on `path` at `at` (the installed protocols unless given), `size` when given."""
    window = ReviewWindow(
        open_readonly(path),
        protocols=protocols if protocols is not None
        else load_protocols(default_protocol_dirs()).protocols,
        clock=ManualClock(at), dialogs=dialogs if dialogs is not None else Dialogs(), tz=tz,
        source=str(path), records=ChainSweep(path))
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window
