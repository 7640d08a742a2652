"""`infusion-console central`: the clinic's central station process.

    infusion-console central --broker mqtts://broker.clinic:8883 [--name desk] [--db PATH]
        [--username central --password-file FILE --ca-file ca.pem] [--allow-plaintext]
        [--prefix infusion] [--theme light|dim]

Wiring (each piece is tested on its own; this only connects them):

    BusClient (paho's thread) --queued Qt signal--> Board.receive (GUI thread) --> CentralWindow
        (with each message's retain flag and how long the broker held it: a retained status,
        or one queued for this station while it was away, is no sign of life, board.py; and
        its receipt: the broker is told it was received once the log has committed it)
    Board.publish --> BusClient.publish (commands, confirmations; QoS 1)
    BusClient status --queued Qt signal--> Board.set_bus (status line, "not connected" alarm)
    CentralWindow timer (250 ms) --> Board.tick, redraw, AlarmSounder (the bedside's tones)

- The station's presence: retained `<prefix>/central/<name>/status` {"online": true} on every
  connect, with a Last Will {"online": false} the broker publishes if the station vanishes; a
  clean exit publishes {"online": false, "reason": "stopped"} itself (a clean disconnect does not
  fire the will). The chairs read it (no central online: the bedside's quiet-room mode ends).
- A persistent session (client id `central-<name>`, MQTT 5 session expiry in mqtt_bus.py), so
  QoS 1 messages that came while the station was away (a restart, an outage) are delivered when
  it returns; the central log drops those it had already shown. A message is acknowledged to
  the broker (PUBACK) only once the log has committed it (while the log fails, once its rows
  are held: `take_messages`), so one the station was killed before logging is delivered again.
- The log is opened (0600) before anything connects: without a log nothing starts, with a
  message naming the file and what to do.

Start-up problems (a bad option, an unreadable password file, a log that cannot be written)
print one line on stderr and return 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console import collector_hold
from console.central.board import RESTORE_S, Board
from console.central.central_log import CentralLog, CentralLogError, default_central_db_path
from console.clock import Clock, Moment, SystemClock, iso
from console.network import bus_topics
from console.network.config import IN_CLEAR_NOTE, crosses_in_clear, read_password
from console.network.twin_watch import TwinWatch, new_instance
from console.paths import user_path
from devices.usage import OneLineParser

if TYPE_CHECKING:
    from PySide6 import QtCore

    from console.network.mqtt_bus import BusClient, BusStatus, Receipt
    from console.ui.audio import AudioOut
    from console.ui.central_window import Asker, CentralWindow
    from console.ui.fault_handler import FaultHandler

DEFAULT_NAME = "central"
BUS_LINE_MS = 1000   # how often the status line reads the bus's unconfirmed count


class StartError(Exception):
    """A start-up problem the user can fix; its text is shown as it is."""


GIVEN = "given_options"
"""The attribute of the parsed options naming those given on the command line (`_Given`)."""


class _Given(argparse.Action):
    """Store an option's value (or, with nargs=0, its const) and note that it was given: a
    value given that equals the built-in default (`--name central`) still wins over the
    settings file (review 42), and the default still shows in --help and reaches `build`."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, self.const if self.nargs == 0 else values)
        given: set[str] = set(getattr(namespace, GIVEN, ()))
        setattr(namespace, GIVEN, given | {self.dest})


