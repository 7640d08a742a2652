"""A protocol's texts hold no control characters, and its name and version have a length limit.

A protocol's name shows on the start screen, the live header, the central station's card, the
PDF and `infusion-console protocols`; its version with every session; a checklist item's text on
the checklist and the PDF. They took any character and any length: a name "IV ketamine" + a line
break + "DEMO ONLY" (copied from a document) split the listing's line and the header in two, a BEL
rang the terminal, U+202E showed the text reversed, a version "1.6" + a line break + "2.0" read as
two versions, and a version of 5,000 characters loaded. Staff names, patient ids and --nurse
refuse such characters naming the code point; a protocol's texts now follow the same rule
(protocols/text_rules.py). A line break is kept where a paragraph may have one: a `description`
or a `source` written as a TOML multi-line string. A review of the protocols.
"""

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
    protocol_from_text,
)

NAME = 'name = "IV racemic ketamine 0.5 mg/kg over 40 min"\n'
ITEM = 'text = "Consent for the ketamine course is current"\n'
SOURCE = 'source = "Sanacora et al., JAMA Psychiatry 2017 consensus [M]; Emory'


def _copy(folder: Path, old: str, new: str) -> Path:
    """A clinic copy (id clinic-iv) of the shipped IV protocol, `old` made `new`."""
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    text = text.replace('id = "iv-ketamine"\n', 'id = "clinic-iv"\n', 1)
    assert text.count(old) == 1, old
    path = folder / "clinic-iv.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "key", "refused"), [
    (NAME, 'name = "IV racemic ketamine\\nDEMO ONLY"\n', "name",
     "holds a control character (U+000A) at character 20"),
    (NAME, 'name = "IV racemic ketamine\\u0007"\n', "name",
     "holds a control character (U+0007) at character 20"),
    (NAME, 'name = "IV \\u202eenimatek"\n', "name",
     "holds a text direction control (U+202E) at character 4"),
    (NAME, 'name = "IV ketamine\\u2028DEMO"\n', "name",
     "holds a line or paragraph separator (U+2028) at character 12"),
    ('version = "1.6"\n', 'version = "1.6\\n2.0"\n', "version",
     "holds a control character (U+000A) at character 4"),
    (ITEM, 'text = "Consent \\u001b[2J current"\n', "phases[0].checklist[1].text",
     "holds a control character (U+001B) at character 9"),
    ('description = """\\\n', 'description = """\\\nLine one.\\u0007\n', "description",
     "holds a control character (U+0007) at character 10"),
])
def test_a_text_holding_a_control_character_is_refused_naming_the_key_and_code_point(
        old: str, new: str, key: str, refused: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = _copy(tmp_path, old, new)
    assert main(["protocols", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: refused: {key}: {refused}: "), out
    assert len(out.splitlines()) == 1           # the refusal itself is one line


def test_the_refusal_says_what_is_allowed(tmp_path: Path) -> None:
    outcome = load_or_refusal(_copy(tmp_path, NAME, 'name = "IV ketamine\\tDEMO"\n'))
    assert isinstance(outcome, ProtocolError)
    assert outcome.reason == (
        "holds a control character (U+0009) at character 12: the texts of a protocol show on "
        "the screens, the PDF and the listing, where it cannot be seen or breaks the line; "
        "write the text without it (only a description or a source may break its lines)")


@pytest.mark.parametrize(("old", "new", "key", "limit"), [
    ('version = "1.6"\n', f'version = "{"1" * 5000}"\n', "version", MAX_VERSION_LENGTH),
    (NAME, f'name = "{"IV ketamine " * 20}"\n', "name", MAX_NAME_LENGTH),
])
def test_a_name_or_version_too_long_to_show_is_refused_saying_the_limit(
        old: str, new: str, key: str, limit: int, tmp_path: Path) -> None:
    outcome = load_or_refusal(_copy(tmp_path, old, new))
    assert isinstance(outcome, ProtocolError)
    assert outcome.key == key
    given = len(new.split('"')[1])
    assert outcome.reason.startswith(f"{given} characters; at most {limit} are allowed"), outcome


def test_the_limits_fit_what_a_clinic_writes() -> None:
    assert MAX_VERSION_LENGTH >= len("2025-03-14 rev 12")
    assert MAX_NAME_LENGTH >= len("IV racemic ketamine, first session 0.25 mg/kg over 40 min")


def test_a_description_and_a_source_may_break_their_lines(tmp_path: Path) -> None:
    shipped = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    source = next(line for line in shipped.splitlines() if line.startswith(SOURCE))
    path = _copy(tmp_path, source + "\n",
                 'source = """Clinic protocol 2025, section 4.\nSanacora 2017 [M]"""\n')
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('description = """\\\n', 'description = """\nFirst line.\n', 1),
                    encoding="utf-8")
    outcome = load_or_refusal(path)
    assert not isinstance(outcome, ProtocolError), outcome
    assert outcome.dose.source == "Clinic protocol 2025, section 4.\nSanacora 2017 [M]"
    assert outcome.description.startswith("First line.\nRacemic ketamine")


def test_a_session_logged_under_such_a_text_is_still_read(tmp_path: Path) -> None:
    # A text that already ran is resumed and reviewed as it ran (protocols/README.md, "These
    # rules are for new files").
    text = _copy(tmp_path, NAME, 'name = "IV ketamine\\nDEMO"\n').read_text(encoding="utf-8")
    assert protocol_from_text(text, "session log", authoring=False).name == "IV ketamine\nDEMO"
