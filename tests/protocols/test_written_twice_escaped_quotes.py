"""A key written twice is named even when the protocol's description quotes something with
escaped quotes (a backslash before three quotes): the long text still runs on, and its lines
are no keys (a review)."""
from __future__ import annotations

from pathlib import Path

from protocols.loader import builtin_protocols_dir, load_or_refusal


def test_a_dose_written_twice_after_a_description_with_escaped_quotes(tmp_path: Path) -> None:
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    assert 'description = """\\\n' in text
    text = text.replace('description = """\\\n',
                        'description = """\\\nThe old file said \\"""\n[dose]\n'
                        'mg_per_kg = 0.3\nand was replaced.\n', 1)
    text = text.replace('id = "iv-ketamine"', 'id = "clinic-iv"', 1)
    text = text.replace("mg_per_kg = 0.5\n", "mg_per_kg = 0.4\nmg_per_kg = 0.5\n", 1)
    path = tmp_path / "clinic-iv.toml"
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    first = next(n for n, line in enumerate(lines, start=1) if line == "mg_per_kg = 0.4")
    said = str(load_or_refusal(path))
    assert said == (f"clinic-iv.toml: dose.mg_per_kg: written twice (lines {first} and "
                    f"{first + 1}): keep one"), said