def given_options(args: argparse.Namespace) -> frozenset[str]:
    """The options given on the command line (not left at their defaults)."""
    return frozenset(getattr(args, GIVEN, ()))


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(
        prog="infusion-console central",
        description="The clinic's central station: every chair on the clinic bus in one window, "
                    "their alarms sounded here, acknowledged here (the bedside stays the alarm "
                    "authority).")
    p.add_argument("--broker", default=None, action=_Given,
                   help="the clinic bus: mqtts://host[:8883] (TLS) or mqtt://host[:1883] "
                        "(plain: loopback only unless --allow-plaintext); default: broker in "
                        "the [central] table of --config")
    p.add_argument("--config", type=user_path, default=None,
                   help="settings file with a [central] table (broker, name, username, "
                        "password_file, ca_file, allow_plaintext, prefix); options given win; "
                        "default: central.toml in the user's config folder (what the desktop "
                        "menu entry uses)")
    p.add_argument("--name", default=DEFAULT_NAME, action=_Given,
                   help=f"this station's name on the bus (default {DEFAULT_NAME}); 1-32 of "
                        "A-Z a-z 0-9 _ -")
    p.add_argument("--db", type=user_path, default=None,
                   help=f"the station's own log (default {default_central_db_path()})")
    p.add_argument("--username", action=_Given, help="the broker account")
    p.add_argument("--password-file", type=user_path, action=_Given,
                   help="a file holding the account's password (its first line)")
    p.add_argument("--ca-file", type=user_path, action=_Given,
                   help="the CA that signed the broker's certificate")
    p.add_argument("--allow-plaintext", action=_Given, nargs=0, const=True, default=False,
                   help="allow mqtt:// to another machine (patient data unencrypted)")
    p.add_argument("--prefix", default=bus_topics.DEFAULT_PREFIX, action=_Given,
                   help=f"the topic prefix (default {bus_topics.DEFAULT_PREFIX})")
    p.add_argument("--theme", choices=("light", "dim"), default=None,
                   help="light (default) or dim, for a darkened room")
    return p


CONFIG_KEYS = ("broker", "name", "username", "password_file", "ca_file", "allow_plaintext",
               "prefix")
# What each key of [central] takes (config.typed: the same typed reading as network.toml's).
_FORMS = {
    "broker": "mqtts://host:8883 (mqtt:// to this machine only, unless allow_plaintext)",
    "name": "this station's name on the bus, 1-32 letters, digits, '_' or '-'",
    "username": "the broker account",
    "password_file": "the path of the file holding the password",
    "ca_file": "the path of the CA certificate (a PEM file)",
    "prefix": f"levels of letters, digits, '_' or '-' joined by '/' (default "
              f"{bus_topics.DEFAULT_PREFIX})",
}


def default_config_path() -> Path:
    import platformdirs  # noqa: PLC0415

    return platformdirs.user_config_path("infusion-console") / "central.toml"


def apply_config(args: argparse.Namespace) -> argparse.Namespace:
    """Fill the options not given from the [central] table of the settings file, and check the
    address, the names and the CA file, each named as its file and key (or option) name it.

    Raises:
        StartError: an unreadable file, an unknown key, a value of the wrong type or empty, a
            bad address, name, prefix or CA file, no broker at all.
    """
    from console.network.config import (  # noqa: PLC0415 - only with a file
        ca_context,
        check_account,
        check_broker_host,
        option_name,
        read_table,
        setting_path,
        settings_present,
        typed,
    )

    path = args.config or default_config_path()
    table: dict[str, Any] = {}
    try:
        # settings_present: a folder closed to this account is one line, not a traceback.
        if settings_present(path, "--config" if args.config is not None else ""):
            table = read_table(path, "central", CONFIG_KEYS)
        elif args.config is not None:
            raise StartError(f"--config {path}: no such file")
        defaults = {"name": DEFAULT_NAME, "prefix": bus_topics.DEFAULT_PREFIX,
                    "allow_plaintext": False}
        labels = {key: option_name(key) for key in CONFIG_KEYS}
        for key in CONFIG_KEYS:
            given = getattr(args, key)
            if isinstance(given, str):   # `--broker ''` is a mistake, not "no option"
                typed({key: given}, key, str, labels[key], _FORMS.get(key))
            # Given is what the command line said, also when it says the default (`--name
            # central`); a value other than the default counts as given too (options built
            # without this parser).
            if key not in given_options(args) and (given is None or given == defaults.get(key)):
                # A flag must be true or false: "no" is text, and text would count as true.
                kind: type = bool if key == "allow_plaintext" else str
                value = typed(table, key, kind, f"{path}: {key}", _FORMS.get(key))
                if value is not None:
                    labels[key] = f"{path}: {key}"
                    if key in ("password_file", "ca_file"):
                        value = setting_path(str(value), path, labels[key])
                    setattr(args, key, value)
        if not args.broker:
            raise StartError(f"no clinic bus: give --broker URL, or write broker = \"mqtts://"
                             f"host:8883\" in the [central] table of {path}")
        from console.network.mqtt_bus import parse_bus_url  # noqa: PLC0415 - paho with a bus

        _scheme, host, _port = parse_bus_url(args.broker, labels["broker"])
        # The chair's rule: a name DNS cannot carry ended the bus's thread for good.
        check_broker_host(args.broker, host, labels["broker"])
        bus_topics.check_name(args.name, labels["name"])
        if args.password_file is not None and not args.username:
            # As a chair's account is its chair's name (network.config): a password with no
            # account was never sent, and the broker refused the station for good (a review).
            args.username = args.name
        if args.username:
            # A chair's account (or another desk's) sees one chair or none: the broker's rules
            # (the clinic IT audit: `--name desk9 --username chair-1` showed Room 1 alone).
            check_account(args.username, args.name, labels["username"], labels["name"],
                          "central station")
        bus_topics.check_prefix(args.prefix, labels["prefix"])
        if args.ca_file is not None:
            ca_context(args.ca_file, labels["ca_file"])
    except ValueError as exc:
        raise StartError(str(exc)) from None
    return args


