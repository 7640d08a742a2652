"""A key written twice in a check of the third phase is named as the loader's other refusals
name it (`phases[2].checks[1].at_minutes_after_t0`), with its lines (a review)."""
from __future__ import annotations

from pathlib import Path

from protocols.loader import builtin_protocols_dir, load_or_refusal


def test_a_key_twice_in_the_observation_phases_second_check(tmp_path: Path) -> None:
    text = (builtin_protocols_dir() / "esketamine.toml").read_text(encoding="utf-8")
    old = "at_minutes_after_t0 = [115]\n"
    assert text.count(old) == 1
    text = text.replace(old, "at_minutes_after_t0 = [110]\n" + old, 1)
    text = text.replace('id = "esketamine"', 'id = "clinic-esk"', 1)
    path = tmp_path / "clinic-esk.toml"
    path.write_text(text, encoding="utf-8")
    first = text.splitlines().index("at_minutes_after_t0 = [110]") + 1
    said = str(load_or_refusal(path))
    assert said == (f"clinic-esk.toml: phases[2].checks[1].at_minutes_after_t0: written twice "
                    f"(lines {first} and {first + 1}): keep one"), said
