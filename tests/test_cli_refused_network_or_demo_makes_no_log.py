"""A start refused for its network settings (a broker without TLS), its dose (--dose-mg
missing or not the protocol's) or its demo (a scenario or a protocol that does not exist) is
refused in one line and leaves nothing behind: these were checked after the log was opened, so
a --db path where there was none (a typo in a launcher) held a new, empty session log (as
tests/test_cli_refused_start_makes_no_log.py for the session options)."""

from __future__ import annotations

import pytest

from console.cli import main

SESSION = ["--device", "/dev/null", "--patient", "MRN-9", "--weight", "70", "--nurse", "ana"]
IV = ["--protocol", "iv-ketamine"]
UNENCRYPTED = ["--broker", "mqtt://broker.clinic.lan:1883", "--chair", "chair-3"]


@pytest.mark.parametrize("refused, said", [
    ([*SESSION, *IV, *UNENCRYPTED], "--broker: refusing to send patient data unencrypted"),
    (UNENCRYPTED, "--broker: refusing to send patient data unencrypted"),   # the start screen
    (["--demo", *UNENCRYPTED], "--broker: refusing to send patient data unencrypted"),
    ([*SESSION, "--protocol", "esketamine"], "--dose-mg is needed for esketamine"),
    ([*SESSION, *IV, "--dose-mg", "56"], "--dose-mg 56: iv-ketamine doses by weight"),
    (["--demo", "--scenario", "nope"], "--scenario nope: not a built-in scenario"),
    (["--demo", "--protocol", "nope"], "--protocol: Unknown protocol “nope”"),
])
def test_a_refused_start_creates_no_log(tmp_path, capsys, monkeypatch, refused, said):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    db = tmp_path / "new.sqlite3"
    assert main(["--db", str(db), *refused]) == 2
    assert capsys.readouterr().err.startswith(f"infusion-console: {said}")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
