"""`infusion-console network setup`: the files it writes, that Mosquitto runs them, its refusals."""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from console.network import broker_setup
from console.network.bus_topics import is_station_name
from console.network.config import ca_context
from console.network.mqtt_bus import BusConfig, BusState
from tests.mosquitto import (
    Broker,
    TlsFiles,
    free_port,
    mosquitto_binary,
    on_a_free_port,
    wait_until,
)
from tests.network.conftest import MakeClient
from tests.network.test_mqtt_bus import Inbox, connected

ROOT = Path(__file__).resolve().parents[2]


def setup(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = broker_setup.main(["setup", *args])
    out, err = capsys.readouterr()
    return code, out, err


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_setup_writes_a_broker_that_runs_and_a_chair_connects_with_its_own_network_toml(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], bus_client: MakeClient,
        monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    def set_up_and_start(port: int) -> tuple[Path, str, Broker]:
        # Mosquitto runs the configuration as written. Its port is in the files the set-up
        # writes: taken by another process before Mosquitto bound it, they are written again
        # for another port (tests/mosquitto.py `on_a_free_port`).
        out = tmp_path / ("clinic-broker" if port == first else f"clinic-broker-{port}")
        code, printed, err = setup(capsys, "--chairs", "2", "--host", "localhost", "--port",
                                   str(port), "--bind", "127.0.0.1", "--out", str(out))
        assert (code, err) == (0, "")
        broker = Broker(tmp_path / "run", port=port,
                        tls=TlsFiles(out / "ca.crt", out / "server.crt", out / "server.key"))
        broker.start_with(out / "mosquitto.conf")
        return out, printed, broker

    first = free_port()
    out, printed, broker = on_a_free_port(set_up_and_start, first)
    request.addfinalizer(broker.stop)   # when an assertion below fails too
    port = broker.port

    # Secrets are the operator's only: keys, hashed passwords, the credentials list, the folder.
    for private in ("ca.key", "server.key", "passwd", "credentials.txt",
                    "stations/chair-1/password", "stations/chair-1/resend-password",
                    "stations/central/password"):
        assert mode(out / private) == 0o600, private
    assert mode(out) == 0o700
    passwords = {name: (out / "stations" / name / "password").read_text().strip()
                 for name in ("chair-1", "chair-2", "central")}
    passwords |= {f"{name}.resend": (out / "stations" / name / "resend-password").read_text()
                  .strip() for name in ("chair-1", "chair-2")}
    credentials = (out / "credentials.txt").read_text()
    listed = [line.split() for line in credentials.splitlines() if not line.startswith("#")]
    assert len(set(passwords.values())) == 5
    for name, password in passwords.items():
        assert len(password) >= 20
        assert [name, password] in listed    # listed for the operator
        assert password not in printed                  # never printed
        assert password not in (out / "passwd").read_text()   # hashed
    assert "credentials.txt" in printed and "not printed" in printed
    assert f"{mosquitto_binary()} -c {out}/mosquitto.conf" in printed   # nothing to quote

    # The chair's network.toml has the keys the console reads, pointing at the files beside it.
    doc = tomllib.loads((out / "stations" / "chair-2" / "network.toml").read_text())
    assert doc == {"network": {
        "broker": f"mqtts://localhost:{port}", "chair": "chair-2", "room": "Room 2",
        "username": "chair-2", "password_file": "password", "ca_file": "ca.crt",
        "resend_username": "chair-2.resend", "resend_password_file": "resend-password",
        "allow_plaintext": False, "quiet_room": False, "topic_prefix": "infusion"}}
    assert '# forward = "mllps://' in (out / "stations" / "chair-2" / "network.toml").read_text()
    # The console's own loader takes it as written, the kit copied as the README says (its
    # files into the chair's config folder) and the console started from another folder: QA
    # found paths read from the current folder, so a copied kit needed editing.
    from console.network.config import load
    chair_config = tmp_path / "chair-2-home" / ".config" / "infusion-console"
    shutil.copytree(out / "stations" / "chair-2", chair_config)
    monkeypatch.chdir(tmp_path)
    loaded = load(chair_config / "network.toml", {})
    assert (loaded.broker, loaded.password) == (f"mqtts://localhost:{port}", passwords["chair-2"])
    assert loaded.ca_file == chair_config / "ca.crt"
    assert (loaded.resend_username, loaded.resend_password_file) == (
        "chair-2.resend", chair_config / "resend-password")
    # The central station's central.toml, read by `infusion-console central` with no options.
    from console.central.app import apply_config, parser
    central_config = tmp_path / "desk-home" / ".config" / "infusion-console"
    shutil.copytree(out / "stations" / "central", central_config)
    central_args = apply_config(parser().parse_args(["--config", str(central_config / "central.toml")]))
    assert (central_args.broker, central_args.name, central_args.username) == (
        f"mqtts://localhost:{port}", "central", "central")
    assert central_args.password_file == central_config / "password"
    assert central_args.ca_file == central_config / "ca.crt"

    # The broker runs the configuration as written, and chair-2 connects with those settings.
    net = doc["network"]
    chair = bus_client(BusConfig(net["broker"], username=net["username"],
                                 password=loaded.password, ca_file=loaded.ca_file), "chair-2")
    inbox = Inbox()
    central = bus_client(BusConfig(net["broker"], username="central",
                                   password=passwords["central"],
                                   ca_file=out / "stations/central/ca.crt"),
                         "central", on_message=inbox, subscribe=["infusion/chair/#"])
    connected(chair, central)
    def sent_and_heard() -> bool:   # again until heard: the central may subscribe later
        chair.publish("infusion/chair/chair-2/status", b"up")
        return b"up" in inbox.payloads()

    wait_until(sent_and_heard, "chair-2's status", interval=0.05)
    assert chair.status().state is BusState.CONNECTED
    chair.stop()
    central.stop()
    broker.stop()
    # Its persistence went where the configuration says.
    assert (out / "data" / "mosquitto.db").exists()


def test_the_acl_gives_each_account_its_own_topics(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "b"
    code, _, _ = setup(capsys, "--chairs", "2", "--chair-prefix", "bed", "--central", "desk",
                       "--topic-prefix", "site/ward-4", "--out", str(out))
    assert code == 0
    rules = [line for line in (out / "acl").read_text().splitlines()
             if line and not line.startswith("#")]
    assert rules == [
        "user bed1",
        "topic readwrite site/ward-4/chair/bed1/status",
        "topic write site/ward-4/chair/bed1/pcd01",
        "topic write site/ward-4/chair/bed1/pcd04",
        "topic write site/ward-4/chair/bed1/trend",
        "topic read site/ward-4/chair/bed1/command",
        "topic read site/ward-4/chair/bed1/confirm",
        "topic read site/ward-4/central/+/status",
        "user bed2",
        "topic readwrite site/ward-4/chair/bed2/status",
        "topic write site/ward-4/chair/bed2/pcd01",
        "topic write site/ward-4/chair/bed2/pcd04",
        "topic write site/ward-4/chair/bed2/trend",
        "topic read site/ward-4/chair/bed2/command",
        "topic read site/ward-4/chair/bed2/confirm",
        "topic read site/ward-4/central/+/status",
        "user desk",
        "topic read site/ward-4/chair/#",
        "topic write site/ward-4/chair/+/command",
        "topic write site/ward-4/chair/+/confirm",
        "topic readwrite site/ward-4/central/desk/#",   # its own presence too (twin_watch)
        # `network resend` beside each chair's console: its own account, what it sends only.
        "user bed1.resend",
        "topic write site/ward-4/chair/bed1/pcd01",
        "topic write site/ward-4/chair/bed1/pcd04",
        "user bed2.resend",
        "topic write site/ward-4/chair/bed2/pcd01",
        "topic write site/ward-4/chair/bed2/pcd04",
    ]


@pytest.mark.parametrize(("chairs", "queued"), [(1, 6000), (12, 72000)])
def test_the_broker_queue_is_sized_for_the_clinic(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], chairs: int, queued: int) -> None:
    out = tmp_path / "b"
    assert setup(capsys, "--chairs", str(chairs), "--out", str(out))[0] == 0
    conf = (out / "mosquitto.conf").read_text().splitlines()
    assert f"max_queued_messages {queued}" in conf
    # TLS on every interface unless --bind; nothing anonymous; persistence in the folder.
    assert "listener 8883" in conf
    assert {"allow_anonymous false", f"password_file {out}/passwd", f"acl_file {out}/acl",
            "persistence true", f"persistence_location {out}/data/"} <= set(conf)


@pytest.mark.parametrize(("args", "message"), [
    (["--chairs", "0"], "--chairs 0 is not allowed: 1-500"),
    (["--chairs", "many"], "argument --chairs: invalid int value: 'many'"),
    ([], "the following arguments are required: --chairs"),
    (["--chairs", "2", "--central", "front desk"],
     "central station name (--central) 'front desk' is not allowed: use 1-32 letters, digits"),
    (["--chairs", "2", "--central", "chair-2"], "--central 'chair-2' is also a chair's name"),
    # The operator typed a prefix, not a chair name (it said "chair name 'chair/1'").
    (["--chairs", "2", "--chair-prefix", "chair/"],
     "--chair-prefix 'chair/' is not allowed: the chair names are the prefix and a number "
     "(chair/1 ... chair/2), and a name is 1-32 letters, digits, '_' or '-' (it becomes a topic "
     "level and the broker user name); e.g. --chair-prefix chair-"),
    # Chair 12 is 33 characters: it said only "chair name '...-12' is not allowed".
    (["--chairs", "12", "--chair-prefix", "ward-4-treatment-room-ketamine-"],
     "--chair-prefix 'ward-4-treatment-room-ketamine-' is too long for 12 chairs: the chair "
     "names are the prefix and a number, at most 32 characters "
     "('ward-4-treatment-room-ketamine-12' has 33); use a prefix of at most 30 characters "
     "(e.g. --chair-prefix chair-)"),
    (["--chairs", "2", "--host", "broker clinic"],
     "--host 'broker clinic' is not a host name or IP address"),
    # Mosquitto would be given `listener 8883 notanip`; the chairs a certificate for no host.
    (["--chairs", "2", "--bind", "notanip"],
     "--bind 'notanip' is not an IP address: give one of the broker machine's own addresses "
     "(e.g. 192.168.1.10, 127.0.0.1 or fd00::5), or leave --bind out to listen on every "
     "interface"),
    (["--chairs", "2", "--bind", "999.1.1.1"], "--bind '999.1.1.1' is not an IP address"),
    (["--chairs", "2", "--host", "999.1.1.1"],
     "--host '999.1.1.1' is not a host name or IP address: a host name is letters, digits, '-' "
     "and '.', its last part not all digits (e.g. broker.clinic.lan); an IP address is four "
     "numbers 0-255 (e.g. 192.168.1.10) or IPv6 (e.g. fd00::5)"),
    # "Listen everywhere" typed as --host: every chair's kit said mqtts://0.0.0.0:8883, which
    # on the chair's computer is the chair itself (the review); no chair connects to a group.
    (["--chairs", "2", "--host", "0.0.0.0"],
     "--host '0.0.0.0' is the unspecified address (to a listener: every interface; dialled: the "
     "machine that dials it), not an address to connect to: --host is the broker's host name or "
     "address as the chairs connect to it (e.g. broker.clinic.lan or 192.168.1.10); --bind "
     "decides where the broker listens (leave it out: every interface)"),
    (["--chairs", "2", "--host", "::"], "--host '::' is the unspecified address"),
    (["--chairs", "2", "--host", "224.0.0.1"],
     "--host '224.0.0.1' is a multicast address (a group, not a host), not an address to "
     "connect to: --host is the broker's host name or address as the chairs connect to it"),
    (["--chairs", "2", "--host", "ff02::1"], "--host 'ff02::1' is a multicast address"),
    (["--chairs", "2", "--port", "70000"], "--port 70000 is not allowed: 1-65535"),
    (["--chairs", "2", "--topic-prefix", "infusion/#"],
     "--topic-prefix 'infusion/#' is not allowed: levels of letters, digits, '_' or '-' joined "
     "by '/'"),
    # ipaddress reads the %scope, and openssl then failed on the certificate's subjectAltName:
    # "openssl failed with exit code 1: ...X509V3_EXT_nconf_int...".
    # The review: the kits dialled one address and the broker listened on another; no chair
    # could connect and the summary said nothing. Mosquitto's `listener PORT ::` is IPv6 only
    # (it sets IPV6_V6ONLY: 127.0.0.1 was refused on it), so `::` is no IPv4 host's either.
    (["--chairs", "2", "--host", "10.0.0.5", "--bind", "10.0.0.6"],
     "--bind 10.0.0.6 does not reach --host 10.0.0.5: every chair's kit dials 10.0.0.5 and the "
     "broker would listen on 10.0.0.6 only, so no chair could connect; give --bind 10.0.0.5, "
     "or 0.0.0.0 (every IPv4 interface), or leave --bind out (every interface)"),
    (["--chairs", "2", "--host", "fd00::5", "--bind", "10.0.0.5"],
     "--bind 10.0.0.5 does not reach --host fd00::5: every chair's kit dials fd00::5 and the "
     "broker would listen on 10.0.0.5 only, so no chair could connect; give --bind fd00::5, or "
     ":: (every IPv6 interface), or leave --bind out (every interface)"),
    (["--chairs", "2", "--host", "fd00::5", "--bind", "0.0.0.0"],
     "--bind 0.0.0.0 does not reach --host fd00::5"),
    (["--chairs", "2", "--host", "10.0.0.5", "--bind", "::"],
     "--bind :: does not reach --host 10.0.0.5"),
    (["--chairs", "2", "--host", "10.0.0.5", "--bind", "127.0.0.1"],
     "--bind 127.0.0.1 does not reach --host 10.0.0.5"),
    # localhost dials this machine's loopback: the kits had been written for a broker on
    # 192.0.2.2 only, the note saying "chairs on other computers cannot connect" (a review).
    (["--chairs", "2", "--host", "localhost", "--bind", "192.0.2.2"],
     "--bind 192.0.2.2 does not reach --host localhost: every chair's kit dials localhost (this "
     "machine's loopback) and the broker would listen on 192.0.2.2 only, so no chair could "
     "connect; give --host this machine's name or address on the clinic network "
     "(192.0.2.2), or --bind 127.0.0.1, or leave --bind out (every interface)"),
    (["--chairs", "2", "--host", "fe80::1%eth0"],
     "--host 'fe80::1%eth0' is an IPv6 address with a scope (%eth0), which a certificate cannot "
     "name and other computers cannot dial: give the broker's host name (e.g. "
     "broker.clinic.lan) or an address without a scope (e.g. 192.168.1.10 or fd00::5)"),
])
def test_a_mistake_is_one_line_on_stderr_and_exit_code_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, printed, err = setup(capsys, *args, "--out", str(tmp_path / "b"))
    assert code == 2
    assert printed == ""
    assert err.count("\n") == 1
    assert err.startswith("infusion-console network setup: ")
    assert message in err
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(("args", "listener", "broker"), [
    (["--host", "10.0.0.5", "--bind", "10.0.0.5"], "listener 8883 10.0.0.5",
     "mqtts://10.0.0.5:8883"),
    (["--host", "broker.clinic.lan", "--bind", "::1"], "listener 8883 ::1",
     "mqtts://broker.clinic.lan:8883"),
    (["--host", "Broker-2.Clinic.lan"], "listener 8883", "mqtts://broker-2.clinic.lan:8883"),
    # The host's own address, or every interface of its family.
    (["--host", "10.0.0.5", "--bind", "0.0.0.0"], "listener 8883 0.0.0.0",
     "mqtts://10.0.0.5:8883"),
    (["--host", "FD00::5", "--bind", "fd00:0::5"], "listener 8883 fd00::5",
     "mqtts://[fd00::5]:8883"),
    (["--host", "fd00::5", "--bind", "::"], "listener 8883 ::", "mqtts://[fd00::5]:8883"),
])
def test_addresses_and_host_names_are_taken(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            args: list[str], listener: str, broker: str) -> None:
    out = tmp_path / "b"
    assert setup(capsys, "--chairs", "1", *args, "--out", str(out))[0] == 0
    assert listener in (out / "mosquitto.conf").read_text().splitlines()
    assert tomllib.loads((out / "stations" / "chair-1" / "network.toml").read_text())[
        "network"]["broker"] == broker


def test_a_host_name_longer_than_a_certificates_cn_gets_a_certificate_chairs_accept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        request: pytest.FixtureRequest) -> None:
    # The review: a 70-character name (RFC 1123 allows 253) stopped the set-up with openssl's
    # "Error adding subject name attribute": the host was the certificate's CN, which X.509
    # limits to 64. Clients check the subjectAltName, which names the host whole.
    host = "infusion-broker.ward-4.psychiatry.st-marys-hospital.health.example.org"
    assert len(host) == 70

    def set_up_and_start(port: int) -> tuple[Path, Broker]:
        out = tmp_path / f"clinic-broker-{port}"
        code, _, err = setup(capsys, "--chairs", "2", "--host", host, "--port", str(port),
                             "--bind", "127.0.0.1", "--out", str(out))
        assert (code, err) == (0, "")
        broker = Broker(tmp_path / f"run-{port}", port=port,
                        tls=TlsFiles(out / "ca.crt", out / "server.crt", out / "server.key"))
        request.addfinalizer(broker.stop)
        broker.start_with(out / "mosquitto.conf")
        return out, broker

    out, broker = on_a_free_port(set_up_and_start)
    kit = tomllib.loads((out / "stations" / "chair-1" / "network.toml").read_text())
    assert kit["network"]["broker"] == f"mqtts://{host}:{broker.port}"
    # The running broker's certificate, checked as a chair checks it (config.ca_context, which
    # the bus's TLS is made with) against that name: the name does not resolve here, so the
    # connection goes to 127.0.0.1 and the TLS layer is told the name.
    context = ca_context(out / "stations" / "chair-1" / "ca.crt")
    with socket.create_connection(("127.0.0.1", broker.port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=host) as tls:
        cert = tls.getpeercert()
    assert cert["subjectAltName"] == (("DNS", host),)
    assert (("commonName", broker_setup.SERVER_CN),) in cert["subject"]


@pytest.mark.parametrize(("args", "warned"), [
    ([], True),                                           # localhost, listening on every interface
    (["--bind", "127.0.0.1"], False),                     # a broker for this machine only
    (["--host", "broker.clinic.lan"], False),
])
def test_a_certificate_for_this_machine_only_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     args: list[str], warned: bool) -> None:
    # QA: the default certificate names only localhost while the broker listens on the network;
    # every chair on another computer failed TLS and the summary said nothing.
    code, printed, _ = setup(capsys, "--chairs", "1", *args, "--out", str(tmp_path / "b"))
    assert code == 0
    note = ("Note: the certificate names only localhost: chairs on other computers cannot connect "
            "to this broker. For a clinic, run the set-up again with --host and the broker's "
            "name (or address) on the clinic network.")
    assert (note in printed) is warned


