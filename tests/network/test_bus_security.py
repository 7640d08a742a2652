"""R13: the clinic bus lets in only its own stations, each only on its own topics, over TLS.

Against the broker exactly as `infusion-console network setup --chairs 3` configures it (the
`clinic` fixture runs Mosquitto with the mosquitto.conf, passwd, acl and certificates it wrote).
Run them alone with `-k R13`.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from console.network import broker_setup
from console.network.mqtt_bus import BusClient, BusConfig, BusState
from tests.mosquitto import Broker, TlsFiles, wait_until
from tests.network.conftest import Clinic, MakeClient
from tests.network.raw_mllp_peer import RawPeer
from tests.network.test_mllp_sender import client_certificate_wanted
from tests.network.test_mqtt_bus import Inbox, connected, state_is


def central_inbox(clinic: Clinic, bus_client: MakeClient) -> tuple[BusClient, Inbox]:
    inbox = Inbox()
    central = bus_client(clinic.config(clinic.central), "central", on_message=inbox,
                         subscribe=[f"{clinic.prefix}/chair/#"])
    connected(central)
    return central, inbox


def test_R13_a_client_without_credentials_is_refused_and_told_why(
        clinic: Clinic, bus_client: MakeClient) -> None:
    stranger = bus_client(clinic.config(None), "stranger")

    state_is(stranger, BusState.REFUSED)
    assert stranger.status().detail == (
        f"broker {clinic.url} refused the connection: not authorised (no user name was given: "
        "set username and password_file)")


def test_R13_a_wrong_password_is_refused_naming_the_account(
        clinic: Clinic, bus_client: MakeClient) -> None:
    chair = bus_client(clinic.config("chair-1", password="guessed"), "chair-1")

    state_is(chair, BusState.REFUSED)
    assert chair.status().detail == (
        f"broker {clinic.url} refused the connection: not authorised (check the user name "
        "'chair-1' and its password)")
    assert "guessed" not in chair.status().detail


def test_R13_chair_2_cannot_publish_as_chair_3(clinic: Clinic, bus_client: MakeClient) -> None:
    central, inbox = central_inbox(clinic, bus_client)
    chair2 = bus_client(clinic.config("chair-2"), "chair-2")
    connected(chair2)
    delivered: list[str] = []
    forged = f"{clinic.prefix}/chair/chair-3/pcd04"
    own = f"{clinic.prefix}/chair/chair-2/pcd04"

    refused: list[str] = []
    for n in (1, 2):   # the second to the same topic was taken for a delivery (a code review)
        chair2.publish(forged, b"forged alarm", on_delivered=lambda n=n: delivered.append(
            f"forged {n}"), on_refused=lambda why, n=n: refused.append(f"forged {n}: {why}"))
    chair2.publish(own, b"own alarm", on_delivered=lambda: delivered.append("own"))

    # The broker handles one client's messages in order: once the second is at the central,
    # the first would have been too.
    wait_until(lambda: inbox.payloads(own) == [b"own alarm"], "chair-2's own message")
    assert inbox.payloads(forged) == []
    # The broker forwards a message before it PUBACKs it: chair-2 hears last (its answers come
    # in order, so once its own is confirmed the two refusals were read too).
    wait_until(lambda: delivered == ["own"], "chair-2's PUBACK for its own message")
    # chair-2 learns its message was refused and why (MQTT 5 PUBACK reason code), it is not
    # "delivered" and not kept for resending; the status counts every one since the start.
    assert delivered == ["own"]
    assert refused == ["forged 1: not authorised", "forged 2: not authorised"]
    assert chair2.status().unconfirmed == 0
    assert chair2.status().detail == (
        f"connected to {clinic.url} as chair-2; 2 messages refused by the broker since the "
        f"start (2 on this connection), the last to {forged}: not authorised (check that this "
        "station's name matches its account, and the broker's ACL)")


def test_R13_a_chair_cannot_confirm_its_own_alarms_or_command_itself(
        clinic: Clinic, bus_client: MakeClient) -> None:
    central, inbox = central_inbox(clinic, bus_client)
    chair1 = bus_client(clinic.config("chair-1"), "chair-1")
    connected(chair1)

    for kind in ("confirm", "command"):
        chair1.publish(f"{clinic.prefix}/chair/chair-1/{kind}", b"self-made")
    chair1.publish(f"{clinic.prefix}/chair/chair-1/status", b"marker")

    wait_until(lambda: b"marker" in inbox.payloads(), "chair-1's status")
    assert b"self-made" not in inbox.payloads()
    wait_until(lambda: "2 messages refused by the broker since the start" in chair1.status().detail,
               "chair-1's refusals read")


def test_R13_the_central_commands_a_chair_and_the_chair_hears_only_its_own(
        clinic: Clinic, bus_client: MakeClient) -> None:
    heard1, heard2 = Inbox(), Inbox()
    chair1 = bus_client(clinic.config("chair-1"), "chair-1", on_message=heard1,
                        subscribe=[f"{clinic.prefix}/chair/+/command"])
    chair2 = bus_client(clinic.config("chair-2"), "chair-2", on_message=heard2,
                        subscribe=[f"{clinic.prefix}/chair/+/command"])
    central = bus_client(clinic.config(clinic.central), "central")
    connected(chair1, chair2, central)

    delivered: list[str] = []
    for chair in ("chair-2", "chair-1"):
        central.publish(f"{clinic.prefix}/chair/{chair}/command", chair.encode(),
                        on_delivered=lambda c=chair: delivered.append(c))  # type: ignore[misc]

    wait_until(lambda: heard1.payloads() == [b"chair-1"], "chair-1's command")
    wait_until(lambda: heard2.payloads() == [b"chair-2"], "chair-2's command")
    # chair-1 subscribed to every chair's commands but the ACL gives it its own only (and
    # chair-2's command was sent before chair-1's).
    assert heard1.payloads() == [b"chair-1"]
    # The broker's PUBACK reaches the central after it forwarded the message to the chair:
    # waited for, not assumed (CI saw chair-1's command heard before its PUBACK came back).
    wait_until(lambda: sorted(delivered) == ["chair-1", "chair-2"], "both commands confirmed")


def test_R13_a_good_tls_connection_with_the_generated_ca_carries_the_status(
        clinic: Clinic, bus_client: MakeClient) -> None:
    central, inbox = central_inbox(clinic, bus_client)
    chair3 = bus_client(clinic.config("chair-3"), "chair-3")

    connected(chair3)
    assert clinic.url.startswith("mqtts://localhost:")
    assert chair3.status().detail == f"connected to {clinic.url} as chair-3"
    chair3.publish(f"{clinic.prefix}/chair/chair-3/status", b'{"online": true}', retain=True)
    wait_until(lambda: inbox.payloads(f"{clinic.prefix}/chair/chair-3/status")
               == [b'{"online": true}'], "chair-3's status at the central")


def test_R13_a_broker_certificate_from_another_ca_is_refused_with_a_clear_cause(
        clinic: Clinic, bus_client: MakeClient, tmp_path: Path) -> None:
    # Another clinic's set-up: a different CA that did not sign this broker's certificate.
    other = tmp_path / "other"
    assert broker_setup.main(["setup", "--chairs", "1", "--out", str(other)]) == 0
    chair = bus_client(clinic.config("chair-1", ca_file=other / "ca.crt"), "chair-1")

    state_is(chair, BusState.REFUSED)
    # OpenSSL's words depend on whether the broker sends its CA along with its certificate.
    assert re.fullmatch(
        re.escape(f"{clinic.url}: TLS certificate not accepted (") +
        r"(self-signed certificate in certificate chain|unable to get local issuer certificate)" +
        re.escape(f"): check ca_file (now {other / 'ca.crt'})"), chair.status().detail)
    # The network thread lives on (it retries, so a corrected CA on the broker is picked up)
    # and stops cleanly.
    assert any(t.name == "paho-mqtt-client-chair-1" for t in threading.enumerate())
    chair.stop(timeout=1.0)
    assert chair.status().state is BusState.STOPPED


def test_R13_without_the_clinic_ca_the_system_cas_do_not_trust_the_broker(
        clinic: Clinic, bus_client: MakeClient) -> None:
    chair = bus_client(clinic.config("chair-1", ca_file=None), "chair-1")

    state_is(chair, BusState.REFUSED)
    assert chair.status().detail.startswith(f"{clinic.url}: TLS certificate not accepted (")
    assert chair.status().detail.endswith(
        "check ca_file (none given: the system's CAs were used)")


def test_R13_a_host_name_the_certificate_does_not_name_is_refused(
        clinic: Clinic, bus_client: MakeClient) -> None:
    # The certificate is for "localhost"; 127.0.0.1 is the same machine but not that name.
    url = f"mqtts://127.0.0.1:{clinic.broker.port}"
    chair = bus_client(clinic.config("chair-1", url=url), "chair-1")

    state_is(chair, BusState.REFUSED)
    assert chair.status().detail.startswith(
        f"{url}: TLS certificate not accepted (IP address mismatch")
    # What to fix is the address's host name, not the CA file (QA: it said "check ca_file").
    assert chair.status().detail.endswith(
        "): its certificate is not made for '127.0.0.1'; put the host name it was made for in "
        "the address (`network setup --host` names it), or make its certificate for '127.0.0.1'")


def test_R13_the_broker_has_no_plain_listener(clinic: Clinic) -> None:
    conf = (clinic.files / "mosquitto.conf").read_text()
    listeners = [line for line in conf.splitlines() if line.startswith("listener ")]
    assert listeners == [f"listener {clinic.broker.port} 127.0.0.1"]
    assert "allow_anonymous false" in conf.splitlines()
    # And the port really speaks TLS only: a plain MQTT CONNECT gets no CONNACK.
    done = subprocess.run(
        ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(clinic.broker.port), "-u", "chair-1",
         "-P", clinic.password("chair-1"), "-t", f"{clinic.prefix}/chair/chair-1/status",
         "-m", "plain", "-q", "1"], capture_output=True, text=True, timeout=20, check=False)
    assert done.returncode != 0


def test_plain_mqtt_to_the_tls_port_says_so_rather_than_connecting_for_ever(
        clinic: Clinic, bus_client: MakeClient) -> None:
    # The IT audit: "connecting to mqtt://localhost:18883 as chair-3" stood with no reason.
    url = f"mqtt://localhost:{clinic.broker.port}"
    chair = bus_client(clinic.config("chair-1", url=url, ca_file=None), "chair-1")
    wait_until(lambda: "closed the connection before answering" in chair.status().detail,
               f"a reason ({chair.status().detail})")
    assert chair.status().detail == (
        f"the broker {url} closed the connection before answering; is it a TLS port? then the "
        "address is mqtts://; retrying")



def answered(client: BusClient, topic: str, payload: bytes) -> None:
    """Publish and wait for the broker's PUBACK: what the broker sent `client` before it (the
    messages it had queued for the session this connection resumed) has been read."""
    done: list[bool] = []
    client.publish(topic, payload, on_delivered=lambda: done.append(True),
                   on_refused=lambda why: done.append(False))
    wait_until(lambda: bool(done), f"the broker's answer to {client.client_id}'s {topic}")


def test_R13_a_chairs_account_cannot_take_the_alarms_queued_for_the_central_station(
        clinic: Clinic, bus_client: MakeClient) -> None:
    # The review: Mosquitto checks topics per account, not client ids. chair-2's account (its
    # kit is on a chair computer) connected with the central station's client id and a session
    # to resume, and took the central's: the alarm the broker had queued for the central while
    # it restarted was gone when it came back. The set-up's broker makes every client id its
    # account's (use_username_as_clientid).
    alarm = f"{clinic.prefix}/chair/chair-3/pcd04"
    central = bus_client(clinic.config(clinic.central), "central-central",
                         subscribe=[f"{clinic.prefix}/chair/#"], persistent_session=True)
    central.stop()   # away: a restart
    # chair-3 raises an alarm meanwhile: the broker queues it for the central's session.
    chair3 = bus_client(clinic.config("chair-3"), "chair-chair-3")
    answered(chair3, alarm, b"PCD-04 SpO2 82 start")
    # chair-2's account asks for the central's client id and its session.
    hijacker_heard = Inbox()
    hijacker = bus_client(clinic.config("chair-2"), "central-central", persistent_session=True,
                          on_message=hijacker_heard)
    connected(hijacker)
    answered(hijacker, f"{clinic.prefix}/chair/chair-2/status", b"online")
    hijacker.stop()
    assert hijacker_heard.payloads() == []

    # The central station comes back: the alarm queued for it is there.
    heard = Inbox()
    bus_client(clinic.config(clinic.central), "central-central", persistent_session=True,
               on_message=heard)
    wait_until(lambda: heard.payloads(alarm) == [b"PCD-04 SpO2 82 start"],
               "the alarm queued for the central station while it was away")


def test_R13_a_chairs_account_cannot_knock_another_chair_off_the_bus(
        clinic: Clinic, bus_client: MakeClient) -> None:
    # The review: chair-2's account with chair 3's client id took chair 3's connection, again
    # at each of their reconnections (its alarms off the central station meanwhile).
    states: list[BusState] = []
    chair3 = bus_client(clinic.config("chair-3"), "chair-chair-3",
                        on_status=lambda status: states.append(status.state))
    connected(chair3)
    intruder = bus_client(clinic.config("chair-2"), "chair-chair-3")
    connected(intruder)
    answered(intruder, f"{clinic.prefix}/chair/chair-2/status", b"online")
    # Once chair 3's own message is answered, a disconnection before it would have been seen.
    answered(chair3, f"{clinic.prefix}/chair/chair-3/status", b"online")
    assert BusState.DISCONNECTED not in states, states
    assert chair3.status().state is BusState.CONNECTED


def test_mqtts_to_a_plain_port_says_it_may_be_a_plain_port(
        clinic: Clinic, broker, bus_client: MakeClient) -> None:
    # The IT audit: mqtts:// to Mosquitto's plain 1883 said only "connection reset by peer".
    url = f"mqtts://localhost:{broker.port}"
    chair = bus_client(clinic.config("chair-1", url=url), "chair-1")
    wait_until(lambda: "TLS handshake" in chair.status().detail,
               f"a reason ({chair.status().detail})")
    assert chair.status().detail == (
        f"cannot connect to the broker {url}: connection reset by peer during the TLS "
        "handshake: is that port a TLS listener? a plain MQTT port (1883 by default) takes "
        "mqtt://, not mqtts://; retrying")


def test_a_broker_refusing_the_tls_handshake_is_named_not_called_a_plain_port(
        tmp_path: Path, bus_client: MakeClient) -> None:
    # A broker that wants a client certificate (Mosquitto's require_certificate over TLS 1.2)
    # answers the hello with the alert handshake_failure. The bus said "is that port a TLS
    # listener? a plain MQTT port (1883 by default) takes mqtt://, not mqtts://": IT was
    # steered to send patient data unencrypted to a listener plainly speaking TLS.
    ca, server = client_certificate_wanted(tmp_path)

    def wants_a_certificate(n: int, conn: socket.socket, peer: RawPeer) -> None:
        try:
            server.wrap_socket(conn, server_side=True).close()
        except OSError:
            pass

    peer = RawPeer(wants_a_certificate)
    url = f"mqtts://localhost:{peer.port}"   # the name its certificate is made for
    try:
        chair = bus_client(BusConfig(url, username="chair-1", password="x", ca_file=ca),
                           "chair-1")
        wait_until(lambda: "TLS" in chair.status().detail, f"a cause ({chair.status().detail})")
        assert chair.status().detail == (
            f"{url}: the broker refused the TLS handshake (TLS alert handshake failure): it may "
            "require a client certificate (the console has none) or a TLS version or cipher the "
            "console does not offer")
        # The broker said no: a setting must change (as a certificate not accepted).
        assert chair.status().state is BusState.REFUSED
    finally:
        peer.close()


def test_a_tls13_broker_wanting_a_client_certificate_is_named(
        tmp_path: Path, bus_client: MakeClient) -> None:
    # Over TLS 1.3 (Mosquitto 2's default) the client's handshake is over before the broker has
    # read its (empty) certificate: the alert comes on the first read, inside paho. It read "the
    # broker closed the connection before answering; retrying", nothing of a certificate.
    ca, server = client_certificate_wanted(tmp_path)
    server.minimum_version = server.maximum_version = ssl.TLSVersion.TLSv1_3

    def wants_a_certificate(n: int, conn: socket.socket, peer: RawPeer) -> None:
        try:   # the alert certificate_required, then the close, as Mosquitto does
            server.wrap_socket(conn, server_side=True).close()
        except OSError:
            pass

    peer = RawPeer(wants_a_certificate)
    url = f"mqtts://localhost:{peer.port}"
    try:
        chair = bus_client(BusConfig(url, username="chair-1", password="x", ca_file=ca),
                           "chair-1")
        state_is(chair, BusState.REFUSED)
        assert chair.status().detail == (
            f"{url}: the broker requires a client certificate (TLS alert certificate "
            "required): the console has none")
    finally:
        peer.close()


class _MutualTlsBroker(Broker):
    """Mosquitto as a clinic runs it for mutual TLS (its own TLS versions: 1.3 offered)."""

    def config_text(self) -> str:
        return super().config_text() + "require_certificate true\n"


def test_a_mosquitto_requiring_a_client_certificate_is_named(
        tmp_path: Path, bus_client: MakeClient) -> None:
    (tmp_path / "pki").mkdir()
    ca, cert, key = broker_setup.make_certificates(tmp_path / "pki", "localhost")
    broker = _MutualTlsBroker(tmp_path / "broker", tls=TlsFiles(ca, cert, key)).start()
    try:
        chair = bus_client(BusConfig(broker.url, ca_file=ca), "chair-1")
        state_is(chair, BusState.REFUSED)
        assert chair.status().detail == (
            f"{broker.url}: the broker requires a client certificate (TLS alert certificate "
            "required): the console has none")
    finally:
        broker.stop()


@pytest.mark.parametrize("answer", [b"HTTP/1.1 400 Bad Request\r\n\r\n", b""],
                         ids=["answers-in-plain-text", "closes"])
def test_mqtts_to_a_listener_answering_no_tls_still_says_it_may_be_a_plain_port(
        answer: bytes, bus_client: MakeClient) -> None:
    def plain(n: int, conn: socket.socket, peer: RawPeer) -> None:
        with conn, contextlib.suppress(OSError):   # the client may reset it: no matter
            conn.recv(65536)   # the whole hello: a close then is an end of file, not a reset
            conn.sendall(answer)
            conn.shutdown(socket.SHUT_WR)
            conn.recv(65536)

    peer = RawPeer(plain)
    url = f"mqtts://127.0.0.1:{peer.port}"
    try:
        chair = bus_client(url, "chair-1")
        wait_until(lambda: "TLS" in chair.status().detail, f"a cause ({chair.status().detail})")
        assert chair.status().detail.endswith(
            ": is that port a TLS listener? a plain MQTT port (1883 by default) takes mqtt://, "
            "not mqtts://; retrying"), chair.status().detail
    finally:
        peer.close()
