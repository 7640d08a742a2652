"""The central station: an option given on the command line wins over central.toml, also when it
happens to equal the built-in default (README: "options given win"; review 42)."""

from __future__ import annotations

from pathlib import Path

from console.central.app import apply_config, parser


def _kit(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "central.toml"
    path.write_text('[central]\nbroker = "mqtts://broker.clinic.lan:8883"\nname = "desk"\n'
                    f'username = "desk"\nprefix = "site-a"\n{extra}', encoding="utf-8")
    return path


def test_name_central_given_on_the_command_line_wins(tmp_path: Path) -> None:
    conf = _kit(tmp_path)
    args = apply_config(parser().parse_args(
        ["--config", str(conf), "--name", "central", "--username", "central"]))
    assert (args.name, args.username) == ("central", "central")


def test_prefix_infusion_given_on_the_command_line_wins(tmp_path: Path) -> None:
    conf = _kit(tmp_path)
    args = apply_config(parser().parse_args(["--config", str(conf), "--prefix", "infusion"]))
    assert args.prefix == "infusion"
    assert args.name == "desk"   # what was not given still comes from the file


def test_allow_plaintext_given_wins_over_false_in_the_file(tmp_path: Path) -> None:
    conf = _kit(tmp_path, "allow_plaintext = false\n")
    assert apply_config(parser().parse_args(["--config", str(conf), "--allow-plaintext"])
                        ).allow_plaintext is True
    assert apply_config(parser().parse_args(["--config", str(conf)])).allow_plaintext is False


def test_the_built_in_defaults_apply_when_neither_the_option_nor_the_file_gives_one(
        tmp_path: Path) -> None:
    conf = tmp_path / "central.toml"
    conf.write_text('[central]\nbroker = "mqtts://broker.clinic.lan:8883"\n', encoding="utf-8")
    args = apply_config(parser().parse_args(["--config", str(conf)]))
    assert (args.name, args.prefix, args.allow_plaintext) == ("central", "infusion", False)


def test_help_still_names_the_defaults() -> None:
    text = " ".join(parser().format_help().split())
    assert "(default central)" in text and "(default infusion)" in text
    assert "[--allow-plaintext]" in text
