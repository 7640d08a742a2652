"""A `version` with spaces around it is refused: "1.6 " reads as 1.6 everywhere it shows.

protocols/README.md, `protocols FILE`: an update "refuses it if the version is the installed
one's" (every session records the version: sessions under the two texts would say the same
one). The check compared the text as written, so an edited copy of version "1.6 " replaced the
installed 1.6 as "version 1.6 → 1.6 ", and the sessions, the PDF and the review said 1.6 for
both texts. A review of the protocols.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.cli import main
from protocols.loader import ProtocolError, builtin_protocols_dir, load_or_refusal


def _copy(folder: Path, old: str, new: str) -> Path:
    """A clinic copy (id clinic-iv) of the shipped IV protocol, `old` made `new`."""
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    text = text.replace('id = "iv-ketamine"\n', 'id = "clinic-iv"\n', 1)
    assert text.count(old) == 1, old
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "clinic-iv.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize("version", ["1.6 ", " 1.6", "1.6\u00a0", "\u30001.6"])
def test_an_edited_copy_whose_version_differs_only_by_spaces_is_refused(
        version: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clinic = Path(os.environ["XDG_CONFIG_HOME"], "infusion-console", "protocols")
    _copy(clinic, "min_aldrete = 9\n", "min_aldrete = 9\n")            # installed: version 1.6
    edited = _copy(tmp_path / "new", 'version = "1.6"\n', f'version = "{version}"\n')
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "min_aldrete = 9", "min_aldrete = 8", 1), encoding="utf-8")
    assert main(["protocols", str(edited)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{edited}: refused: version: {version!r} has a space before or after "
                          "it: write '1.6' (every session records the version, and it reads as "
                          "'1.6' wherever it shows)"), out


def test_a_version_with_spaces_inside_still_loads(tmp_path: Path) -> None:
    outcome = load_or_refusal(_copy(tmp_path, 'version = "1.6"\n', 'version = "2025 March"\n'))
    assert not isinstance(outcome, ProtocolError), outcome
    assert outcome.version == "2025 March"
