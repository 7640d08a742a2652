"""network.toml mistakes TOML itself reports, said for what they are: a file saved in a legacy
encoding got Python's codec words and a byte offset ("'utf-8' codec can't decode byte 0xe9 in
position 75"), naming no line; a key or a `[network]` header given twice got advice to put text
in quotes, which the line already did."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.network.config import load


def test_a_file_not_saved_as_utf8_names_the_line_and_says_to_save_it_as_utf8(
        tmp_path: Path) -> None:
    path = tmp_path / "network.toml"
    path.write_bytes('[network]\nbroker = "mqtt://127.0.0.1:1883"\nchair = "chair-3"\n'
                     'room = "Salle été"\n'.encode("cp1252"))
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value) == (
        f"{path}: line 4 reads 'room = \"Salle \ufffdt\ufffd\"', which is not UTF-8 text (byte "
        "0xe9): save the file as UTF-8 (in Notepad: Save as, Encoding UTF-8)")


@pytest.mark.parametrize(("body", "said"), [
    ('[network]\nbroker = "mqtt://127.0.0.1:1883"\nchair = "chair-3"\n'
     'broker = "mqtt://127.0.0.1:1884"\n',
     "line 4 reads 'broker = \"mqtt://127.0.0.1:1884\"'; broker is given twice (first on line "
     "2): keep one line for it"),
    ('[network]\nbroker = "mqtt://127.0.0.1:1883"\n[network]\nchair = "chair-3"\n',
     "line 3 reads '[network]'; the table [network] is given twice: write it once, with every "
     "setting under it"),
], ids=["key", "table"])
def test_a_key_or_table_given_twice_is_said_so_without_quoting_advice(
        tmp_path: Path, body: str, said: str) -> None:
    path = tmp_path / "network.toml"
    path.write_text(body)
    with pytest.raises(ValueError) as caught:
        load(path, {})
    message = str(caught.value)
    assert message.endswith(said), message
    assert "in quotes" not in message


def test_a_line_toml_cannot_read_that_is_no_value_gets_no_quoting_advice(tmp_path: Path) -> None:
    path = tmp_path / "network.toml"
    path.write_text('[network]\nbroker "mqtt://127.0.0.1:1883"\n')
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value).endswith(": line 2 reads 'broker \"mqtt://127.0.0.1:1883\"'")