def presence(name: str, online: bool, at: str, reason: str = "", instance: str = "") -> bytes:
    """The station's retained status (and, offline, its Last Will); `instance`: this run's
    token (console/network/twin_watch.py)."""
    body: dict[str, Any] = {"station": name, "online": online}
    if instance:
        body["instance"] = instance
    if online:
        body["since"] = at
    else:
        body["reason"] = reason or "connection lost"
    return bus_topics.encode(body)


# How a bus status's sentence ends when the client tries again by itself: the line's
# "Reconnecting" says so already.
_RETRYING = ("; retrying", "; reconnecting")


def bus_line(status: BusStatus, in_clear: bool = False, username: str | None = None,
             chairs: str | None = None) -> tuple[bool, str]:
    """(receiving, the status line's words) for a bus status; `in_clear`: plain MQTT to another
    machine (allowed by the operator), which the line says as the chair's does; `username`:
    the station's account, named in the advice when the broker refuses a subscription;
    `chairs`: the station's subscription to the chairs.

    Receiving is connected with the subscription to the chairs granted: a broker that refuses
    it (an ACL that does not let the station's account read them) leaves the station
    connected and blind, an empty board in silence; the board takes that as the bus not
    connected, and its technical alarm follows after BUS_ALARM_S with the line's words. Another
    subscription refused (its own presence topic, under an ACL written by an earlier set-up)
    is said on the line and nothing else changes.

    The state and the counts come first, the cause and its advice last: a window too narrow
    for the whole line elides its end (the label's tooltip has all of it). Said the other way
    round, the broker's long sentences pushed the messages waiting, UNENCRYPTED and the
    refusals out of sight at 1366x768 and even at 1920x1080 (the clinic IT audit).
    """
    from console.network.mqtt_bus import BusState  # noqa: PLC0415 - paho only with a bus

    blind = bool(blind_because(status, username, chairs))
    state, cause = _state_and_cause(status, username, blind)
    parts = [state]
    if status.unconfirmed:
        count = status.unconfirmed
        parts.append(f"{count} message{'s' if count > 1 else ''} waiting for the broker")
    if status.refused:   # since the start: a reconnect had set the count back to 0
        parts.append(f"{status.refused} refused since the start")
    if in_clear:
        parts.append(IN_CLEAR_NOTE)
    if cause:
        parts.append(cause)
    return status.state is BusState.CONNECTED and not blind, " · ".join(parts)


