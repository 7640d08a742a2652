"""A central station given its own account and a password file signs in with that account.

The station's name stands in for the account only when a password comes with no account (the
bus client sends credentials only with one). A cloud hub's account given with its password,
replaced by the station's name, is refused by the broker for good: the board stays empty."""

from __future__ import annotations

from pathlib import Path

from console.central.app import apply_config, parser

HUB = "clinic-hub.azure-devices.net/desk9/?api-version=2021-04-12"


def test_an_account_given_with_a_password_file_is_the_one_signed_in_with(tmp_path: Path) -> None:
    (tmp_path / "central.toml").write_text(
        '[central]\nbroker = "mqtts://broker.clinic.lan:8883"\nname = "desk9"\n'
        f'username = "{HUB}"\npassword_file = "desk.password"\n', encoding="utf-8")
    args = apply_config(parser().parse_args(["--config", str(tmp_path / "central.toml")]))
    assert (args.username, args.password_file) == (HUB, tmp_path / "desk.password")
    # Given as options, the same.
    (tmp_path / "central.toml").write_text(
        '[central]\nbroker = "mqtts://broker.clinic.lan:8883"\n', encoding="utf-8")
    args = apply_config(parser().parse_args(["--config", str(tmp_path / "central.toml"),
                                             "--name", "desk9", "--username", HUB,
                                             "--password-file", "pw"]))
    assert (args.username, args.password_file) == (HUB, Path("pw"))
