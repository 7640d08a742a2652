"""A protocol's name of 80 characters (`MAX_NAME_LENGTH`: what the start screen, the live header
and the PDF show whole) loads; one of 81 is refused saying the count and the limit; a version of
32 characters (`MAX_VERSION_LENGTH`) loads and one of 33 is refused. A name holding a paragraph
separator (U+2029) is refused naming its code point, as a line separator is; half a surrogate
pair (bytes that are not UTF-8) is refused with the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.cli import main
from protocols.loader import (
    MAX_NAME_LENGTH,
    MAX_VERSION_LENGTH,
    ProtocolError,
    builtin_protocols_dir,
    load_or_refusal,
)

NAME = 'name = "IV racemic ketamine 0.5 mg/kg over 40 min"\n'
VERSION = 'version = "1.6"\n'


def _clinic_copy(old: str, new: str) -> str:
    """The shipped IV protocol as a clinic copy (id clinic-iv), `old` made `new`."""
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    text = text.replace('id = "iv-ketamine"\n', 'id = "clinic-iv"\n', 1)
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _write(folder: Path, text: str) -> Path:
    path = folder / "clinic-iv.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _name_of(length: int) -> str:
    return ("IV ketamine " * 10)[:length - 1] + "Z"


def _version_of(length: int) -> str:
    return ("2025-03-14 rev " + "1" * 40)[:length]


def test_assumed_limits() -> None:
    assert (MAX_NAME_LENGTH, MAX_VERSION_LENGTH) == (80, 32)


def test_a_name_of_the_limit_loads_and_one_more_is_refused_saying_so(tmp_path: Path) -> None:
    loaded = load_or_refusal(_write(tmp_path, _clinic_copy(
        NAME, f'name = "{_name_of(MAX_NAME_LENGTH)}"\n')))
    assert not isinstance(loaded, ProtocolError), loaded
    assert loaded.name == _name_of(80)
    refused = load_or_refusal(_write(tmp_path, _clinic_copy(
        NAME, f'name = "{_name_of(MAX_NAME_LENGTH + 1)}"\n')))
    assert isinstance(refused, ProtocolError)
    assert (refused.key, refused.reason) == ("name", (
        "81 characters; at most 80 are allowed (it shows on the start screen, the live header "
        "and the PDF)"))


def test_a_version_of_the_limit_loads_and_one_more_is_refused_saying_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loaded = load_or_refusal(_write(tmp_path, _clinic_copy(
        VERSION, f'version = "{_version_of(MAX_VERSION_LENGTH)}"\n')))
    assert not isinstance(loaded, ProtocolError), loaded
    assert loaded.version == _version_of(32)
    path = _write(tmp_path, _clinic_copy(
        VERSION, f'version = "{_version_of(MAX_VERSION_LENGTH + 1)}"\n'))
    assert main(["protocols", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: refused: version: 33 characters; at most 32 are allowed"), out


def test_a_name_with_a_paragraph_separator_is_refused_naming_it(tmp_path: Path) -> None:
    refused = load_or_refusal(_write(tmp_path, _clinic_copy(
        NAME, 'name = "IV ketamine\\u2029DEMO"\n')))
    assert isinstance(refused, ProtocolError)
    assert refused.key == "name"
    assert refused.reason.startswith(
        "holds a line or paragraph separator (U+2029) at character 12: "), refused.reason


def test_a_file_holding_half_a_surrogate_pair_is_refused_not_read(tmp_path: Path) -> None:
    # Half a surrogate pair cannot come in a file: its bytes (ED A0 80) are not UTF-8, and the
    # file is refused as such; only text given as text could hold one (the rule's other use,
    # staff names typed at the console).
    path = tmp_path / "clinic-iv.toml"
    path.write_bytes(_clinic_copy(NAME, 'name = "IV ketamine@"\n').encode("utf-8").replace(
        b"ketamine@", b"ketamine\xed\xa0\x80"))
    refused = load_or_refusal(path)
    assert isinstance(refused, ProtocolError)
    assert "UTF-8" in str(refused), refused
