"""A port typed without its folder ("ttyUSB0", "dev/ttyUSB0" for /dev/ttyUSB0) is opened relative
to the console's working folder, where it never appears: the session started and its monitor was
never read, the only word a later "Device disconnected" alarm (the review). It is refused, naming
the full path meant and whether that is there now; a relative path that is there (a test's or a
simulator's link in the working folder) is still taken."""

from __future__ import annotations

import os

import pytest

from console.session.start_checks import Field, Kind, StartEntry, check_start, command_line_text
from protocols.loader import builtin_protocols_dir, load_protocols

pytestmark = pytest.mark.skipif(os.name != "posix", reason="ports are paths under /dev")

ALLOWED = "Give a port by its full path (e.g. /dev/ttyUSB0) or a URL such as socket://HOST:PORT."


@pytest.fixture(scope="module")
def protocols():
    return load_protocols([builtin_protocols_dir()]).protocols


@pytest.fixture(autouse=True)
def _in_an_empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def device_check(protocols, url):
    return check_start(StartEntry("MRN-7", "70", "iv-ketamine", "Ana", url, "hl7"), protocols)


@pytest.mark.parametrize(("typed", "meant"), [("tty", "/dev/tty"), ("dev/tty", "/dev/tty")])
def test_a_port_without_its_folder_is_refused_naming_the_one_there(protocols, typed, meant):
    check = device_check(protocols, typed)
    assert [(p.field, p.kind, p.message) for p in check.problems] == [
        (Field.DEVICE, Kind.REFUSED,
         f"“{typed}” is not a full path, and the console's working folder has no port of that "
         f"name. Did you mean {meant}? It is there now. {ALLOWED}")]
    assert not check.ok
    said = command_line_text(check.problems)
    assert said.startswith(f"--device: “{typed}” is not a full path")


@pytest.mark.parametrize(("typed", "meant"), [("ttyNOSUCH9", "/dev/ttyNOSUCH9"),
                                               ("dev/ttyNOSUCH9", "/dev/ttyNOSUCH9")])
def test_a_port_without_its_folder_names_the_full_path_not_there_either(protocols, typed, meant):
    check = device_check(protocols, typed)
    assert [(p.field, p.kind, p.message) for p in check.problems] == [
        (Field.DEVICE, Kind.REFUSED,
         f"“{typed}” is not a full path, and the console's working folder has no port of that "
         f"name. Did you mean {meant}? It is not there now either: check the cable. {ALLOWED}")]


def test_another_relative_path_not_there_is_refused_with_what_is_allowed(protocols):
    check = device_check(protocols, "ports/monitor")
    assert [(p.field, p.kind, p.message) for p in check.problems] == [
        (Field.DEVICE, Kind.REFUSED,
         "“ports/monitor” is not a full path, and the console's working folder has no port of "
         f"that name. {ALLOWED}")]


def test_a_relative_path_that_is_there_is_taken(protocols, tmp_path):
    (tmp_path / "port").symlink_to("/dev/null")   # a simulator's link, given as ./port
    for typed in ("port", "./port"):
        assert device_check(protocols, typed).problems == ()
