"""network.toml: a room or chair name of several words typed without quotes (`room = 4 North`,
as clinics name rooms) is TOML's "Expected newline or end of document after a statement"; the
refusal quoted the line back without saying what is wrong or what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.network.config import load

BROKER = '[network]\nbroker = "mqtt://127.0.0.1:1883"\n'


@pytest.mark.parametrize(("body", "line"), [
    (BROKER + 'chair = "chair-3"\nroom = 4 North\n', "room = 4 North"),
    (BROKER + "chair = 12 B\n", "chair = 12 B"),
], ids=["room", "chair"])
def test_a_name_of_several_words_without_quotes_is_told_to_go_in_quotes(
        tmp_path: Path, body: str, line: str) -> None:
    path = tmp_path / "network.toml"
    path.write_text(body)
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value).endswith(
        f"reads {line!r}; text goes in quotes (room = \"Room 3\"), yes or no is true or false "
        "without quotes")


def test_a_table_line_with_more_after_it_says_the_name_stands_alone(tmp_path: Path) -> None:
    path = tmp_path / "network.toml"
    path.write_text('[network] main\nbroker = "mqtt://127.0.0.1:1883"\n')
    with pytest.raises(ValueError) as caught:
        load(path, {})
    message = str(caught.value)
    assert message.endswith(
        "line 1 reads '[network] main'; a table line holds only its name in brackets ([network])")
    assert "in quotes" not in message
