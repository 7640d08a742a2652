"""A host name DNS cannot carry is refused when the settings are loaded.

`engine..clinic.lan` (a typo) passed the address check, then Python's IDNA codec refused it inside
getaddrinfo with a UnicodeError and the engine's sender thread ended for good: "stopped by a
fault", no cause, nothing tried again (tests/network/test_mllp_sender.py covers the sender).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from console.network.config import load

_FORM = ("a host name is parts of 1-63 letters, digits or '-' joined by single dots (e.g. "
         "engine.clinic.lan)")


@pytest.mark.parametrize(("host", "cause"), [
    ("engine..clinic.lan", "an empty part (two dots in a row, or a dot first)"),
    (".engine.clinic.lan", "an empty part (two dots in a row, or a dot first)"),
    ("e" * 64 + ".clinic.lan", f"the part '{'e' * 12}…' is 64 characters, more than 63"),
])
def test_a_forward_host_name_dns_cannot_carry_is_refused_at_load(host: str, cause: str) -> None:
    with pytest.raises(ValueError) as caught:
        load(None, {"forward": f"mllps://{host}:6661"})
    assert str(caught.value) == (
        f"--forward 'mllps://{host}:6661': {host} is not a valid host name: {cause}; {_FORM}; "
        "give the interface engine's host name or address on the clinic network (e.g. "
        "mllps://engine.clinic.lan:6661)")


def test_a_broker_host_name_dns_cannot_carry_is_refused_by_the_same_rule(tmp_path: Path) -> None:
    path = tmp_path / "network.toml"
    path.write_text('[network]\nbroker = "mqtts://broker..clinic.lan:8883"\nchair = "c1"\n',
                    encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load(path)
    assert str(caught.value) == (
        f"{path}: broker 'mqtts://broker..clinic.lan:8883': broker..clinic.lan is not a valid "
        "host name: an empty part (two dots in a row, or a dot first); " + _FORM + "; give the "
        "broker's host name or address on the clinic network (e.g. "
        "mqtts://broker.clinic.lan:8883)")


@pytest.mark.parametrize("host", ["engine.clinic.lan.", "e" * 63 + ".clinic.lan", "engine",
                                  "moteur-hôpital.lan", "192.168.1.10", "[fd00::5]"])
def test_host_names_dns_carries_are_taken(host: str) -> None:
    # A trailing dot (a name written in full), a part of 63, a name in another script (IDNA).
    assert load(None, {"forward": f"mllps://{host}:6661"}).forward == f"mllps://{host}:6661"