def blind_because(status: BusStatus, username: str | None, chairs: str | None) -> str:
    """The broker's refusal of the station's subscription to the chairs, in words ("" when it
    was not refused): connected and blind (`bus_line`)."""
    from console.network.mqtt_bus import subscription_refusal  # noqa: PLC0415

    refused = tuple((f, why) for f, why in status.refused_subscriptions if f == chairs)
    return subscription_refusal(refused, username) if refused else ""


def _state_and_cause(status: BusStatus, username: str | None, blind: bool) -> tuple[str, str]:
    """The bus's state in a few words (its broker when connected), and the cause: why it is
    not connected, or, connected, a subscription refused and the last message refused (the
    sentences mqtt_bus writes after "; ", in the order of this line)."""
    from console.network.mqtt_bus import (  # noqa: PLC0415
        REFUSAL_ADVICE,
        BusState,
        subscription_refusal,
    )

    detail = status.detail
    if status.state is BusState.DISCONNECTED:
        for said in _RETRYING:
            detail = detail.removesuffix(said)
        return "Reconnecting", detail
    if status.state is BusState.REFUSED:
        return "Refused", detail
    if status.state is BusState.STOPPED:
        return "Stopped", ""
    state = detail.partition("; ")[0]
    causes = []
    if blind:
        state += ", not receiving the chairs"
    if status.refused_subscriptions:
        causes.append(subscription_refusal(status.refused_subscriptions, username))
    if status.refused and status.state is BusState.CONNECTED:
        causes.append(f"the last {status.last_refusal} ({status.refused_here} on this "
                      f"connection; {REFUSAL_ADVICE})")
    return state[:1].upper() + state[1:], " · ".join(causes)


