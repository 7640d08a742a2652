"""A chair's password file saved by Notepad as "UTF-8 with BOM" (EF BB BF, the text, CRLF) holds
the right password: the console sends the password, not the byte order mark with it. The broker
had refused the chair ("check the user name 'chair-1' and its password") while the password IT
read in the file was right; network.toml itself was already read with utf-8-sig for this editor
(config.read_table)."""

from __future__ import annotations

import os
from pathlib import Path

from console.network.config import load, read_password
from console.network.mqtt_bus import BusConfig, BusState
from tests.mosquitto import wait_until
from tests.network.conftest import Clinic, MakeClient


def _notepad_kit(clinic: Clinic, tmp_path: Path) -> Path:
    """chair-1's kit with its password file as Notepad saves "UTF-8 with BOM"; its network.toml."""
    kit = tmp_path / "kit"
    kit.mkdir()
    (kit / "password").write_bytes(b"\xef\xbb\xbf" + clinic.password("chair-1").encode() + b"\r\n")
    os.chmod(kit / "password", 0o600)
    (kit / "ca.crt").write_bytes(clinic.ca_file.read_bytes())
    (kit / "network.toml").write_text(
        f'[network]\nbroker = "{clinic.url}"\nchair = "chair-1"\npassword_file = "password"\n'
        'ca_file = "ca.crt"\n', encoding="utf-8")
    return kit / "network.toml"


def test_a_password_file_saved_with_a_byte_order_mark_reads_as_the_same_password(
        tmp_path: Path) -> None:
    secret = tmp_path / "central.password"   # the central station's reads it the same way
    secret.write_bytes("\ufeffs3cret\r\n".encode())
    os.chmod(secret, 0o600)
    assert read_password(secret, "password file") == "s3cret"


def test_a_chair_whose_password_file_has_a_byte_order_mark_is_let_onto_the_bus(
        clinic: Clinic, bus_client: MakeClient, tmp_path: Path) -> None:
    config = load(_notepad_kit(clinic, tmp_path), {})
    chair = bus_client(BusConfig(config.broker or "", username=config.username,
                                 password=config.password, ca_file=config.ca_file), "chair-1")
    # The broker's answer, whichever it is (a real Mosquitto: its time, not a sleep).
    wait_until(lambda: chair.status().state in (BusState.CONNECTED, BusState.REFUSED),
               "the broker's answer to chair-1")
    assert chair.status().state is BusState.CONNECTED, chair.status().detail
