"""Device profiles (devices/profiles.py): shipped files load, bad files are named with key and
reason, the silence watchdog follows the device, gateways need their bed, and the listing
(`infusion-console devices`) shows all of it."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest

from devices import list_tool
from devices.formats import FORMATS, NO_DATA_SECONDS
from devices.profiles import (
    ProfileError,
    builtin_profiles_dir,
    default_catalogue,
    load_catalogue,
    load_profile,
    resolve,
)
from devices.transport import resolve_format


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_profile_loads_and_names_a_model_a_nurse_recognises() -> None:
    catalogue = load_catalogue([builtin_profiles_dir()])
    assert catalogue.errors == []
    assert {"nihon-kohden-pvm", "draeger-infinity", "draeger-infinity-gateway",
            "philips-efficia-cm", "mindray-gateway", "philips-intellivue-mib",
            "philips-intellivue-lan"} <= set(catalogue.names())
    nk = catalogue.profiles["nihon-kohden-pvm"]
    assert (nk.format, nk.dialect, nk.connection) == ("hl7", "nihon-kohden", "serial")
    mib = catalogue.profiles["philips-intellivue-mib"]
    assert mib.serial.baudrate == 115200 and mib.poll is not None


@pytest.mark.parametrize(("period", "watchdog"), [(1, NO_DATA_SECONDS), (2, NO_DATA_SECONDS),
                                                  (5, 10.0), (30, 60.0)])
def test_the_silence_watchdog_is_two_periods_and_never_under_4_s(
        tmp_path: Path, period: int, watchdog: float) -> None:
    polled = load_profile(write(tmp_path, "polled", f'model = "M"\nformat = "hl7-polled"\n'
                                f'[poll]\nperiod_seconds = {period}\nquery = "philips-efficia"\n'))
    pushing = load_profile(write(tmp_path, "pushing", f'model = "M"\nformat = "hl7"\n'
                                 f"send_period_seconds = {period}\n"))
    assert polled.stale_after_seconds == watchdog
    assert pushing.stale_after_seconds == watchdog
    # What the transport uses: the profile's watchdog, not the format's fixed 4 s.
    assert resolve("pushing", load_catalogue([tmp_path])).stale_after_seconds == watchdog


@pytest.mark.parametrize(("text", "key", "reason"), [
    ('format = "hl7"\n', "model", "is required"),
    ('model = "M"\nformat = "hl9"\n', "format", "'hl9' is not one of hl7"),
    ('model = "M"\nformat = "hl7"\nbaud = 9600\n', "baud", "unknown key; allowed here: "),
    ('model = "M"\nformat = "hl7"\n[serial]\nbaudrate = "fast"\n', "serial.baudrate",
     "must be a number, got 'fast'"),
    ('model = "M"\nformat = "hl7"\n[serial]\nparity = "X"\n', "serial.parity",
     "'X' is not one of N, E, O, M, S"),
    ('model = "M"\nformat = "hl7-polled"\n', "poll", "must be asked: give [poll] period_seconds"),
    ('model = "M"\nformat = "hl7"\n[poll]\nperiod_seconds = 5\n', "poll", "sends unasked"),
    ('model = "M"\nformat = "hl7-polled"\n[poll]\nperiod_seconds = 0.1\nquery = "x"\n',
     "poll.period_seconds", "0.1 is outside 0.5-300"),
    ('model = "M"\nformat = "hl7-polled"\n[poll]\nperiod_seconds = 5\nquery = "acme"\n',
     "poll.query", "'acme' is not a known query; known: "),
    ('model = "M"\nformat = "masimo"\ndialect = "nihon-kohden"\n', "dialect",
     "a code map is for HL7 formats (hl7, hl7-polled, mindray-bedside), not 'masimo'"),
    ('model = "M"\nformat = "mindray-bedside"\nconnection = "tcp"\n[poll]\n'
     'period_seconds = 8\n', "poll.period_seconds",
     "8 s is too slow for the echo a Mindray bedside needs: at most 5 s"),
    ('model = "M"\nformat = "hl7"\ndialect = "acme"\n', "dialect", "'acme' cannot be used"),
    ('model = "M"\nformat = "hl7"\nconnection = "bluetooth"\n', "connection",
     "'bluetooth' is not one of serial, tcp, udp"),
    ("model = \n", "(file)", "is not valid TOML"),
    # Nested past Python's recursion limit: a RecursionError traceback (review 39).
    ('model = "M"\nformat = "hl7"\nx = ' + "[" * 3000, "(file)",
     "is not valid TOML: nested too deeply"),
    # A key held down in an editor: a bare OverflowError / ValueError escaped the refusal.
    ('model = "M"\nformat = "hl7-polled"\n[poll]\nquery = "x"\nperiod_seconds = 1'
     + "0" * 400 + "\n", "poll.period_seconds", "is outside 0.5-300"),
    ('model = "M"\nformat = "hl7"\nsend_period_seconds = 1' + "0" * 5000 + "\n", "(file)",
     "is not valid TOML"),
    # A hexadecimal one tomllib reads past 4300 digits, which Python cannot write in decimal:
    # a bare ValueError ("Exceeds the limit") escaped from the refusal's own message.
    ('model = "M"\nformat = "hl7"\nsend_period_seconds = 0x' + "f" * 4000 + "\n",
     "send_period_seconds", "a whole number of more than 4300 digits is outside "),
    ("model = 0x" + "f" * 4000 + '\nformat = "hl7"\n', "model",
     "must be text, got a whole number of more than 4300 digits"),
    ('model = "M"\nformat = "hl7"\n[serial]\nstopbits = 0x' + "f" * 4000 + "\n",
     "serial.stopbits", "a whole number of more than 4300 digits is not 1, 1.5 or 2"),
])
def test_a_bad_profile_file_is_refused_naming_the_file_the_key_and_the_reason(
        tmp_path: Path, text: str, key: str, reason: str) -> None:
    path = write(tmp_path, "clinic-monitor", text)
    with pytest.raises(ProfileError) as refused:
        load_profile(path)
    assert refused.value.key == key
    assert reason in refused.value.reason
    assert str(refused.value).startswith(f"{path}: {key}: ")


def test_a_clinic_profile_saved_with_a_byte_order_mark_loads_as_the_code_map_beside_it_does(
        tmp_path: Path) -> None:
    # Review 39: a copy of a shipped profile saved by a Windows editor was listed as refused,
    # "is not valid TOML: Invalid statement (at line 1, column 1)", and could not be used.
    shipped = builtin_profiles_dir() / "nihon-kohden-pvm.toml"
    path = tmp_path / "ward-3-pvm.toml"
    path.write_bytes(b"\xef\xbb\xbf" + shipped.read_bytes())
    assert load_profile(path) == replace(load_profile(shipped), name="ward-3-pvm", source=str(path))


def test_a_clinic_file_never_silently_replaces_a_shipped_profile_and_the_rest_still_load(
        tmp_path: Path) -> None:
    write(tmp_path, "nihon-kohden-pvm", 'model = "Ours"\nformat = "hl7"\n')
    write(tmp_path, "hl7", 'model = "Ours"\nformat = "hl7"\n')
    write(tmp_path, "broken", 'model = "M"\n')
    write(tmp_path, "ward-3-pvm", 'model = "Ward 3 PVM"\nformat = "hl7"\n'
                                  'dialect = "nihon-kohden"\nsend_period_seconds = 5\n')
    catalogue = load_catalogue([builtin_profiles_dir(), tmp_path])
    assert catalogue.profiles["nihon-kohden-pvm"].model != "Ours"
    assert catalogue.profiles["ward-3-pvm"].stale_after_seconds == 10.0
    refused = sorted((e.file.name, e.key) for e in catalogue.errors)
    assert refused == [("broken.toml", "format"), ("hl7.toml", "(name)"),
                       ("nihon-kohden-pvm.toml", "(name)")]


def test_a_gateway_profile_without_its_bed_cannot_be_used(tmp_path: Path) -> None:
    catalogue = default_catalogue()
    gateway = catalogue.profiles["mindray-gateway"]
    assert gateway.needs_bed
    with pytest.raises(ValueError, match="reads one bed of a gateway but names none"):
        resolve("mindray-gateway", catalogue)
    write(tmp_path, "chair-3-mindray", 'model = "Chair 3"\nformat = "hl7-polled"\n'
                                       'connection = "tcp"\n[poll]\nperiod_seconds = 5\n'
                                       'query = "mindray-gateway"\nbed = "192.0.2.53"\n')
    chair = load_catalogue([tmp_path])
    assert not chair.profiles["chair-3-mindray"].needs_bed
    assert resolve("chair-3-mindray", chair).stale_after_seconds == 10.0


def test_bare_format_names_still_mean_the_format_with_its_defaults() -> None:
    for name, spec in FORMATS.items():
        fmt = resolve_format(name)
        assert fmt is spec   # unchanged for every command line written before profiles
        assert resolve(name).stale_after_seconds == spec.stale_after_seconds
    with pytest.raises(ValueError, match="unknown device profile or format 'hl8'; known: .*"
                                         "philips-intellivue-mib"):
        resolve_format("hl8")


def test_the_devices_listing_names_formats_profiles_code_maps_and_refused_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    assert list_tool.main([], out=out) == 0
    text = out.getvalue()
    for expected in ("hl7", "masimo", "ansar-b", "nihon-kohden-pvm", "philips-intellivue-lan",
                     "Nihon Kohden", "draeger-infinity", "“no data” after 10 s of silence"):
        assert expected in text
    clinic = tmp_path / "profiles"
    write(clinic, "typo", 'model = "M"\nformat = "hl7"\nbaudrate = 9600\n')
    monkeypatch.setattr(list_tool, "default_catalogue",
                        lambda deep=True: load_catalogue([builtin_profiles_dir(), clinic]))
    out = io.StringIO()
    assert list_tool.main([], out=out) == 1
    assert f"{clinic / 'typo.toml'}: baudrate: unknown key" in out.getvalue()


def test_a_mindray_bedside_profile_may_name_a_code_map_as_other_hl7_monitors_do(
        tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, "ward-mindray", 'model = "M"\n'
                                 'format = "mindray-bedside"\nconnection = "tcp"\n'
                                 'dialect = "nihon-kohden"\n[poll]\nperiod_seconds = 1\n'))
    assert (profile.format, profile.dialect, profile.stale_after_seconds) == (
        "mindray-bedside", "nihon-kohden", NO_DATA_SECONDS)