@dataclass
class Station:
    """A running central station: what `build` made, and how to stop it."""

    board: Board
    log: CentralLog
    bus: BusClient
    window: CentralWindow
    bridge: QtCore.QObject
    clock: Clock
    name: str
    prefix: str
    faults: FaultHandler
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Say goodbye on the bus (retained offline), stop the bus, close the log."""
        for cleanup in reversed(self.cleanups):
            cleanup()
        self.cleanups.clear()


def build(args: argparse.Namespace, *, audio_out: AudioOut | None = None,
          clock: Clock | None = None, asker: Asker | None = None) -> Station:
    """Open the log, make the bus client, the board and the window, and start the bus.

    Raises:
        StartError: a bad option, an unreadable password file, a log that cannot be used.
    """
    from PySide6 import QtCore  # noqa: PLC0415 - Qt only for the window

    from console.network.mqtt_bus import (  # noqa: PLC0415
        BusClient,
        BusConfig,
        BusState,
        BusStatus,
        Will,
    )
    from console.ui.audio import AlarmSounder, default_audio_out  # noqa: PLC0415
    from console.ui.central_window import CentralWindow  # noqa: PLC0415
    from console.ui.fault_handler import FaultHandler  # noqa: PLC0415

    try:
        name = bus_topics.check_name(args.name, "central station name")
        prefix = bus_topics.check_prefix(args.prefix)
    except ValueError as exc:
        raise StartError(str(exc)) from None
    password = None
    if args.password_file is not None:
        try:   # the chair's rule and words (network.config)
            password = read_password(args.password_file, "password file")
        except ValueError as exc:
            raise StartError(str(exc)) from None
    config = BusConfig(args.broker, username=args.username, password=password,
                       ca_file=args.ca_file, allow_plaintext=args.allow_plaintext)
    in_clear = crosses_in_clear(config.url)
    clock = clock or SystemClock()
    try:
        log = CentralLog.open(args.db or default_central_db_path())
    except CentralLogError as exc:
        raise StartError(str(exc)) from None
    cleanups: list[Callable[[], None]] = [log.close]

    class Bridge(QtCore.QObject):
        """Carries the bus client's callbacks (paho's thread) to the GUI thread.

        Signals:
            message(str, bytes, bool, object, object): a message arrived (topic, payload, its
                retain flag, the seconds the broker held it or None: mqtt_bus.held_s, and its
                mqtt_bus.Receipt for BusClient.ack, or None: nothing to acknowledge).
            status(object): the bus status changed (a BusStatus).
        """

        message = QtCore.Signal(str, bytes, bool, object, object)
        status = QtCore.Signal(object)

    bridge = Bridge()
    status_topic = bus_topics.central_status_topic(name, prefix)
    # Another central running with this name's settings kit: the two take the connection from
    # each other and each receives about half of the chairs' messages (the clinic IT audit).
    twins = TwinWatch(new_instance(), name)
    try:
        bus = BusClient(
            config, client_id=f"central-{name}", clock=clock,
            will=Will(status_topic, presence(name, False, iso(clock.now().wall),
                                             instance=twins.instance)),
            on_message_to_keep=lambda topic, payload, retained, held, receipt:
                bridge.message.emit(topic, payload, retained, held, receipt),
            on_status=bridge.status.emit, persistent_session=True)
    except ValueError as exc:
        log.close()
        raise StartError(str(exc)) from None

    def publish(topic: str, payload: bytes, qos: int, retain: bool) -> None:
        bus.publish(topic, payload, qos=qos, retain=retain)

    board = Board(name, log, publish, prefix)
    board.twins = twins
    # Before the log closes: one last try at the rows held while it failed.
    cleanups.append(lambda: board.write_held(clock.now()))
    # A bug here is a high station alarm, never silence (the bedside's rule): a crash file beside
    # the central log, and "Central station fault" on the banner until a restart.
    # (`main` installs it over Python's hooks; a test's station keeps pytest-qt's.)
    faults = FaultHandler((args.db or default_central_db_path()).parent)
    sounder = AlarmSounder(audio_out or default_audio_out())
    window = CentralWindow(board, clock, sounder=sounder, asker=asker,
                           title=f"Central station {name}: {config.address}")
    pending = [False]

    def redraw_soon() -> None:
        # Many messages at once (a backlog after an outage): one redraw for the lot.
        if not pending[0]:
            pending[0] = True
            QtCore.QTimer.singleShot(0, redraw)

    def redraw() -> None:
        pending[0] = False
        window.refresh()

    inbox: list[tuple[str, bytes, Moment, bool, int | None]] = []
    receipts: list[Receipt | None] = []   # the inbox's, in its order

    def on_message(topic: str, payload: bytes, retained: bool, held: int | None,
                   receipt: Receipt | None) -> None:
        # Taken in batches: what arrives before the loop turns is kept in one commit, then shown.
        inbox.append((topic, payload, clock.now(), retained, held))
        receipts.append(receipt)
        if len(inbox) == 1:
            QtCore.QTimer.singleShot(0, take_messages)

    def receive(topic: str, payload: bytes, at: Moment, retained: bool,
                held: int | None) -> None:
        # One message's bug must not cost the rest of its batch (a chair's alarm among them):
        # it goes to the fault handler, and the batch goes on.
        if topic == status_topic:   # our own presence: ours, or another station's
            said = bus_topics.decode(payload)
            if said is not None:
                twins.read(said, at.mono)
            return
        try:
            board.receive(topic, payload, at, retained, held)
        except CentralLogError:
            raise
        except Exception as exc:
            faults.handle(type(exc), exc, exc.__traceback__)

    def take_messages() -> None:
        batch = inbox[:]
        inbox.clear()
        taking = [r for r in receipts if r is not None]
        receipts.clear()
        if board.log_failing:
            # The log failed and has not taken writes since: the board holds its rows in memory
            # and the window's tick tries them (Board.tick, RETRY_S). Tried here, a log locked by
            # another program held this thread for its busy timeout at every batch (a review).
            for topic, payload, at, retained, held in batch:
                receive(topic, payload, at, retained, held)
        else:
            taken = 0
            try:
                # Commit first, then confirm: the PCD-04s' confirmations go out after the COMMIT.
                with board.confirming_after(), log.batch():
                    for topic, payload, at, retained, held in batch:
                        receive(topic, payload, at, retained, held)
                        taken += 1
            except CentralLogError:
                # The log cannot take a transaction now. What the board took of the batch (all
                # of it when the COMMIT failed) is shown already: its rows are held and written
                # again; the rest (all of it when BEGIN failed) is taken message by message, its
                # rows held (the station's own alarm says so; duplicates caught in memory). Taken
                # again, the statuses were copies and nothing of them was logged.
                board.log_again(clock.now())
                for topic, payload, at, retained, held in batch[taken:]:
                    receive(topic, payload, at, retained, held)
        # Only now the broker is told they were received (PUBACK), the batch committed, or its
        # rows held in memory while the log fails. paho acknowledged each as it handed it over,
        # and a station killed before the commit had lost it for good, an alarm's PCD-04 among
        # them: the broker drops what was acknowledged from the station's session (a review; the
        # rule: nothing handed to the console is lost). Not acknowledged, it comes again after a
        # restart, its copy dropped by its MSH-10 (board.py). Held rows are acknowledged too:
        # the broker sends no more than its in-flight window unacknowledged (Mosquitto's
        # max_inflight_messages, 20), and acknowledgements held until the log took the rows left
        # the station deaf to every chair, a new high alarm too (tried:
        # tests/central/test_central_acknowledges_what_its_log_has.py).
        bus.ack(taking)
        redraw_soon()

    def on_fault(summary: str, _crash_file: str) -> None:
        board.station_fault(summary)
        redraw_soon()

    was_connected = [False]
    chairs = bus_topics.all_chairs_filter(prefix)

    def on_status(status: BusStatus) -> None:
        receiving, text = bus_line(status, in_clear, config.username, chairs)
        board.set_bus(receiving, text, clock.now(),
                      blind_because(status, config.username, chairs))
        connected = status.state is BusState.CONNECTED
        if connected and not was_connected[0]:   # each (re)connect: say we are here (retained)
            twins.connected()
            # Once per connection, not per status: a refused presence changes the status text
            # ("refused N messages"), which called this again, which published again: a central
            # named unlike its account spun at 97 % of a core and logged 600 lines a second.
            bus.publish(status_topic, presence(name, True, iso(clock.now().wall),
                                               instance=twins.instance), retain=True)
        was_connected[0] = connected
        redraw_soon()

    def read_counts() -> None:
        _, text = bus_line(bus.status(), in_clear, config.username, chairs)
        board.bus_text = text

    faults.fault.connect(on_fault)
    bridge.message.connect(on_message, QtCore.Qt.ConnectionType.QueuedConnection)
    bridge.status.connect(on_status, QtCore.Qt.ConnectionType.QueuedConnection)
    counts = QtCore.QTimer(window)
    counts.setInterval(BUS_LINE_MS)
    counts.timeout.connect(read_counts)

    def stop_bus() -> None:
        counts.stop()
        window.timer.stop()
        try:
            bus.publish(status_topic, presence(name, False, iso(clock.now().wall), "stopped"),
                        retain=True)
        except RuntimeError:
            pass   # already stopped
        bus.stop(timeout=2.0)

    # Before connecting: what the log last heard of each chair, so a retained Last Will lands on
    # a chair known to have had an open session with its alarm (a restart had lost it).
    try:
        since = clock.now().wall - timedelta(seconds=RESTORE_S)
        board.restore({chair: [(r.kind, r.received_at, r.payload) for r in rows]
                       for chair, rows in log.last_words(since).items()}, clock.now())
    except CentralLogError as exc:
        for cleanup in reversed(cleanups):
            cleanup()
        raise StartError(str(exc)) from None
    board.set_bus(False, f"Connecting to {config.describe()}"
                  + (f" · {IN_CLEAR_NOTE}" if in_clear else ""), clock.now())
    bus.subscribe(chairs, 1)
    bus.subscribe(status_topic, 1)   # another central with this name (twin_watch.py)
    bus.start()
    cleanups.append(stop_bus)
    window.start()
    counts.start()
    bridge.status.emit(bus.status())   # queued behind the statuses bus.start() queued
    return Station(board, log, bus, window, bridge, clock, name, prefix, faults, cleanups)


def main(argv: list[str]) -> int:
    """Run the central station until its window closes or SIGTERM/SIGINT."""
    args = parser().parse_args(argv)
    from console.ui.display_check import missing_display  # noqa: PLC0415

    if (no_display := missing_display()) is not None:   # before Qt aborts the process
        print(f"infusion-console central: {no_display}", file=sys.stderr)
        return 2
    # Held while the window is built, then start-up's objects frozen out of later collections
    # (console/collector_hold.py): a full collection of a running station walked them all, 50 ms
    # on the window's thread, where the cards' alarms are painted.
    collector_hold.hold()
    try:
        from PySide6 import QtWidgets  # noqa: PLC0415 - Qt only for the window

        from console.ui import theme  # noqa: PLC0415

        existing = QtWidgets.QApplication.instance()
        app = existing if isinstance(existing, QtWidgets.QApplication) \
            else QtWidgets.QApplication(sys.argv[:1])
        theme.apply(app, theme.THEMES[args.theme or theme.DEFAULT])
        station = build(apply_config(args))
    except StartError as exc:
        print(f"infusion-console central: {exc}", file=sys.stderr)
        if QtWidgets.QApplication.platformName() != "offscreen":
            from console.ui.refusal_box import refusal_box  # noqa: PLC0415 - a refusal only

            refusal_box("Central station", str(exc)).exec()
        return 2
    finally:
        collector_hold.release()
    station.faults.install()
    try:
        return run_until_stopped(app, station)
    finally:
        station.close()
        station.faults.uninstall()
        # Destroy the window now, while Python is whole (as console/ui/app.py's dispose: left to
        # the interpreter's exit, the trend's graphics items crash it on their way out).
        import shiboken6  # noqa: PLC0415

        station.window.hide()
        if shiboken6.isValid(station.window):
            shiboken6.delete(station.window)


def run_until_stopped(app: Any, station: Station) -> int:
    """Run the station's window until it closes or SIGTERM/SIGINT arrives; a signal's stop is
    logged as a close by `system` naming the signal and the chairs watched, as the bedside logs
    it ("Console stopped by the system (SIGTERM)"): the station's log had no trace of why the
    central went silent (a review)."""
    stopped: list[str] = []
    code = _exec_until_signal(app, station.window, stopped)
    if stopped:
        station.board.closed_by("system", station.clock.now(), signal=stopped[0])
    return code


def _exec_until_signal(app: Any, window: Any, stopped: list[str]) -> int:
    """Show `window` and run Qt's loop until it quits or SIGTERM/SIGINT arrives (a clean end:
    the station says goodbye on the bus), the signal's name appended to `stopped`. As
    console/ui/app.py's, without importing the bedside window's modules. The signals' handlers
    before it are put back after."""
    import signal  # noqa: PLC0415

    from PySide6 import QtCore  # noqa: PLC0415

    from console.ui.gui_collector import collecting_on_this_thread  # noqa: PLC0415

    def stop(signum: int, _frame: object) -> None:
        stopped.append(signal.Signals(signum).name)
        QtCore.QTimer.singleShot(0, app.quit)

    before = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    wake = QtCore.QTimer()   # Python looks at signals only between bytecodes
    wake.timeout.connect(lambda: None)
    wake.start(250)
    # Cycles collected on this thread only: the bus's reader thread allocates with every chair's
    # message, and a collection there could free a closed trend window (console/ui/gui_collector.py).
    try:
        with collecting_on_this_thread():
            present(window)
            return int(app.exec())
    finally:
        wake.stop()
        for signum, handler in before.items():
            signal.signal(signum, handler)


def present(window: Any) -> None:
    """Show the window filling its screen (as the bedside's does): a central station is a
    display of its own, and shown at its size hint it opened 533x117 px, its status line and
    every card cut (the clinic IT audit, offscreen at the default size)."""
    window.showMaximized()
