"""network.toml and the options: a station runs alone without them; every mistake is named."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pytest

from console.network.config import default_config_path, load


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
    secret.chmod(0o600)
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
     "{file}: broker: refusing to send patient data unencrypted to mqtt://10.0.0.5:1883: use "
     "mqtts:// or set allow_plaintext = true (--allow-plaintext)"),
    ('[network]\nforward = "mllp://engine.lan:6661"\n', {},
     "{file}: forward: refusing to send patient data unencrypted to mllp://engine.lan:6661: use "
     "mllps:// or set allow_plaintext = true (--allow-plaintext)"),
    ('[network]\nbroker = "mqtts://b:8883"\n', {},
     '{file}: broker needs a chair name: write chair = "chair-1" under [network] or give '
     "--chair NAME"),
    ('[network]\nbroker = "localhost:1883"\nchair = "c1"\n', {},
     "{file}: broker 'localhost:1883' has no scheme: write it as mqtts://host[:8883] (TLS) or "
     "mqtt://host[:1883] (plain; loopback only unless allow_plaintext = true)"),
    ('[network]\nbroker = "http://b"\nchair = "c1"\n', {},
     "{file}: broker 'http://b' has the scheme 'http': write it as mqtts://host[:8883] (TLS) or "
     "mqtt://host[:1883] (plain; loopback only unless allow_plaintext = true)"),
    ('[network]\nchair = "chair 3"\nbroker = "mqtt://127.0.0.1:1"\n', {},
     "{file}: chair 'chair 3' is not allowed: use 1-32 letters, digits, '_' or '-' (it becomes "
     "a topic level and the broker user name)"),
    ('[network]\nbrokr = "x"\n', {},
     "{file}: unknown key(s) brokr in [network]; known: allow_plaintext, broker, ca_file, chair, "
     "facility, forward, forward_ca_file, password_file, patient_shown, quiet_room, "
     "resend_password_file, resend_username, room, topic_prefix, username"),
    # Settings the console would otherwise never read: the chair would run alone, unsaid.
    ('broker = "mqtts://b:8883"\nchair = "c1"\n', {},
     "{file}: found outside [network]: broker, chair. This file takes only settings written "
     "under a line [network]"),
    # The central station's file given to a chair: named as such, and what to run instead.
    ('[central]\nbroker = "mqtts://b:8883"\nname = "desk"\n', {},
     "{file} is the central station's settings ([central] table); a chair reads a [network] "
     "table: use the network.toml of its own settings kit (clinic-broker/stations/<its name>/"
     "network.toml, written by `infusion-console network setup`), and start the central "
     "station with this file: infusion-console central --config {file}"),
    ('[netwrok]\nbroker = "mqtts://b:8883"\n', {},
     "{file}: found outside [network]: [netwrok]. This file takes only settings written under "
     "a line [network]"),
    ('forward = "mllps://e:6661"\n[network]\nbroker = "mqtts://b:8883"\nchair = "c1"\n', {},
     "{file}: found outside [network]: forward. This file takes only settings written under a "
     "line [network]"),
    ('[network]\nbroker = "mqtts://b:8883"\nchair = "c1"\nquiet_room = "yes"\n', {},
     "{file}: quiet_room must be true or false (no quotes), not 'yes'"),
    ('[network]\nbroker = "mqtts://b:8883"\nchair = "c1"\npatient_shown = "name"\n', {},
     "{file}: patient_shown = 'name'; allowed: id, none"),
    ("", {"broker": "mqtts://b:8883", "chair": "c1", "password_file": "/nonexistent/pw"},
     "--password-file /nonexistent/pw cannot be read (No such file or directory)"),
    # `network resend`'s account: both keys, and not the chair's (it would take the running
    # console's connection on a broker that makes client ids the account's).
    ('[network]\nbroker = "mqtt://127.0.0.1:1"\nchair = "c1"\nresend_username = "c1.resend"\n',
     {}, "{file}: resend_username is given without resend_password_file: `network resend`'s "
     "account needs both (network setup writes them into each chair's kit), or leave both out"),
    ('[network]\nbroker = "mqtt://127.0.0.1:1"\nchair = "c1"\nresend_username = "c1"\n'
     'resend_password_file = "/nonexistent/pw"\n', {},
     "{file}: resend_username = 'c1' is the chair's own account: `network resend` needs an "
     "account of its own (e.g. chair-3.resend, allowed to write the chair's pcd01 and pcd04), "
     "or it takes the running console's connection on the broker"),
    ('[network]\nforward = "mllps://e:6661"\nresend_username = "c1.resend"\n', {},
     "{file}: resend_username needs a broker: it is for the clinic bus only, and without a "
     "broker this chair is not on it (its alarms never reach the central station); give "
     "--broker URL (broker under [network]), or leave it out"),
])
def test_each_mistake_names_the_key_and_what_is_allowed(tmp_path: Path, body: str,
                                                        overrides: dict[str, str], words: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ValueError) as caught:
        load(path, overrides)
    assert str(caught.value) == words.format(file=path)


def test_unreadable_toml_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[network\n")
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value).startswith(f"{path}: not a readable TOML file (")
    # A number past 4300 digits: tomllib's own ValueError named no file.
    path = _write(tmp_path, "[network]\nkeepalive = 1" + "0" * 5000 + "\n")
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value).startswith(f"{path}: not a readable TOML file (a whole number")
    # A held key nested past Python's recursion limit: a RecursionError traceback, and a
    # resume died before its alarms came back (only a refusal runs it without the network).
    path = _write(tmp_path, "[network]\nbroker = " + "[" * 3000 + "\n")
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value) == f"{path}: not a readable TOML file (nested too deeply)"


def test_a_value_toml_cannot_read_names_its_line_and_how_values_are_written(tmp_path: Path) -> None:
    path = _write(tmp_path, '[network]\nbroker = "mqtts://h:8883"\nchair = "c1"\nquiet_room = yes\n')
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value).endswith(
        ": line 4 reads 'quiet_room = yes'; text goes in quotes (room = \"Room 3\"), yes or no "
        "is true or false without quotes")


def test_loopback_may_go_unencrypted_and_others_only_when_allowed(tmp_path: Path) -> None:
    assert load(None, {"broker": "mqtt://127.0.0.1:1883", "chair": "c1"}).enabled
    allowed = load(None, {"broker": "mqtt://10.0.0.5:1883", "chair": "c1",
                                            "allow_plaintext": True})
    assert allowed.allow_plaintext


# --- addresses: the transports' own parsers, at load -------------------------------------------
# Each was accepted here and refused later, in NetworkLink, with a traceback; or accepted for good.


@pytest.mark.parametrize(("overrides", "words"), [
    ({"broker": "mqtt://127.0.0.1:0", "chair": "c1"},
     "--broker 'mqtt://127.0.0.1:0' has port 0: the port is a number 1-65535"),
    ({"broker": "mqtts://h:8883/x", "chair": "c1"},
     "--broker 'mqtts://h:8883/x' has a path or query, which MQTT does not use: write it as "
     "mqtts://host[:8883] (TLS) or mqtt://host[:1883] (plain; loopback only unless "
     "allow_plaintext = true)"),
    ({"forward": "mllp://127.0.0.1"},
     "--forward 'mllp://127.0.0.1' has no port: a port 1-65535 is required (MLLP has no default "
     "port); write it as mllps://host:port (TLS) or mllp://host:port (plain; loopback only "
     "unless allow_plaintext = true), e.g. mllps://engine.clinic.lan:6661"),
    ({"forward": "mllps://h"},
     "--forward 'mllps://h' has no port: a port 1-65535 is required (MLLP has no default "
     "port); write it as mllps://host:port (TLS) or mllp://host:port (plain; loopback only "
     "unless allow_plaintext = true), e.g. mllps://engine.clinic.lan:6661"),
    ({"forward": "mllp://127.0.0.1:6661/x"},
     "--forward 'mllp://127.0.0.1:6661/x' has a path or query, which MLLP does not use: write it "
     "as mllps://host:port (TLS) or mllp://host:port (plain; loopback only unless "
     "allow_plaintext = true), e.g. mllps://engine.clinic.lan:6661"),
    # The password never appears in the message that refuses it.
    ({"forward": "mllp://u:p4ss@127.0.0.1:6661"},
     "--forward 'mllp://u:***@127.0.0.1:6661' holds a user name or password, which MLLP does not "
     "use: no user:password in the address; write it as mllps://host:port (TLS) or "
     "mllp://host:port (plain; loopback only unless allow_plaintext = true), e.g. "
     "mllps://engine.clinic.lan:6661"),
    # The review: a kit naming 0.0.0.0 (`network setup --host 0.0.0.0`) dialled the chair itself
    # and looked like a broker that was down; a multicast address no TCP peer listens on.
    ({"broker": "mqtts://0.0.0.0:8883", "chair": "c1"},
     "--broker 'mqtts://0.0.0.0:8883': 0.0.0.0 is the unspecified address (to a listener: every "
     "interface; dialled: the machine that dials it), not an address to connect to; give the "
     "broker's host name or address on the clinic network (e.g. mqtts://broker.clinic.lan:8883)"),
    ({"broker": "mqtts://[::]:8883", "chair": "c1"},
     "--broker 'mqtts://[::]:8883': :: is the unspecified address (to a listener: every "
     "interface; dialled: the machine that dials it), not an address to connect to; give the "
     "broker's host name or address on the clinic network (e.g. mqtts://broker.clinic.lan:8883)"),
    ({"forward": "mllps://239.1.2.3:6661"},
     "--forward 'mllps://239.1.2.3:6661': 239.1.2.3 is a multicast address (a group, not a "
     "host), not an address to connect to; give the interface engine's host name or address on "
     "the clinic network (e.g. mllps://engine.clinic.lan:6661)"),
    ({"forward": "mllp://[::ffff:0.0.0.0]:6661"},
     "--forward 'mllp://[::ffff:0.0.0.0]:6661': ::ffff:0.0.0.0 is the unspecified address (to a "
     "listener: every interface; dialled: the machine that dials it), not an address to "
     "connect to; give the interface engine's host name or address on the clinic network (e.g. "
     "mllps://engine.clinic.lan:6661)"),
])
def test_an_address_the_transport_would_refuse_is_refused_at_load(
        overrides: dict[str, str], words: str) -> None:
    with pytest.raises(ValueError) as caught:
        load(None, overrides)
    assert str(caught.value) == words


@pytest.mark.parametrize(("line", "words"), [
    ('broker = "mqtt://user:pw@127.0.0.1:1883"\nchair = "c1"',
     "{file}: broker 'mqtt://user:***@127.0.0.1:1883' holds a user name or password: give them "
     "as username and password_file in network.toml (central.toml at a central station), never "
     "in the address"),
    # Accepted before, then the MLLP sender tried port 0 for ever.
    ('forward = "mllp://127.0.0.1:0"',
     "{file}: forward 'mllp://127.0.0.1:0' has port 0: the port is a number 1-65535"),
    ('broker = "mqtts://[::1:8883"\nchair = "c1"',
     "{file}: broker 'mqtts://[::1:8883' is not a URL (Invalid IPv6 URL): write it as "
     "mqtts://host[:8883] (TLS) or mqtt://host[:1883] (plain; loopback only unless "
     "allow_plaintext = true); an IPv6 address is written in brackets, e.g. "
     "mqtts://[fd00::5]:8883"),
    ('broker = "mqtts://b:8883"\nchair = "c1"\ntopic_prefix = "site/#"',
     "{file}: topic_prefix 'site/#' is not allowed: levels of letters, digits, '_' or '-' "
     "joined by '/'"),
])
def test_a_bad_value_in_the_file_names_the_file_and_key(tmp_path: Path, line: str,
                                                         words: str) -> None:
    path = _write(tmp_path, f"[network]\n{line}\n")
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value) == words.format(file=path)
    assert "pw@" not in str(caught.value)


def test_an_option_is_named_as_an_option_over_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, '[network]\nbroker = "mqtts://b:8883"\nchair = "c1"\n')
    with pytest.raises(ValueError) as caught:
        load(path, {"chair": "c 1"})
    assert str(caught.value) == ("--chair 'c 1' is not allowed: use 1-32 letters, digits, '_' "
                                 "or '-' (it becomes a topic level and the broker user name)")


# --- the CA file: loaded at load, as the central station does -----------------------------------

CA_FOR = "give the PEM file of the CA that signed the broker's (and the engine's) certificate"


def _bad_ca(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"ca.{kind}"
    if kind == "garbage":
        path.write_bytes(bytes(range(256)) * 2)
    elif kind == "folder":
        path.mkdir()
    return path   # "missing": not made


@pytest.mark.parametrize(("kind", "cause"), [
    ("garbage", "cannot be used (no certificate in it: a CA file is PEM text, "
                "-----BEGIN CERTIFICATE-----)"),
    ("folder", "is a folder, not a file"),
    ("missing", "cannot be used (no such file)"),
])
def test_a_ca_file_that_cannot_be_used_is_refused_at_load(tmp_path: Path, kind: str,
                                                          cause: str) -> None:
    ca = _bad_ca(tmp_path, kind)
    # The engine over TLS, from the command line (it was an ssl.SSLError traceback).
    with pytest.raises(ValueError) as caught:
        load(None, {"forward": "mllps://h:6661", "ca_file": str(ca)})
    assert str(caught.value) == f"--ca-file {ca} {cause}: {CA_FOR}"
    # The bus over TLS, from the file (it was a ValueError traceback from the bus client).
    path = _write(tmp_path, f'[network]\nbroker = "mqtts://h:8883"\nchair = "c1"\n'
                            f'ca_file = "{ca}"\n')
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value) == f"{path}: ca_file {ca} {cause}: {CA_FOR}"


def test_a_good_ca_file_is_taken(tmp_path: Path) -> None:
    from console.network.broker_setup import make_certificates

    ca, _cert, _key = make_certificates(tmp_path, "localhost")
    config = load(None, {"broker": "mqtts://h:8883", "chair": "c1", "ca_file": str(ca)})
    assert config.ca_file == ca


def test_the_engine_may_have_a_ca_of_its_own(tmp_path: Path) -> None:
    # One ca_file for the bus and the engine: an engine whose certificate comes from a
    # hospital's CA could not be reached with the clinic set-up's CA, and the reverse.
    from console.network.broker_setup import make_certificates

    for folder in ("clinic", "hospital"):
        (tmp_path / folder).mkdir()
    clinic_ca, _cert, _key = make_certificates(tmp_path / "clinic", "broker.lan")
    hospital_ca, _cert, _key = make_certificates(tmp_path / "hospital", "engine.lan")
    both = {"broker": "mqtts://broker.lan:8883", "chair": "c1", "ca_file": str(clinic_ca),
            "forward": "mllps://engine.lan:6661"}
    assert load(None, both).engine_ca_file == clinic_ca
    config = load(None, {**both, "forward_ca_file": str(hospital_ca)})
    assert (config.ca_file, config.engine_ca_file) == (clinic_ca, hospital_ca)


def test_an_engine_ca_without_an_engine_is_refused(tmp_path: Path) -> None:
    from console.network.broker_setup import make_certificates

    ca, _cert, _key = make_certificates(tmp_path, "engine.lan")
    with pytest.raises(ValueError) as caught:
        load(None, {"broker": "mqtts://h:8883", "chair": "c1", "forward_ca_file": str(ca)})
    assert str(caught.value) == (
        "--forward-ca-file needs a forward: it is the CA of the interface engine's certificate; "
        "give --forward URL (forward under [network]), or leave it out")


def test_the_brokers_own_certificate_given_as_the_ca_file_is_refused_at_load(
        tmp_path: Path) -> None:
    # The clinic IT audit: server.crt given for ca.crt loaded, then every connection failed as
    # "certificate not accepted", which a wrong CA says too.
    from console.network.broker_setup import make_certificates

    _ca, cert, _key = make_certificates(tmp_path, "localhost")
    with pytest.raises(ValueError) as caught:
        load(None, {"broker": "mqtts://h:8883", "chair": "c1", "ca_file": str(cert)})
    assert str(caught.value) == (
        f"--ca-file {cert} holds no CA certificate (a server's own certificate, such as the "
        f"set-up's server.crt, is not one): {CA_FOR}")


def test_a_password_file_that_is_not_text_names_the_file_and_key(tmp_path: Path) -> None:
    secret = tmp_path / "chair.password"
    secret.write_bytes(b"\xbb\xff\x00binary")
    path = _write(tmp_path, f'[network]\nbroker = "mqtts://h:8883"\nchair = "c1"\n'
                            f'password_file = "{secret}"\n')
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value) == (f"{path}: password_file {secret} is not a text file: it must "
                                 "hold the password as one line of text (UTF-8)")


# --- never a chair quietly alone ----------------------------------------------------------------


@pytest.mark.parametrize(("body", "overrides", "words"), [
    ("", {"broker": ""},
     "--broker is empty: write mqtts://host:8883 (mqtt:// to this machine only, unless "
     "allow_plaintext), or leave it out"),
    ("", {"forward": ""},
     "--forward is empty: write mllps://host:port (mllp:// to this machine only, unless "
     "allow_plaintext), or leave it out"),
    ('[network]\nbroker = ""\nchair = "c1"\n', {},
     "{file}: broker is empty: write mqtts://host:8883 (mqtt:// to this machine only, unless "
     "allow_plaintext), or leave it out"),
    ('[network]\nbroker = "mqtts://h:8883"\nchair = "c1"\npassword_file = ""\n', {},
     "{file}: password_file is empty: write the path of the file holding the password, or "
     "leave it out"),
])
def test_an_empty_value_is_refused_not_taken_as_absent(tmp_path: Path, body: str,
                                                       overrides: dict[str, str],
                                                       words: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ValueError) as caught:
        load(path, overrides)
    assert str(caught.value) == words.format(file=path)


ALONE = ("given without a broker or a forward: this console would run alone, off the clinic "
         "network. Give --broker URL and/or --forward URL (broker / forward under [network] in "
         "network.toml), or leave {} out to run alone")


@pytest.mark.parametrize(("body", "overrides", "words"), [
    ("", {"chair": "c1"}, "--chair " + ALONE.format("it")),
    ("", {"room": "R1"}, "--room " + ALONE.format("it")),
    ("", {"quiet_room": True}, "--quiet-room " + ALONE.format("it")),
    ('[network]\nchair = "c1"\nroom = "R1"\nquiet_room = false\n', {"quiet_room": True},
     "{file}: chair, room and --quiet-room " + ALONE.format("them")),
    ('[network]\nforward = "mllp://127.0.0.1:6661"\nquiet_room = true\n', {},
     "{file}: quiet_room needs a broker: the softer bedside tone holds only while a central "
     "station confirms alarms over the clinic bus; give --broker URL (broker under [network]), "
     "or leave it out"),
])
def test_chair_settings_without_a_destination_are_refused(tmp_path: Path, body: str,
                                                          overrides: dict[str, object],
                                                          words: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ValueError) as caught:
        load(path, overrides)
    assert str(caught.value) == words.format(file=path)


def test_a_chair_with_only_an_engine_is_a_network(tmp_path: Path) -> None:
    # The chair and room name the bed in the engine's messages (PV1-3): not alone.
    config = load(None, {"forward": "mllp://127.0.0.1:6661", "chair": "c1", "room": "Room 1"})
    assert config.enabled and (config.chair, config.room) == ("c1", "Room 1")


def test_relative_file_paths_are_read_from_the_settings_files_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # QA: `password_file = "password"` beside network.toml was looked for in the folder the
    # console was started from. An option's relative path is still the current folder's.
    (tmp_path / "password").write_text("s3cret\n", encoding="utf-8")
    (tmp_path / "password").chmod(0o600)
    path = _write(tmp_path, '[network]\nbroker = "mqtts://h:8883"\nchair = "c1"\n'
                            'password_file = "password"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load(path, {}).password == "s3cret"
    (elsewhere / "other.password").write_text("other\n", encoding="utf-8")
    (elsewhere / "other.password").chmod(0o640)   # a service group may read it
    assert load(path, {"password_file": "other.password"}).password == "other"


NO_SUCH_USER: Final = "nosuchuser-review40"


@pytest.mark.parametrize("key", ["ca_file", "password_file", "forward_ca_file"])
def test_a_home_folder_of_a_user_this_computer_lacks_is_named_not_a_traceback(
        tmp_path: Path, key: str) -> None:
    # A kit written on the IT person's computer (`~it-admin/...`) and copied to the chair: the
    # start ended in a traceback (pathlib's RuntimeError "Could not determine home directory.").
    path = _write(tmp_path, f'[network]\nforward = "mllps://127.0.0.1:6661"\n'
                            f'{key} = "~{NO_SUCH_USER}/{key}.pem"\n')
    with pytest.raises(ValueError) as caught:
        load(path)
    assert str(caught.value) == (
        f"{path}: {key} ~{NO_SUCH_USER}/{key}.pem: the user {NO_SUCH_USER} has no home folder "
        "on this computer (a path written on another one?); give an absolute path")


def test_a_home_folder_of_a_user_this_computer_lacks_is_named_as_the_option(
        tmp_path: Path) -> None:
    path = _write(tmp_path, '[network]\nforward = "mllps://127.0.0.1:6661"\n')
    with pytest.raises(ValueError) as caught:   # infusion-console --ca-file '~nosuchuser/ca.pem'
        load(path, {"ca_file": f"~{NO_SUCH_USER}/ca.pem"})
    assert str(caught.value).startswith(f"--ca-file ~{NO_SUCH_USER}/ca.pem: the user "
                                        f"{NO_SUCH_USER} has no home folder on this computer")


def test_a_password_file_of_two_lines_is_refused(tmp_path: Path) -> None:
    # QA: the chair sent both lines as the password (the broker refused it), the central station
    # took the first: one rule, said at the start.
    secret = tmp_path / "chair.password"
    secret.write_text("s3cret\nold-password\n", encoding="utf-8")
    path = _write(tmp_path, f'[network]\nbroker = "mqtts://h:8883"\nchair = "c1"\n'
                            f'password_file = "{secret}"\n')
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value) == (f"{path}: password_file {secret} holds 2 lines: it must hold "
                                 "the password as one line")


def test_a_password_file_every_user_can_read_is_refused(tmp_path: Path) -> None:
    # The clinic IT audit: a settings kit copied with mode 0644 started without a word.
    secret = tmp_path / "chair.password"
    secret.write_text("s3cret\n", encoding="utf-8")
    secret.chmod(0o644)
    path = _write(tmp_path, f'[network]\nbroker = "mqtts://h:8883"\nchair = "c1"\n'
                            f'password_file = "{secret}"\n')
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value) == (
        f"{path}: password_file {secret} can be read by every user of this computer (mode "
        f"0644): make it readable by its owner only (chmod 600 {secret})")
    secret.chmod(0o600)
    assert load(path, {}).password == "s3cret"


@pytest.mark.parametrize(("code", "words"), [(10, "certificate has expired"),
                                              (9, "certificate is not yet valid")])
def test_a_broker_certificate_out_of_its_dates_says_to_renew_it_not_to_check_the_ca(code, words):
    # The set-up's server certificate lasts 825 days; "check ca_file" sent IT to the wrong file.
    import ssl

    from console.network.config import certificate_refused

    exc = ssl.SSLCertVerificationError(1, words)
    exc.verify_code, exc.verify_message = code, words
    said = certificate_refused(exc, "broker.clinic", Path("/etc/clinic/ca.crt"))
    assert said == (f"TLS certificate not accepted ({words}): the certificate of "
                    "'broker.clinic' is outside its dates; renew it on the broker (`network "
                    "setup` makes a new one), or set this computer's clock right")
    assert "ca_file" not in said


# --- the set-up's kits: copied whole, half-edited -------------------------------------------------


def _kit(folder: Path, chair: str, *, room: str = "Room 1") -> Path:
    """The files `network setup` writes for `chair` (stations/<chair>/: network.toml, password,
    ca.crt), written into `folder`; the path of its network.toml."""
    from console.network.broker_setup import Plan, make_certificates, network_toml

    folder.mkdir(parents=True, exist_ok=True)
    make_certificates(folder, "localhost")
    password = folder / "password"
    password.write_text(f"{chair}-secret\n", encoding="utf-8")
    password.chmod(0o600)
    plan = Plan((chair,), "central", "localhost", 8883, None, folder, "infusion", "clinic")
    path = folder / "network.toml"
    path.write_text(network_toml(plan, chair, room), encoding="utf-8")
    return path


def test_a_kit_copied_one_folder_too_deep_is_refused_not_run_alone(tmp_path: Path) -> None:
    # The clinic IT audit: `cp -rp clinic-broker/stations/chair-3 ~/.config/infusion-console/`
    # left the chair running alone with nothing said.
    config_folder = default_config_path().parent
    deep = _kit(config_folder / "chair-3", "chair-3")
    with pytest.raises(ValueError) as caught:
        load(None, {})
    assert str(caught.value) == (
        f"{deep}: a settings kit copied one folder too deep: this console reads "
        f"{config_folder / 'network.toml'}, and without it would run alone, off the clinic "
        f"network. Move the kit's files up into {config_folder} "
        f"(mv {config_folder / 'chair-3'}/* {config_folder}/)")
    # Its files moved up as the message says: the chair is on the bus.
    for file in (config_folder / "chair-3").iterdir():
        file.rename(config_folder / file.name)
    config = load(None, {})
    assert (config.broker, config.chair, config.password) == (
        "mqtts://localhost:8883", "chair-3", "chair-3-secret")


def test_a_config_folder_without_a_kit_anywhere_still_runs_alone(tmp_path: Path) -> None:
    # The README's demo on a fresh machine: other folders there are not a kit.
    config_folder = default_config_path().parent
    (config_folder / "themes").mkdir(parents=True)
    (config_folder / "themes" / "dark.toml").write_text("", encoding="utf-8")
    assert not load(None, {}).enabled


def test_a_kit_edited_to_another_chairs_name_is_refused(tmp_path: Path) -> None:
    # The clinic IT audit: chair-2's kit with only `chair = "chair-3"` changed knocked the real
    # chair-3 off the broker every second, and the broker refused every message it sent.
    path = _kit(tmp_path, "chair-2")
    path.write_text(path.read_text(encoding="utf-8").replace('chair = "chair-2"',
                                                             'chair = "chair-3"'),
                    encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load(path, {})
    assert str(caught.value) == (
        f"{path}: username = 'chair-2' and chair = 'chair-3' differ: the broker's rules let "
        "account chair-2 publish only as chair chair-2; use chair-3's own settings kit (the "
        "files of stations/chair-3/ that `network setup` wrote)")
    # The same slip on the command line names the option.
    with pytest.raises(ValueError, match=r"^--username = 'chair-2' and --chair = 'chair-3' "
                                         r"differ: "):
        load(None, {"broker": "mqtts://h:8883", "chair": "chair-3", "username": "chair-2"})
    # The kit as written, and the chair's name with no username, are the chair's own account.
    assert load(_kit(tmp_path / "own", "chair-3"), {}).username == "chair-3"
    assert load(None, {"broker": "mqtts://h:8883", "chair": "chair-3"}).username == "chair-3"
    # An account of another broker's scheme (a cloud hub's) is no other station's: taken.
    hub = "clinic-hub.azure-devices.net/chair-3/?api-version=2021-04-12"
    assert load(None, {"broker": "mqtts://h:8883", "chair": "chair-3",
                       "username": hub}).username == hub


def test_a_central_station_with_another_stations_account_is_refused_by_the_same_rule() -> None:
    # The clinic IT audit: `central --name desk9 --username chair-1` read only chair-1's topics,
    # blind to every other chair. (console/central/app.py reads its own options.)
    from console.network.config import check_account

    with pytest.raises(ValueError) as caught:
        check_account("chair-1", "desk9", "--username", "--name", "station")
    assert str(caught.value) == (
        "--username = 'chair-1' and --name = 'desk9' differ: the broker's rules let account "
        "chair-1 publish only as station chair-1; use desk9's own settings kit (the files of "
        "stations/desk9/ that `network setup` wrote)")
    with pytest.raises(ValueError, match=r"^/k/central.toml: username = 'desk' and name = "):
        check_account("desk", "desk9", "/k/central.toml: username", "/k/central.toml: name")
    check_account("desk", "desk", "--username", "--name")


# A clinic's own password may hold any character. urllib reads one with '/', '?' or '#' as the
# end of the host and part of it as the port, and its "Port could not be cast to integer value
# as 'Sec'" was quoted: the review found the password printed in the refusal (README: "never
# taken as an option, printed or logged"), under the wrong cause, "a bad port".
PASSWORDS_URLLIB_SPLITS: Final = ("Sec/ret9", "Sec#ret9", "Sec?ret9", "Sec@ret9", "Sec:ret9")


@pytest.mark.parametrize("password", PASSWORDS_URLLIB_SPLITS)
def test_a_password_in_the_broker_address_is_refused_for_what_it_is_never_printed(
        tmp_path: Path, password: str) -> None:
    url = f"mqtts://chair-1:{password}@broker.clinic.lan:8883"
    path = _write(tmp_path, f'[network]\nbroker = "{url}"\nchair = "chair-1"\n')
    for given in ((path, {}), (None, {"broker": url, "chair": "chair-1"})):
        with pytest.raises(ValueError) as caught:
            load(*given)
        said = str(caught.value)
        assert "Sec" not in said and "ret9" not in said, said
        assert said.endswith(
            "broker 'mqtts://chair-1:***@broker.clinic.lan:8883' holds a user name or password: "
            "give them as username and password_file in network.toml (central.toml at a "
            "central station), never in the address"), said


@pytest.mark.parametrize("password", PASSWORDS_URLLIB_SPLITS)
def test_a_password_in_the_engine_address_is_refused_for_what_it_is_never_printed(
        password: str) -> None:
    with pytest.raises(ValueError) as caught:
        load(None, {"forward": f"mllps://engine:{password}@engine.clinic.lan:6661"})
    said = str(caught.value)
    assert "Sec" not in said and "ret9" not in said, said
    assert said.startswith("--forward 'mllps://engine:***@engine.clinic.lan:6661' holds a user "
                           "name or password, which MLLP does not use"), said


@pytest.mark.parametrize("password", PASSWORDS_URLLIB_SPLITS)
def test_a_password_in_the_central_stations_broker_address_is_never_printed(
        password: str) -> None:
    # console/central/app.py reads --broker with the same parser (mqtt_bus.parse_bus_url).
    from console.central.app import StartError, apply_config, parser

    args = parser().parse_args(["--broker", f"mqtts://desk:{password}@broker.clinic.lan:8883",
                                "--name", "desk"])
    with pytest.raises(StartError) as caught:
        apply_config(args)
    said = str(caught.value)
    assert "Sec" not in said and "ret9" not in said, said
    assert said.startswith("--broker 'mqtts://desk:***@broker.clinic.lan:8883' holds a user "
                           "name or password"), said


@pytest.mark.parametrize(("url", "shown"), [
    ("mqtts://u:Sec/ret9@h:8883", "mqtts://u:***@h:8883"),
    ("mqtts://u:a@b@h:8883", "mqtts://u:***@h:8883"),          # up to the last '@'
    ("mqtts://Sec/ret9@h:8883", "mqtts://***@h:8883"),          # a password without a user
    ("u:Sec#ret9@h:8883", "u:***@h:8883"),                      # no scheme
    ("mqtts://h:8883", "mqtts://h:8883"),
])
def test_an_address_is_shown_without_what_is_written_before_its_host(url: str,
                                                                       shown: str) -> None:
    from console.network.config import without_password

    assert without_password(url) == shown


@pytest.mark.parametrize(("url", "words"), [
    ("mqtts://broker:99999", "--broker 'mqtts://broker:99999' has a bad port: the port is a "
                             "number 1-65535; write it as mqtts://host[:8883]"),
    ("mqtts://broker:port", "--broker 'mqtts://broker:port' has a bad port: the port is a "
                            "number 1-65535;"),
    # urllib's "netloc 'b＃x:1' contains invalid characters under NFKC normalization" quotes
    # the address as it read it: its words are not passed on.
    ("mqtts://b\uff03x:1", "--broker 'mqtts://b\uff03x:1' is not a URL (a character in it "
                           "cannot be used in a host name): write it as mqtts://host[:8883]"),
])
def test_urllibs_own_words_are_not_quoted(url: str, words: str) -> None:
    with pytest.raises(ValueError) as caught:
        load(None, {"broker": url, "chair": "chair-1"})
    assert str(caught.value).startswith(words), str(caught.value)
    assert "cast to integer" not in str(caught.value) and "NFKC" not in str(caught.value)
