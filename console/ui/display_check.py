"""Whether a window can open here, asked before Qt is: on Linux with no display Qt aborts the
process (SIGABRT, a core dump) after blaming an installed libxcb-cursor0 and saying "Reinstalling
the application may fix this problem" (an ssh session, a unit started before the desktop: the
set-up review). The bedside, review and central windows refuse with one line instead.

Qt-free, so the PDF export's choice of the offscreen platform (console/export/pdf.py) reads the
same variables.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Final

NO_DISPLAY: Final = ("no display: run it on the station's desktop, or set "
                     "QT_QPA_PLATFORM=offscreen for a test")


def display_named(environ: Mapping[str, str]) -> bool:
    """Whether X11 (`DISPLAY`) or Wayland (`WAYLAND_DISPLAY`) names a display."""
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def missing_display(environ: Mapping[str, str] = os.environ,
                    platform: str = sys.platform) -> str | None:
    """The line to print instead of opening a window, or None when one may open.

    On Linux a window needs a display named or a Qt platform chosen (`QT_QPA_PLATFORM=offscreen`
    in the tests); macOS and Windows always have their own.
    """
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return None
    return None if display_named(environ) else NO_DISPLAY
