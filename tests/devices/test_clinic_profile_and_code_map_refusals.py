"""Clinic device files refused with the line that says what to fix (review 45): a refused code
map named by its whole path (a clinic's file replaces the shipped one of the same name, and the
bare name did not say which to fix); a fractional line setting refused instead of cut to a whole
number; a poll.query or poll.bed on a device that is not hl7-polled refused at load, naming the
key, instead of a later refusal about a gateway bed."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices import profiles
from devices.profiles import ProfileError, builtin_profiles_dir, load_profile


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_refused_clinic_code_map_is_named_by_its_full_path(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    clinic = _write(tmp_path / "infusion-console" / "devices" / "dialects" / "nihon-kohden.toml",
                    'vendor = "NK (clinic correction)"\n[codes."007000"]\nmetric = "spo2"\n'
                    'unit = "kPa"\n')
    with pytest.raises(ValueError) as caught:
        profiles.resolve("nihon-kohden-pvm")
    message = str(caught.value)
    assert "'kPa' cannot measure spo2" in message   # the reason ...
    assert f"{clinic}: codes.\"007000\".unit: " in message, message   # ... and which file


@pytest.mark.parametrize(("key", "value", "allowed"), [
    ("bytesize", "7.5", "whole numbers 5-8"), ("baudrate", "9600.5", "whole numbers 300-921600")])
def test_fractional_serial_setting_is_refused(tmp_path: Path, key: str, value: str,
                                              allowed: str) -> None:
    path = _write(tmp_path / "clinic-masimo.toml",
                  f'model = "Clinic Masimo"\nformat = "masimo"\n[serial]\n{key} = {value}\n')
    with pytest.raises(ProfileError) as caught:
        load_profile(path, deep=False)
    assert caught.value.key == f"serial.{key}"
    assert str(caught.value) == (f"{path}: serial.{key}: {value} is not a whole number; "
                                 f"allowed: {allowed}")


def test_a_whole_serial_setting_written_as_a_float_is_kept(tmp_path: Path) -> None:
    path = _write(tmp_path / "clinic-masimo.toml", 'model = "Clinic Masimo"\nformat = "masimo"\n'
                                                   '[serial]\nbaudrate = 19200.0\nbytesize = 7\n')
    serial = load_profile(path, deep=False).serial
    assert (serial.baudrate, serial.bytesize) == (19200, 7)


@pytest.mark.parametrize(("fmt", "connection", "key", "value"), [
    ("intellivue", "udp", "query", "mindray-gateway"),
    ("intellivue", "serial", "bed", "10.0.0.7"),
    ("mindray-bedside", "tcp", "query", "philips-efficia"),
])
def test_a_query_or_bed_on_a_device_not_hl7_polled_is_refused_naming_the_key(
        tmp_path: Path, fmt: str, connection: str, key: str, value: str) -> None:
    path = _write(tmp_path / "ward-mx.toml",
                  f'model = "Ward MX"\nformat = "{fmt}"\nconnection = "{connection}"\n[poll]\n'
                  f'period_seconds = 1\n{key} = "{value}"\n')
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.key == f"poll.{key}"
    assert "only for hl7-polled" in str(caught.value) and "bed of" not in str(caught.value)


def test_the_shipped_profiles_all_load() -> None:
    shipped = sorted(builtin_profiles_dir().glob("*.toml"))
    assert len(shipped) >= 8
    for path in shipped:
        load_profile(path)
