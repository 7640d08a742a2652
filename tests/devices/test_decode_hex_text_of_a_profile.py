"""`infusion-console decode --format PROFILE` of hex text is told so, as `--format intellivue`
is (README: "a binary format given hex text is told so (xxd -r -p)"; "`--format` also takes a
device profile"). devices/decode_tool.py tested the name typed, so QA decoding the shipped hex
sample with the monitor's profile (as the chair is set up) got "0 readings, garbage" and no word
of why."""

from __future__ import annotations

import pytest

from devices.decode_tool import HEX_TEXT_NOTE, main

HEX = b"# an IntelliVue capture as hex text\nc0 11 01 00 22 33 44 55 66 77 88 c1\n" * 5


@pytest.mark.parametrize("fmt", ["intellivue", "philips-intellivue-mib",
                                 "philips-intellivue-lan"])
def test_hex_text_is_said_for_a_profile_of_a_binary_format(tmp_path, capsys, fmt):
    capture = tmp_path / "capture.txt"
    capture.write_bytes(HEX)
    assert main(["--format", fmt, str(capture)]) == 0
    assert f"note: {HEX_TEXT_NOTE}" in capsys.readouterr().err


def test_hex_text_is_not_said_for_a_profile_of_a_text_format(tmp_path, capsys):
    capture = tmp_path / "capture.txt"
    capture.write_bytes(HEX)
    assert main(["--format", "philips-efficia-cm", str(capture)]) == 0
    assert HEX_TEXT_NOTE not in capsys.readouterr().err