@pytest.mark.parametrize("user", ["root", "clinic-it", None])
def test_a_set_up_as_root_says_the_broker_keeps_roots_rights(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        user: str | None) -> None:
    # The clinic IT audit: run as root, the set-up wrote `user root` without a word.
    # (None: a uid with no account name, as in a container; no `user` line, said in a comment.)
    monkeypatch.setattr(broker_setup, "file_owner", lambda: user)
    code, printed, _ = setup(capsys, "--chairs", "1", "--bind", "127.0.0.1", "--out",
                             str(tmp_path / "b"))
    assert code == 0
    conf = (tmp_path / "b" / "mosquitto.conf").read_text()
    users = [line for line in conf.splitlines() if line.startswith("user ")]
    assert users == ([f"user {user}"] if user else [])
    assert ("has no account name: start the broker as that uid" in conf) is (user is None)
    note = ("Note: set up as root, mosquitto.conf says `user root`: the broker keeps root's "
            "rights once started.")
    assert (note in printed) is (user == "root")


def test_a_set_up_after_su_names_the_account_that_owns_the_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    # The review: after `su` (without '-') or `sudo -E`, LOGNAME and USER are still the
    # caller's; the set-up wrote `user itadmin` while every secret it wrote belonged to root
    # (0600, folder 0700), and mosquitto started as root dropped to itadmin and stopped at once:
    # "Error: Unable to open pwfile". The `user` line names the files' owner.
    monkeypatch.setenv("LOGNAME", "nobody")
    monkeypatch.setenv("USER", "nobody")

    def set_up(port: int) -> Path:
        out = tmp_path / f"clinic-broker-{port}"
        code, _, err = setup(capsys, "--chairs", "2", "--host", "localhost", "--port",
                             str(port), "--bind", "127.0.0.1", "--out", str(out))
        assert (code, err) == (0, "")
        owner = pwd.getpwuid((out / "passwd").stat().st_uid).pw_name
        assert owner == pwd.getpwuid(os.geteuid()).pw_name
        assert [line for line in (out / "mosquitto.conf").read_text().splitlines()
                if line.startswith("user ")] == [f"user {owner}"]
        if os.geteuid() == 0:
            # Started as root, the broker drops to that account and runs the files as written
            # (the port taken meanwhile: set up again on another, tests/mosquitto.py).
            broker = Broker(tmp_path / f"run-{port}", port=port,
                            tls=TlsFiles(out / "ca.crt", out / "server.crt", out / "server.key"))
            request.addfinalizer(broker.stop)
            broker.start_with(out / "mosquitto.conf")
        return out

    on_a_free_port(set_up)


