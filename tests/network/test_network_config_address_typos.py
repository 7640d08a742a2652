"""Address typos told for what they are. An IPv6 address written as IT reads it, without
brackets, was "has a bad port" (the port was right, or there was none); `mqtts:/host`, one '/'
short, was "has no scheme" (its scheme is there)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.network.config import load

BUS_FORM = ("write it as mqtts://host[:8883] (TLS) or mqtt://host[:1883] (plain; loopback only "
            "unless allow_plaintext = true)")
ENGINE_FORM = ("write it as mllps://host:port (TLS) or mllp://host:port (plain; loopback only "
               "unless allow_plaintext = true), e.g. mllps://engine.clinic.lan:6661")


def refusal(tmp_path: Path, body: str) -> str:
    path = tmp_path / "network.toml"
    path.write_text("[network]\n" + body, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load(path, {})
    return str(caught.value).removeprefix(f"{path}: ")


@pytest.mark.parametrize("url", ["mqtts://fd00::5:8883", "mqtts://fd00::5",
                                 "mqtts://2001:db8::1"])
def test_a_broker_ipv6_address_without_brackets_is_told_to_go_in_brackets(
        tmp_path: Path, url: str) -> None:
    said = refusal(tmp_path, f'broker = "{url}"\nchair = "chair-1"\n')
    assert said == (f"broker {url!r} has an IPv6 address without brackets: an IPv6 address "
                    "goes in brackets, e.g. mqtts://[fd00::5]:8883; " + BUS_FORM)


def test_an_engine_ipv6_address_without_brackets_is_told_to_go_in_brackets(
        tmp_path: Path) -> None:
    said = refusal(tmp_path, 'forward = "mllps://fd00::7:6661"\n')
    assert said == ("forward 'mllps://fd00::7:6661' has an IPv6 address without brackets: an "
                    "IPv6 address goes in brackets, e.g. mllps://[fd00::5]:6661; " + ENGINE_FORM)


@pytest.mark.parametrize(("url", "scheme"), [("mqtts:/broker.clinic.lan:8883", "mqtts"),
                                             ("mqtts//broker.clinic.lan:8883", "mqtts"),
                                             ("mqtt:broker.clinic.lan", "mqtt"),
                                             ("MQTTS:/broker.clinic.lan", "MQTTS")])
def test_a_broker_scheme_without_its_slashes_is_told_to_write_them(
        tmp_path: Path, url: str, scheme: str) -> None:
    said = refusal(tmp_path, f'broker = "{url}"\nchair = "chair-1"\n')
    assert said == f"broker {url!r} lacks the :// after {scheme}: write :// after {scheme}; " \
                   + BUS_FORM


def test_an_engine_scheme_without_its_slashes_is_told_to_write_them(tmp_path: Path) -> None:
    said = refusal(tmp_path, 'forward = "mllps:/engine.clinic.lan:6661"\n')
    assert said == ("forward 'mllps:/engine.clinic.lan:6661' lacks the :// after mllps: write "
                    ":// after mllps; " + ENGINE_FORM)


@pytest.mark.parametrize("url", ["localhost:1883", "broker.clinic.lan"])
def test_an_address_with_no_scheme_at_all_still_says_so(tmp_path: Path, url: str) -> None:
    said = refusal(tmp_path, f'broker = "{url}"\nchair = "chair-1"\n')
    assert said == f"broker {url!r} has no scheme: " + BUS_FORM


@pytest.mark.parametrize("url", ["mqtts://[fd00::5]:8883", "mqtts://[fd00::5]",
                                 "mqtts://broker.clinic.lan:8883"])
def test_addresses_written_right_are_taken(tmp_path: Path, url: str) -> None:
    path = tmp_path / "network.toml"
    path.write_text(f'[network]\nbroker = "{url}"\nchair = "chair-1"\n', encoding="utf-8")
    assert load(path, {}).broker == url
