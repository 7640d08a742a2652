"""`infusion-console network undelivered` and `network resend` (console/network/resend.py): a
message the engine refused, or the broker refused, is listed with its control id, session, kind
and reason, and once the channel is fixed is sent again with the same control id, its answer a
new deliveries row (the log stays append-only and its chains verify).

Against real peers: python-hl7's MLLP server and the broker `network setup` configures (TLS,
accounts, ACL). Every wait for a peer is on a condition with a deadline.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import ssl
from pathlib import Path

import pytest

from console import cli
from console.network.broker_setup import make_certificates
from console.network.config import NetworkConfig
from console.network.mqtt_bus import BusState
from tests.mosquitto import wait_until
from tests.network.conftest import Clinic, MakeClient
from tests.network.mllp_peer import HOST, MllpPeer, Reply
from tests.network.test_bus_security import answered
from tests.network.test_link import Chair, Heard, engine_config
from tests.network.test_mqtt_bus import connected


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    """`infusion-console network ...` as the IT person types it: (exit status, stdout, stderr)."""
    code = cli.main(["network", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def deliveries(db: Path, destination: str) -> dict[str, list[tuple[str, str]]]:
    """Each message's (outcome, detail) rows at `destination`, in the order they were written."""
    found: dict[str, list[tuple[str, str]]] = {}
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "SELECT o.control_id, d.outcome, d.detail FROM deliveries d JOIN outbox o "
            "ON o.id = d.outbox_id WHERE d.destination = ? ORDER BY d.id", [destination]
        ).fetchall()
    for control_id, outcome, detail in rows:
        found.setdefault(control_id, []).append((outcome, detail))
    return found


