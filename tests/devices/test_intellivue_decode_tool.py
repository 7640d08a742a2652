"""`infusion-console decode --format intellivue FILE` on the raw bytes of the real serial sample."""

from __future__ import annotations

import json
from pathlib import Path

from tests.devices.test_decode_tool import run
from tests.devices.test_intellivue_samples import SERIAL, load_sections


def test_decode_tool_reads_a_raw_intellivue_capture(samples_dir: Path, tmp_path: Path) -> None:
    sections = load_sections(samples_dir / SERIAL)
    capture = tmp_path / "intellivue.bin"
    # The nine monitor frames as a binary capture, preceded by a frame cut short.
    capture.write_bytes(bytes.fromhex("c0 11 01 00 30 19 2e")
                        + b"".join(sections[f"FRAME {n}"] for n in range(1, 10)))
    proc = run("--format", "intellivue", str(capture))
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.decode().splitlines()
    obj = json.loads(line)
    assert (obj["metric"], obj["value"], obj["unit"], obj["source"]) == (
        "heart_rate", 60.0, "beats/min", "intellivue:0009fb029e18")
    assert obj["measured_at"] is None and obj["channel"] == "ECG_CARD_BEAT_RATE:82CF"
    err = proc.stderr.decode()
    assert "9 frames, 1 readings" in err and "1 replies" in err
    assert "truncated-frame: 1" in err and "waveform-skipped: 1" in err
    assert "Traceback" not in err


def test_decode_tool_lists_intellivue_among_the_formats(tmp_path: Path) -> None:
    proc = run("--format", "nope", str(tmp_path / "x"))
    assert proc.returncode == 2
    assert "intellivue" in proc.stderr.decode()
