"""A discharge override reason with no space in a stretch taller than a page (a pasted token,
text in a script written without spaces) goes on over the next pages like any long reason, every
character printed, the export finishing.

Review: the box's split kept "(continued)" alone on a page whose room the unbroken stretch did
not fit, and left the same rest, "(continued)" again in front, for ever: `export --pdf` hung and
the review window froze. Every part now holds some of the reason itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from console.export import pdf as pdf_module
from tests.export.test_pdf import needs_poppler
from tests.export.test_pdf_long_box import _pages

SPLITS = 300   # a finite report of such a reason needs a few dozen


@pytest.fixture
def bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report whose pages never end fails, instead of hanging the test run."""
    split = pdf_module._Report._split
    count = [0]

    def counted(pieces: list[Any], i: int, room: float, fewest: int) -> None:
        count[0] += 1
        assert count[0] <= SPLITS, "the report's pages never end"
        split(pieces, i, room, fewest)

    monkeypatch.setattr(pdf_module._Report, "_split", staticmethod(counted))


@needs_poppler
@pytest.mark.usefixtures("bounded")
@pytest.mark.parametrize(("reason", "letter"), [
    ("x" * 12000, "x"),
    ("\u60a3\u8005\u7a33\u5b9a\u3002" * 1500, "\u60a3"),   # 患者稳定。 7,500 characters
], ids=["pasted token", "Chinese text without spaces"])
def test_a_reason_with_no_space_for_pages_is_printed_whole_and_the_export_ends(
        tmp_path: Path, reason: str, letter: str) -> None:
    (tmp_path / "long").mkdir()
    (tmp_path / "short").mkdir()
    pages = _pages(tmp_path / "long", reason)
    printed = "".join("".join(page) for page in pages)
    others = "".join("".join(page) for page in _pages(tmp_path / "short", "y")).count(letter)
    # Twice (in the box under the title and in the Overrides table), each character once there.
    assert printed.count(letter) - others == 2 * reason.count(letter)
    assert len(pages) <= 16
    # The box starts under the title; each page after it goes on with the reason.
    assert pages[0][2].startswith(reason[:20])
    assert pages[1][0] == "(continued)" and letter in pages[1][1]
