"""network.toml as a link to the clinic's managed copy: the kit `network setup` wrote kept whole in
one folder (/etc/infusion-console/chair-3/: network.toml, password, ca.crt), the chair's config
folder holding a link to its network.toml. The kit's relative `password_file = "password"` and
`ca_file = "ca.crt"` are read beside the kit, as its own comment says; they were looked for
beside the link, and the chair refused naming files IT never wrote. The same for central.toml."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.central.app import apply_config, parser
from console.network import broker_setup
from console.network.config import default_config_path, load


def _kit(folder: Path, settings: str, body: str) -> Path:
    """A kit as `network setup` writes it (`settings`, password, ca.crt) in `folder`, and a link
    to its settings file in the station's config folder; the link."""
    folder.mkdir(parents=True)
    broker_setup.make_certificates(folder, "broker.clinic.lan")
    (folder / "password").write_text("s3cret\n", encoding="utf-8")
    os.chmod(folder / "password", 0o600)
    (folder / settings).write_text(body, encoding="utf-8")
    config_folder = default_config_path().parent   # the test's own (tests/conftest.py)
    config_folder.mkdir(parents=True)
    (config_folder / settings).symlink_to(folder / settings)
    return config_folder / settings


def test_a_chair_whose_network_toml_is_a_link_reads_the_kits_files_beside_the_kit(
        tmp_path: Path) -> None:
    kit = tmp_path / "etc" / "infusion-console" / "chair-3"
    _kit(kit, "network.toml",
         '[network]\nbroker = "mqtts://broker.clinic.lan:8883"\nchair = "chair-3"\n'
         'username = "chair-3"\npassword_file = "password"\nca_file = "ca.crt"\n')

    config = load(None, {})   # refused: "...infusion-console/password cannot be read (No such..."

    assert config.password == "s3cret"
    assert config.ca_file == kit / "ca.crt"


def test_a_password_file_missing_beside_a_linked_kit_is_named_where_it_was_looked_for(
        tmp_path: Path) -> None:
    kit = tmp_path / "etc" / "infusion-console" / "chair-3"
    link = _kit(kit, "network.toml",
                '[network]\nbroker = "mqtts://broker.clinic.lan:8883"\nchair = "chair-3"\n'
                'password_file = "password"\n')
    (kit / "password").unlink()
    with pytest.raises(ValueError) as refused:
        load(None, {})
    assert str(refused.value) == (f"{link}: password_file {kit / 'password'} cannot be read "
                                  "(No such file or directory)")


def test_a_central_station_whose_central_toml_is_a_link_reads_the_kits_files_beside_the_kit(
        tmp_path: Path) -> None:
    kit = tmp_path / "etc" / "infusion-console" / "central"
    _kit(kit, "central.toml",
         '[central]\nbroker = "mqtts://broker.clinic.lan:8883"\nname = "central"\n'
         'username = "central"\npassword_file = "password"\nca_file = "ca.crt"\n')

    args = apply_config(parser().parse_args([]))

    assert (args.password_file, args.ca_file) == (kit / "password", kit / "ca.crt")