def test_a_message_the_engine_refused_is_listed_and_resent_with_its_control_id_once_fixed(
        tmp_path: Path, reserved_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    refusing = [True]   # the engine's channel, before and after IT fixes it
    peer = MllpPeer(reserved_port, lambda cid, seen: Reply("AR", text="unknown patient")
                    if refusing[0] else Reply("AA"))
    db = tmp_path / "log.sqlite3"
    try:
        peer.listen()
        chair = Chair(db, engine_config(reserved_port))
        chair.reading("heart_rate", 72)
        wait_until(lambda: (chair.pump(), len(deliveries(db, "engine"))
                            == len(chair.outbox_ids()))[1], "every message refused")
        refused = chair.outbox_ids()
        chair.close()

        # Listed with what IT needs to find it at the engine, and what to run.
        code, out, _ = run(capsys, "undelivered", "--db", db)
        assert code == 0
        lines = out.splitlines()
        assert lines[0] == f"{len(refused)} message{'s' if len(refused) > 1 else ''} refused " \
                           f"or given up in {db}, oldest first:"
        assert lines[1].split()[:6] == ["control", "id", "session", "kind", "to", "tries"]
        rows = [line.split() for line in lines[2:2 + len(refused)]]
        assert [row[:5] for row in rows][0] == [refused[0], "1", "pcd01", "engine", "1"]
        assert [row[0] for row in rows] == refused
        assert all("with AR (unknown patient)" in line for line in lines[2:2 + len(refused)])
        assert "infusion-console network resend --all" in out

        # The channel is fixed: sent again, the same control ids, each answer a new row.
        refusing[0] = False
        settings = tmp_path / "network.toml"
        settings.write_text(f'[network]\nforward = "mllp://{HOST}:{reserved_port}"\n'
                            'chair = "chair-3"\n')
        sent_before = len(peer.received)
        code, out, err = run(capsys, "resend", "--all", "--db", db, "--network-config", settings)
        assert (code, err) == (0, "")
        assert out.splitlines()[-1] == f"{len(refused)} of {len(refused)} delivered"
        assert out.splitlines()[0] == f"{refused[0]} (pcd01, session 1) to engine: delivered"
        assert peer.received[sent_before:] == refused

        rows_by_id = deliveries(db, "engine")
        assert [[outcome for outcome, _ in rows_by_id[cid]] for cid in refused] == \
            [["failed", "delivered"]] * len(refused)
        code, out, _ = run(capsys, "undelivered", "--db", db)
        assert out.startswith("No message was refused or given up")
        assert cli.main(["verify", "--db", str(db)]) == cli.VERIFY_OK
    finally:
        peer.close()


def test_the_engines_refusal_alarm_ends_once_resend_delivers_beside_the_running_console(
        tmp_path: Path, reserved_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    # The alarm stands while the EHR lacks the refused messages, through later deliveries, and
    # ends when `network resend` delivers them, without a restart: as for the broker's refusals.
    # (Before, the next delivery of any message ended it, resent or not.)
    refusing = [True]
    peer = MllpPeer(reserved_port, lambda cid, seen: Reply("AR", text="unknown patient")
                    if refusing[0] else Reply("AA"))
    db = tmp_path / "log.sqlite3"
    peer.listen()
    running = Chair(db, engine_config(reserved_port))
    try:
        running.reading("heart_rate", 72)
        wait_until(lambda: (running.pump(), running.network_alarm() is not None)[1], "the alarm")
        refusing[0] = False   # IT has the patient added at the EHR
        running.reading("heart_rate", 73)
        wait_until(lambda: (running.pump(), "delivered" in [o for rows in deliveries(
            db, "engine").values() for o, _ in rows])[1], "a later message delivered")
        running.clock.advance(5)
        running.pump()
        assert running.network_alarm() == ("low", "Interface engine refused a message")

        settings = tmp_path / "network.toml"
        settings.write_text(f'[network]\nforward = "mllp://{HOST}:{reserved_port}"\n'
                            'chair = "chair-3"\n')
        code, out, err = run(capsys, "resend", "--all", "--db", db, "--network-config", settings)
        assert (code, err) == (0, ""), out
        running.clock.advance(5)   # REFUSALS_CHECK_S: the console looks in its log
        running.pump()
        assert running.network_alarm() is None
    finally:
        running.close()
        peer.close()
    assert cli.main(["verify", "--db", str(db)]) == cli.VERIFY_OK


def test_resend_checks_the_engines_certificate_against_forward_ca_file_and_names_a_tls_failure(
        tmp_path: Path, reserved_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    # The review: the chair's kit has the clinic's broker CA as ca_file and the hospital's engine
    # CA as forward_ca_file. The console sends to the engine over mllps:// with the latter;
    # resend checked the engine's certificate against ca_file, so every message it sent again
    # stayed "no answer within 10 s ... (check the connection)", however often it was run.
    engine_pki, broker_pki = tmp_path / "engine-pki", tmp_path / "broker-pki"
    engine_pki.mkdir()
    broker_pki.mkdir()
    engine_ca, cert, key = make_certificates(engine_pki, "localhost")
    broker_ca, _, _ = make_certificates(broker_pki, "localhost")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    refusing = [True]
    peer = MllpPeer(reserved_port, lambda cid, seen: Reply("AR", text="unknown patient")
                    if refusing[0] else Reply("AA"), tls=server)
    db = tmp_path / "log.sqlite3"
    url = f"mllps://localhost:{reserved_port}"
    try:
        peer.listen()
        # The console itself checks the engine's certificate against forward_ca_file.
        chair = Chair(db, NetworkConfig(forward=url, chair="chair-3", room="Room 3",
                                        ca_file=broker_ca, forward_ca_file=engine_ca))
        chair.reading("heart_rate", 72)
        wait_until(lambda: (chair.pump(), len(deliveries(db, "engine"))
                            == len(chair.outbox_ids()))[1], "the engine's AR over TLS logged")
        refused = chair.outbox_ids()
        assert all(outcome == "failed" and "AR" in detail
                   for rows in deliveries(db, "engine").values() for outcome, detail in rows)
        chair.close()
        refusing[0] = False   # the channel is fixed

        # Without forward_ca_file the engine's certificate is checked against ca_file (the
        # broker's CA): the handshake fails, and resend says so, not "no answer".
        settings = tmp_path / "network.toml"
        settings.write_text(f'[network]\nforward = "{url}"\nchair = "chair-3"\n'
                            f'ca_file = "{broker_ca}"\n')
        code, out, err = run(capsys, "resend", "--all", "--db", db, "--network-config", settings,
                             "--wait", "2")
        assert (code, err) == (1, "")
        first = out.splitlines()[0]
        assert first.startswith(f"{refused[0]} (pcd01, session 1) to engine: no answer within "
                                f"2 s: cannot connect to the MLLP peer localhost:{reserved_port}: "
                                "TLS certificate not accepted ("), first
        assert first.endswith("); nothing recorded, it stays listed: run this again once that "
                              "is fixed"), first
        assert [o for rows in deliveries(db, "engine").values() for o, _ in rows] == \
            ["failed"] * len(refused)   # nothing recorded

        # With it, as the console reads it: delivered.
        settings.write_text(settings.read_text() + f'forward_ca_file = "{engine_ca}"\n')
        code, out, err = run(capsys, "resend", "--all", "--db", db, "--network-config", settings,
                             "--wait", "10")
        assert (code, err, out.splitlines()[-1]) == (
            0, "", f"{len(refused)} of {len(refused)} delivered"), out
        assert peer.received[-len(refused):] == refused
    finally:
        peer.close()


def refused_by_the_broker(db: Path, clinic: Clinic) -> tuple[Chair, str]:
    """chair-3 run with chair-2's kit: the broker's ACL refuses everything it writes. The chair
    still runs; (the chair, the refused message's control id)."""
    wrong = chair_with(db, clinic, "chair-2")
    wrong.reading("heart_rate", 72)
    wait_until(lambda: (wrong.pump(), bool(deliveries(db, "bus")))[1], "the refusal logged")
    [(refused, rows)] = deliveries(db, "bus").items()
    assert rows == [("failed", "refused by the broker: not authorised")]
    assert "to send" not in wrong.link.state_text()   # it is not waiting to be sent
    return wrong, refused


def chair_with(db: Path, clinic: Clinic, account: str) -> Chair:
    return Chair(db, NetworkConfig(broker=clinic.url, chair="chair-3", room="Room 3",
                                   username=account, password=clinic.password(account),
                                   ca_file=clinic.ca_file))


def test_a_message_the_broker_refused_is_resent_on_request_beside_the_running_console(
        tmp_path: Path, clinic: Clinic, bus_client: MakeClient,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "log.sqlite3"
    running, refused = refused_by_the_broker(db, clinic)
    heard = Heard()
    bus_client(clinic.config(clinic.central), "central-resend-test",
               subscribe=["infusion/chair/chair-3/pcd01"], on_message=heard)
    bus = running.link.bus
    assert bus is not None
    states: list[str] = []
    shown = bus._on_status
    bus._on_status = lambda status: (states.append(status.state.name), shown and shown(status))
    try:
        running.clock.advance(11)
        running.pump()
        assert running.network_alarm() == ("low", "Clinic bus not confirming delivery")
        code, out, _ = run(capsys, "undelivered", "--db", db)
        assert code == 0
        [row] = [line for line in out.splitlines() if line.startswith(refused)]
        assert row.split()[:5] == [refused, "1", "pcd01", "bus", "1"]
        assert row.endswith("refused by the broker: not authorised")

        # IT runs it with the chair's own kit, the console still running: no restart needed.
        kit = clinic.files / "stations" / "chair-3" / "network.toml"
        code, out, err = run(capsys, "resend", refused, "--db", db, "--network-config", kit)
        assert (code, err) == (0, ""), out
        assert out.splitlines() == [f"{refused} (pcd01, session 1) to bus: delivered",
                                    "1 of 1 delivered"]
        heard.wait_for(lambda: refused in heard.control_ids("pcd01"), "the message resent")
        # Its own client id: the console kept its connection all along.
        assert "DISCONNECTED" not in states and bus.status().state.name == "CONNECTED"
        assert [o for o, _ in deliveries(db, "bus")[refused]] == ["failed", "delivered"]
        # The running console sees the delivery in its log: the central station has the
        # message, and the bus's alarm for it ends without a restart.
        running.clock.advance(5)
        running.pump()
        assert running.network_alarm() is None
    finally:
        running.close()
    assert cli.main(["verify", "--db", str(db)]) == cli.VERIFY_OK



def test_a_resend_beside_the_chairs_own_connection_leaves_it_connected(
        tmp_path: Path, clinic: Clinic, bus_client: MakeClient,
        capsys: pytest.CaptureFixture[str]) -> None:
    # The set-up's broker makes each client id its account's (use_username_as_clientid, so no
    # account can take another's session): resend on the chair's own account would take the
    # running console's connection, the chair offline at the central station meanwhile. The kit
    # gives resend an account of its own (resend_username), allowed what it sends.
    db = tmp_path / "log.sqlite3"
    wrong, refused = refused_by_the_broker(db, clinic)
    wrong.close()
    states: list[BusState] = []
    console = bus_client(clinic.config("chair-3"), "chair-chair-3",
                         on_status=lambda status: states.append(status.state))
    connected(console)
    kit = clinic.files / "stations" / "chair-3" / "network.toml"
    code, out, err = run(capsys, "resend", refused, "--db", db, "--network-config", kit)
    assert (code, err) == (0, ""), out
    assert out.splitlines()[0] == f"{refused} (pcd01, session 1) to bus: delivered"
    # Once the console's own message is answered, a disconnection before it would have been seen.
    answered(console, "infusion/chair/chair-3/status", b"online")
    assert BusState.DISCONNECTED not in states, states



def test_a_kit_without_a_resend_account_sends_nothing_on_the_bus_and_says_why(
        tmp_path: Path, clinic: Clinic, capsys: pytest.CaptureFixture[str]) -> None:
    # A kit written before the set-up gave resend an account: on the chair's own, resend would
    # take the running console's connection. Nothing is done; the console's next start sends it.
    db = tmp_path / "log.sqlite3"
    wrong, refused = refused_by_the_broker(db, clinic)
    wrong.close()
    kit = tmp_path / "kit"
    shutil.copytree(clinic.files / "stations" / "chair-3", kit)
    toml = kit / "network.toml"
    toml.write_text("".join(line for line in toml.read_text().splitlines(keepends=True)
                            if not line.startswith("resend_")))
    code, out, err = run(capsys, "resend", "--all", "--db", db, "--network-config", toml)
    assert (code, out) == (2, "")
    assert err == (
        f"infusion-console network resend: a message failed on the bus is to be sent again, but "
        f"{toml} names no account for resend (resend_username, resend_password_file): on the "
        "chair's own, the broker would give this command the running console's connection. "
        "Give resend an account of its own (network setup writes <chair>.resend into each "
        "kit), or restart the chair's console, which sends them at its start; or name only "
        "the other messages\n")
    assert deliveries(db, "bus")[refused] == [("failed", "refused by the broker: not authorised")]


def test_a_resend_to_a_broker_whose_certificate_is_not_accepted_says_so(
        tmp_path: Path, clinic: Clinic, capsys: pytest.CaptureFixture[str]) -> None:
    # A kit whose ca.crt is another CA's: resend names the broker and the TLS cause, not "no
    # answer (check the connection)", and records nothing.
    db = tmp_path / "log.sqlite3"
    running, refused = refused_by_the_broker(db, clinic)
    running.close()
    kit = tmp_path / "kit"
    shutil.copytree(clinic.files / "stations" / "chair-3", kit)
    other = tmp_path / "other-pki"
    other.mkdir()
    other_ca, _, _ = make_certificates(other, "localhost")
    shutil.copyfile(other_ca, kit / "ca.crt")
    code, out, err = run(capsys, "resend", refused, "--db", db, "--network-config",
                         kit / "network.toml", "--wait", "2")
    assert (code, err) == (1, "")
    first = out.splitlines()[0]
    assert first.startswith(f"{refused} (pcd01, session 1) to bus: no answer within 2 s: "
                            f"{clinic.url}: TLS certificate not accepted ("), first
    assert f"check ca_file (now {kit / 'ca.crt'})" in first
    assert first.endswith("; nothing recorded, it stays listed: run this again once that is "
                          "fixed"), first
    assert deliveries(db, "bus")[refused] == [("failed", "refused by the broker: not authorised")]


def test_a_message_the_broker_refused_goes_again_at_the_next_start(
        tmp_path: Path, clinic: Clinic, bus_client: MakeClient) -> None:
    # The ACL is the clinic's to fix: restarted with its own kit, the chair sends what the broker
    # refused, with its control id, and the central station has it at last.
    db = tmp_path / "log.sqlite3"
    wrong, refused = refused_by_the_broker(db, clinic)
    wrong.close()
    heard = Heard()
    bus_client(clinic.config(clinic.central), "central-restart-test",
               subscribe=["infusion/chair/chair-3/pcd01"], on_message=heard)
    right = chair_with(db, clinic, "chair-3")
    try:
        heard.wait_for(lambda: refused in heard.control_ids("pcd01"), "sent again at the start")
        wait_until(lambda: (right.pump(), [o for o, _ in deliveries(db, "bus")[refused]]
                            == ["failed", "delivered"])[1], "its delivery logged")
    finally:
        right.close()


@pytest.mark.parametrize(("argv", "said"), [
    (["resend"], "name the messages to send again (their control ids, as `infusion-console "
                 "network undelivered` lists them), or give --all; not both"),
    (["resend", "--all", "abc-1"], "or give --all; not both"),
    (["resend", "abc-1234-7"], "abc-1234-7: not a message refused or given up in {db} "
                               "(`infusion-console network undelivered` lists them; one "
                               "delivered since is not listed)"),
    (["resend", "--all", "--wait", "0"], "--wait 0: give a number of seconds above 0"),
    # A wait beyond the platform's time_t ended in an OverflowError traceback (the review).
    *((["resend", "--all", "--wait", wait], f"--wait {said}: give a number of seconds above 0 "
                                             "and at most 86400 (24 h)")
      for wait, said in (("inf", "inf"), ("1e10", "1e+10"), ("nan", "nan"), ("86401", "86401"))),
])
def test_a_resend_that_cannot_be_done_says_why_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str) -> None:
    db = tmp_path / "log.sqlite3"
    Chair(db, NetworkConfig()).close()   # a log with a session, nothing sent
    code, out, err = run(capsys, *argv, "--db", db)
    assert code == 2 and out == ""
    assert err.startswith("infusion-console network resend: ") and err.count("\n") == 1
    assert said.format(db=db) in err


def test_without_a_log_the_commands_name_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("undelivered", "resend"):
        code, out, err = run(capsys, command, *(["--all"] if command == "resend" else []),
                             "--db", tmp_path / "none.sqlite3")
        assert (code, out) == (2, "")
        assert err == (f"infusion-console network {command}: no session log at "
                       f"{tmp_path / 'none.sqlite3'}: give the chair's log with --db\n")
        assert not (tmp_path / "none.sqlite3").exists()
