"""R6: malformed or hostile protocol files are refused, and the console starts with the valid ones.

tests/protocols/test_loader.py holds the refusals one by one (missing keys, wrong types, unknown
vitals, a lower-priority limit beyond a higher one, hostile sizes, not TOML at all: 57 cases).
Added here: the other reading of "threshold low > high" that file did not cover, a low-side
limit at or above a high-side limit of the same vital (no value would be normal, so every
reading alarms); and the end-to-end promise: a clinic folder holding hostile files beside a
valid one, and the console, started as a process, still opens a session with the valid one while
the start screen names every refused file with its key and reason.
"""

from __future__ import annotations

import copy
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import BIN, console_env, sql, wait_until
from tests.protocols.test_loader import refusal, setting, valid, write
from protocols.loader import load_protocol

pytestmark = pytest.mark.faults


def with_alarms(*extra: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(valid())
    document["alarms"] += [{"priority": "medium", "source": "clinic [S]", **a} for a in extra]
    return document


@pytest.mark.parametrize(("alarms", "key", "reason"), [
    pytest.param(
        [{"metric": "resp_rate", "direction": "low", "at_or_below": 25},
         {"metric": "resp_rate", "direction": "high", "at_or_above": 20}],
        "alarms[5].at_or_above",
        "low-side limit ≤25 for resp_rate is at or above the high-side limit ≥20 (alarms[4] and "
        "this rule): no value would be normal; the low limit must be below the high limit",
        id="RR low 25 above high 20"),
    pytest.param(
        [{"metric": "heart_rate", "direction": "high", "above": 60},
         {"metric": "heart_rate", "direction": "low", "below": 60}],
        "alarms[5].below", "low-side limit <60 for heart_rate is at or above the high-side limit >60",
        id="HR equal limits"),
    pytest.param(
        # Judged in whole beats: ≤60 and ≥61 leave no heart rate normal, every reading alarms.
        [{"metric": "heart_rate", "direction": "high", "at_or_above": 61},
         {"metric": "heart_rate", "direction": "low", "at_or_below": 60}],
        "alarms[5].at_or_below",
        "low-side limit ≤60 for heart_rate and the high-side limit ≥61 leave no value between",
        id="HR limits one whole beat apart"),
    pytest.param(
        # Against the valid document's own SpO2 low rules (≤93, ≤90): a high-side SpO2 rule at 92.
        [{"metric": "spo2", "direction": "high", "at_or_above": 92}],
        "alarms[4].at_or_above", "low-side limit ≤93 for spo2 is at or above the high-side limit ≥92",
        id="SpO2 high below the existing low"),
])
def test_a_low_side_limit_at_or_above_the_high_side_limit_is_refused(
    tmp_path: Path, alarms: list[dict[str, Any]], key: str, reason: str
) -> None:
    message = refusal(write(tmp_path, with_alarms(*alarms)))
    assert message.startswith(f"clinic.toml: {key}: "), message
    assert reason in message, message


def test_a_band_with_room_between_its_limits_loads(tmp_path: Path) -> None:
    # The heart rate's band, and the pulse rate's twin of it (the loader asks both).
    band = [{"metric": "heart_rate", "direction": "low", "at_or_below": 50},
            {"metric": "heart_rate", "direction": "high", "at_or_above": 120}]
    protocol = load_protocol(write(tmp_path, with_alarms(
        *band, *[dict(rule, metric="pulse_rate") for rule in band])))
    assert len(protocol.alarms) == 8


# One hostile file per kind the bar names, each with the key and reason the screen must show.
HOSTILE: dict[str, tuple[Any, str]] = {
    "a-unknown-vital.toml": (setting("alarms[0].metric", "temperature"),
                             "alarms[0].metric: unknown metric 'temperature'"),
    "b-low-above-high.toml": (setting("alarms[0].at_or_above", 200),
                              "alarms[1].at_or_above: medium limit ≥200 for bp_systolic_high is "
                              "at or beyond the high limit ≥200"),
    "c-wrong-type.toml": (setting("dose.mg_per_kg", "0.5"),
                          "dose.mg_per_kg: expected a number, got text ('0.5')"),
    "d-missing-key.toml": (lambda d: d.pop("phases"), "phases: missing required key"),
}


def clinic_folder(config_home: Path) -> Path:
    folder = config_home / "infusion-console" / "protocols"
    folder.mkdir(parents=True)
    for name, (change, _) in HOSTILE.items():
        document = copy.deepcopy(valid())
        document["id"] = name.removesuffix(".toml")
        change(document)
        write(folder, document, name)
    (folder / "e-not-toml.toml").write_bytes(b"\x00\xff" * 500)
    good = copy.deepcopy(valid())
    good["id"] = "clinic-good"
    write(folder, good, "z-clinic-good.toml")
    return folder


def test_the_console_process_starts_a_session_with_the_valid_protocol_beside_hostile_ones(
    tmp_path: Path,
) -> None:
    clinic_folder(tmp_path / "config")
    db, shown = tmp_path / "log.sqlite3", tmp_path / "shown.jsonl"
    console = subprocess.Popen(
        [str(BIN / "infusion-console"), "--db", str(db), "--shown-log", str(shown),
         "--protocol", "clinic-good", "--patient", "MRN-R6", "--weight", "70", "--nurse", "qa"],
        env=console_env(XDG_CONFIG_HOME=str(tmp_path / "config")),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: shown.exists() and shown.stat().st_size > 0 or console.poll() is not None,
                   60, "the console drew no session")
        assert console.poll() is None, console.communicate()[1][-2000:]
        console.send_signal(signal.SIGTERM)
        _, errors = console.communicate(timeout=30)
    finally:
        if console.poll() is None:
            console.kill()
            console.wait(timeout=10)
    assert console.returncode == 0, errors[-2000:]
    assert "Traceback" not in errors
    assert sql(db, "SELECT protocol_id, patient_id FROM sessions") == [("clinic-good", "MRN-R6")]


def test_the_start_screen_names_every_refused_file_with_its_key_and_reason(
    tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.cli import gui_parser
    from console.ui.app import build
    from console.ui.audio import RecordingAudioOut
    from tests.ui.conftest import Answers

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    clinic_folder(tmp_path / "config")
    cleanups: list = []
    try:
        window = build(gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3")]), cleanups,
                       audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        shown = window.start_screen.protocol_errors_label.text().splitlines()
        assert len(shown) == len(HOSTILE) + 1
        for line, (name, (_, reason)) in zip(shown, HOSTILE.items(), strict=False):
            assert line.startswith(f"Protocol file refused: {name}: "), line
            assert reason in line, line
        assert shown[-1].startswith("Protocol file refused: e-not-toml.toml: ")
        assert {"clinic-good", "iv-ketamine", "esketamine"} <= set(window.protocols)
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