def test_an_existing_setup_is_never_overwritten(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "b"
    assert setup(capsys, "--chairs", "1", "--out", str(out))[0] == 0
    before = (out / "credentials.txt").read_text()

    code, _, err = setup(capsys, "--chairs", "1", "--out", str(out))

    assert code == 2
    assert err == (f"infusion-console network setup: {out} already exists and is not an empty "
                   "folder: choose another --out (a new set-up makes new passwords and a new "
                   "CA)\n")
    assert (out / "credentials.txt").read_text() == before


def test_the_command_line_runs_it_and_an_unknown_network_command_is_refused(
        tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "infusion-console"
    done = subprocess.run([str(script), "network", "setup", "--chairs", "1", "--out",
                           str(tmp_path / "b")], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert (tmp_path / "b" / "mosquitto.conf").exists()

    done = subprocess.run([str(script), "network", "bridge"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, check=False)
    assert done.returncode == 2
    assert done.stderr == ("infusion-console network: unknown command 'bridge'; the ones there "
                           "are: setup, undelivered, resend (infusion-console network --help)\n")


def test_the_longest_chair_name_is_the_buses_limit() -> None:
    # The set-up's message says the limit (broker_setup.MAX_NAME); the bus decides it.
    limit = broker_setup.MAX_NAME
    assert is_station_name("c" * limit) and not is_station_name("c" * (limit + 1))


@pytest.mark.parametrize(("args", "warned"), [
    (["--host", "broker.clinic.lan", "--bind", "127.0.0.1"], True),
    (["--host", "broker.clinic.lan", "--bind", "::1"], True),
    (["--host", "10.0.0.5", "--bind", "10.0.0.5"], False),
    (["--host", "broker.clinic.lan"], False),               # every interface
    (["--bind", "127.0.0.1"], False),                       # a broker for this machine only
])
def test_a_clinic_host_on_a_loopback_listener_is_said(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        args: list[str], warned: bool) -> None:
    # The review: the kits said mqtts://broker.clinic.lan:8883 and the broker listened on
    # 127.0.0.1 only; every chair on another computer was refused its connection, nothing said.
    monkeypatch.setattr(broker_setup, "file_owner", lambda: "clinic-it")   # no root note
    code, printed, _ = setup(capsys, "--chairs", "1", *args, "--out", str(tmp_path / "b"))
    assert code == 0
    bind = args[-1]
    note = (f"Note: the broker listens on {bind} only (--bind), which other computers cannot "
            "reach: the chairs' kits name broker.clinic.lan, and only a chair on this machine "
            "can connect. For a clinic, run the set-up again with --bind and this machine's "
            "address on the clinic network, or without --bind (every interface).")
    assert (note in printed) is warned, printed
    assert ("\nNote:" in printed) is warned, printed


def test_the_printed_start_command_runs_as_written_from_a_folder_with_a_space(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The review: "start it with: mosquitto -c /.../Clinic IT/clinic-broker/mosquitto.conf"
    # gave mosquitto three arguments.
    out = tmp_path / "Clinic IT" / "clinic-broker"
    code, printed, _ = setup(capsys, "--chairs", "1", "--bind", "127.0.0.1", "--out", str(out))
    assert code == 0
    # By its full path: Debian's PATH for an account that is not root has no /usr/sbin (the
    # review: "mosquitto: command not found" for the account the set-up is to be run as).
    expected = [mosquitto_binary(), "-c", str(out / "mosquitto.conf")]
    assert Path(expected[0]).is_absolute()
    line = next(li for li in printed.splitlines() if "start it with:" in li)
    assert shlex.split(line.split("start it with:", 1)[1]) == expected, line
    conf = (out / "mosquitto.conf").read_text()
    line = next(li for li in conf.splitlines() if li.startswith("# Start it with:"))
    assert shlex.split(line.removeprefix("# Start it with:")) == expected, line


def test_the_set_up_writes_a_systemd_unit_that_starts_the_broker_at_boot(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The review: the README's `mosquitto -c ...` runs the broker in a terminal, the bootstrap
    # disables the distribution's service, and after a reboot no chair could connect. The
    # unit is written, not installed (that needs root); systemd's own checker reads it here.
    monkeypatch.setattr(broker_setup, "file_owner", lambda: "clinic-it")
    out = tmp_path / "Clinic IT" / "clinic-broker%1"   # a space, and systemd's specifier sign
    code, printed, _ = setup(capsys, "--chairs", "1", "--out", str(out))
    assert code == 0
    unit = out / "clinic-broker.service"
    lines = unit.read_text().splitlines()
    exec_start = next(li for li in lines if li.startswith("ExecStart="))
    assert shlex.split(exec_start.removeprefix("ExecStart=").replace("%%", "%")) == [
        mosquitto_binary(), "-c", str(out / "mosquitto.conf")]
    assert "User=clinic-it" in lines           # the files' owner, as mosquitto.conf's `user`
    assert "Restart=on-failure" in lines and "WantedBy=multi-user.target" in lines
    line = next(li for li in printed.splitlines() if "clinic-broker.service" in li)
    assert shlex.split(line.split("install it:", 1)[1]) == [
        "sudo", "cp", str(unit), "/etc/systemd/system/", "&&", "sudo", "systemctl",
        "daemon-reload", "&&", "sudo", "systemctl", "enable", "clinic-broker", "&&", "sudo",
        "systemctl", "restart", "clinic-broker"]   # a renewal's broker is already running
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:   # the unit file's syntax, and that ExecStart's program is there
        done = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True,
                              timeout=60, check=False)
        assert (done.returncode, done.stderr) == (0, ""), done.stderr


def test_the_readme_clinic_set_up_runs_each_command_where_an_ordinary_account_finds_it() -> None:
    # The review: the README's block typed as written gave "infusion-console: command not found"
    # (the command is in the venv's bin/) and "mosquitto: command not found" (/usr/sbin is on no
    # PATH of an account that is not root on Debian, the account the set-up is to be run as).
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("**Setting a clinic up**", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    firsts = {shlex.split(c)[0] for c in commands if c}
    assert firsts <= {"./run.sh", "/usr/sbin/mosquitto", "sudo", "mkdir", "ln"}, firsts
    assert "./run.sh" in firsts and "/usr/sbin/mosquitto" in firsts
    for command in commands:   # a running broker is restarted with a renewal's new files
        assert "enable --now" not in command, command
