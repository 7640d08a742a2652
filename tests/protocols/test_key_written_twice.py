"""A key or a table written twice is named, with its lines and what to do.

The prescriber's new dose added above the old line, not instead of it, was refused in tomllib's
words: "line 23, column 16: not valid TOML: Cannot overwrite a value", naming neither the key
nor that it is written twice, nor what to do; so was `[alarms]` written for `[[alarms]]` (a
review).
"""

from __future__ import annotations

from pathlib import Path

from protocols.loader import ProtocolError, builtin_protocols_dir, load_or_refusal


def _refusal(tmp_path: Path, old: str, new: str, count: int = 1) -> str:
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, count).replace('id = "iv-ketamine"', 'id = "clinic-iv"', 1)
    path = tmp_path / "clinic-iv.toml"
    path.write_text(text, encoding="utf-8")
    error = load_or_refusal(path)
    assert isinstance(error, ProtocolError)
    return str(error)


def _line(tmp_path: Path, text: str, after: int = 0) -> int:
    """The number of the first line reading `text` after line `after`, in the file written."""
    lines = (tmp_path / "clinic-iv.toml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if n > after and line == text)


def test_a_dose_written_twice_is_named_with_its_lines(tmp_path: Path) -> None:
    said = _refusal(tmp_path, "mg_per_kg = 0.5\n", "mg_per_kg = 0.4\nmg_per_kg = 0.5\n")
    first = _line(tmp_path, "mg_per_kg = 0.4")
    assert said == (f"clinic-iv.toml: dose.mg_per_kg: written twice (lines {first} and "
                    f"{first + 1}): keep one")


def test_a_key_of_an_alarm_rule_written_twice_names_the_rule(tmp_path: Path) -> None:
    said = _refusal(tmp_path, 'metric = "spo2"\npriority = "high"\n',
                    'metric = "spo2"\npriority = "medium"   # was\npriority = "high"\n')
    first = _line(tmp_path, 'priority = "medium"   # was')
    assert said.startswith("clinic-iv.toml: alarms[")
    assert said.endswith(f"].priority: written twice (lines {first} and {first + 1}): keep one")


def test_alarms_written_as_a_table_says_to_write_double_brackets(tmp_path: Path) -> None:
    # The first rule's header written [alarms]: the next [[alarms]] is where tomllib stops.
    said = _refusal(tmp_path, "[[alarms]]\n", "[alarms]\n")
    single = _line(tmp_path, "[alarms]")
    double = _line(tmp_path, "[[alarms]]")
    assert said == (f"clinic-iv.toml: alarms: written [alarms] at line {single} and "
                    f"[[alarms]] at line {double}: write [[alarms]] for each rule")


def test_a_later_alarm_written_as_a_table_says_the_same(tmp_path: Path) -> None:
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    second = text.index("[[alarms]]", text.index("[[alarms]]") + 1)
    said = _refusal(tmp_path, text[second:], "[alarms]" + text[second + len("[[alarms]]"):])
    double = _line(tmp_path, "[[alarms]]")
    single = _line(tmp_path, "[alarms]")
    assert said == (f"clinic-iv.toml: alarms: written [[alarms]] at line {double} and "
                    f"[alarms] at line {single}: write [[alarms]] for each rule")


def test_a_table_written_twice_is_named_with_its_lines(tmp_path: Path) -> None:
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    said = _refusal(tmp_path, text, text + "\n[discharge]\nmin_aldrete = 9\n")
    first = _line(tmp_path, "[discharge]")
    second = _line(tmp_path, "[discharge]", first)
    assert said == (f"clinic-iv.toml: discharge: [discharge] written twice (lines {first} and "
                    f"{second}): write it once, with all its keys under it")


def test_lines_of_a_long_text_are_not_taken_for_keys(tmp_path: Path) -> None:
    # The description's lines are text: its "[dose]" and "mg_per_kg = 0.3" are no table or key.
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    text = text.replace('description = """\\\n',
                        'description = """\\\n[dose]\nmg_per_kg = 0.3\n', 1)
    text = text.replace("mg_per_kg = 0.5\n", "mg_per_kg = 0.4\nmg_per_kg = 0.5\n", 1)
    (tmp_path / "clinic-iv.toml").write_text(text, encoding="utf-8")
    said = str(load_or_refusal(tmp_path / "clinic-iv.toml"))
    first = _line(tmp_path, "mg_per_kg = 0.4")
    assert said == (f"clinic-iv.toml: dose.mg_per_kg: written twice (lines {first} and "
                    f"{first + 1}): keep one")


def test_what_cannot_be_told_keeps_tomllib_words_with_a_hint(tmp_path: Path) -> None:
    # A key `dose` at the top and then the table [dose]: tomllib stops at the table's line.
    said = _refusal(tmp_path, 'route = "iv"\n', 'route = "iv"\ndose = 0.5\n')
    assert said.endswith("not valid TOML: Cannot overwrite a value (a key or a table written "
                         "twice?)"), said
