"""network.toml and the options: a station runs alone without them; every mistake is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.network.config import load


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "network.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_without_a_file_or_options_the_console_runs_alone() -> None:
    # No network.toml in the user's config folder (tests/conftest.py gives each test its own).
    config = load(None, {})
    assert not config.enabled
    assert "runs alone" in config.describe()


def test_a_file_named_on_purpose_must_be_there(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"--network-config .*netwrok\.toml: no such file"):
        load(tmp_path / "netwrok.toml", {"broker": "mqtts://b:8883", "chair": "c1"})


def test_file_and_options_combine_the_option_wins(tmp_path: Path) -> None:
    secret = tmp_path / "chair.password"
    secret.write_text("s3cret\n", encoding="utf-8")
    path = _write(tmp_path, f"""
[network]
broker = "mqtts://broker.clinic.lan:8883"
chair = "chair-3"
room = "Room 3"
password_file = "{secret}"
quiet_room = true
""")
    config = load(path, {"chair": "chair-4", "broker": None})
    assert config.broker == "mqtts://broker.clinic.lan:8883"
    assert (config.chair, config.room, config.username) == ("chair-4", "Room 3", "chair-4")
    assert config.password == "s3cret" and config.quiet_room
    assert "s3cret" not in repr(config) and "s3cret" not in config.describe()


@pytest.mark.parametrize(("body", "overrides", "words"), [
    ('[network]\nbroker = "mqtt://10.0.0.5:1883"\nchair = "c1"\n', {},
     "refusing to send patient data unencrypted to mqtt://10.0.0.5:1883"),
    ('[network]\nforward = "mllp://engine.lan:6661"\n', {},
     "refusing to send patient data unencrypted to mllp://engine.lan:6661"),
    ('[network]\nbroker = "mqtts://b:8883"\n', {}, "a broker needs a chair name"),
    ('[network]\nbroker = "http://b"\nchair = "c1"\n', {}, "mqtt://host:port or mqtts://"),
    ('[network]\nchair = "chair 3"\nbroker = "mqtt://127.0.0.1:1"\n', {}, "chair name 'chair 3'"),
    ('[network]\nbrokr = "x"\n', {}, "unknown key(s) brokr"),
    # Settings the console would otherwise never read: the chair would run alone, unsaid.
    ('broker = "mqtts://b:8883"\nchair = "c1"\n', {},
     "found outside [network]: broker, chair. This file takes only settings written under a "
     "line [network]"),
    ('[netwrok]\nbroker = "mqtts://b:8883"\n', {}, "found outside [network]: [netwrok]."),
    ('forward = "mllps://e:6661"\n[network]\nbroker = "mqtts://b:8883"\nchair = "c1"\n', {},
     "found outside [network]: forward."),
    ('[network]\nquiet_room = "yes"\n', {}, "quiet_room must be bool"),
    ('[network]\npatient_shown = "name"\n', {}, "allowed: id, none"),
    ('[network\n', {}, "not a readable TOML file"),
    ("", {"broker": "mqtts://b:8883", "chair": "c1", "password_file": "/nonexistent/pw"},
     "password_file /nonexistent/pw cannot be read"),
])
def test_each_mistake_names_the_key_and_what_is_allowed(tmp_path: Path, body: str,
                                                        overrides: dict[str, str], words: str) -> None:
    with pytest.raises(ValueError) as caught:
        load(_write(tmp_path, body), overrides)
    assert words in str(caught.value)


def test_loopback_may_go_unencrypted_and_others_only_when_allowed(tmp_path: Path) -> None:
    assert load(None, {"broker": "mqtt://127.0.0.1:1883", "chair": "c1"}).enabled
    allowed = load(None, {"broker": "mqtt://10.0.0.5:1883", "chair": "c1",
                                            "allow_plaintext": True})
    assert allowed.allow_plaintext
