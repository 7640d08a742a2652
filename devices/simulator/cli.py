"""`infusion-sim`: a simulated bedside monitor on a pseudo-terminal (or an existing port).

    infusion-sim --list
    infusion-sim --scenario hypertensive-surge --format hl7 --speed 10
    infusion-sim --scenario-file my.toml --port /dev/ttyUSB1
    infusion-sim --replay capture.bin
    infusion-sim --scenario hypertensive-surge --format intellivue-lan    (a device that is asked)
    infusion-sim --format mindray-gateway --bed 192.0.2.21    (a gateway: socket://127.0.0.1:PORT)

With a pty, the FIRST line of stdout is the port path to open (flushed at once); then it waits
for a reader to open the port (pyserial empties the port's input as it opens it: frames sent
before were lost), and after each `disconnect` step for it to reopen, unless --no-wait; then it
plays and exits 0 at the end (what the header line on stderr announced: a --scenario-file is read
and checked once, before the wait, and not again when the reader comes). Like a monitor it keeps
its pace: what nobody can take is lost and counted, never sent later. HL7 messages are resent on
AE or without an ACK (`acks.py`). The last stderr line counts frames written and not delivered,
ACKs (AA/CA apart from AE/AR/CE/CR) and resends. Each run is a monitor of its own, as the
header line on stderr names it (`--device-id` runs the same one again): a console reading
another chair's simulator says "Another monitor is sending". SIGTERM and SIGINT stop it cleanly
(port closed, temp dir removed): exit 0 for SIGTERM, 130 for SIGINT (Ctrl+C, as every command of
the console).

A device that must be asked (`philips-efficia`, `draeger-gateway`, `mindray-gateway` with
`--bed`, `intellivue`, `intellivue-lan`, `mindray-bedside`) is served on the connection its
shipped device profile names, so the console opens it as that profile says: a pty (`serial`:
philips-efficia, intellivue), a loopback TCP port (`tcp`: the two gateways, mindray-bedside) or a
loopback UDP port (`udp`: intellivue-lan); `--connection serial` still serves a gateway on a pty.
It prints its port (a path, `socket://127.0.0.1:PORT` or `udp://127.0.0.1:PORT`) the same way,
answers the console's queries or polls with the scenario's values until the scenario's end, then
keeps answering with the last values until stopped. Bad arguments: one line on stderr naming what
is allowed, exit 2; so is a `--duration-minutes` that ends the run before a step the scenario is
about, or a scenario file's own duration that does (`scenario.check_duration`). A port it cannot
open or make (no pty to be had, as in a container without /dev/pts; no loopback port), whatever
the format: one line naming it and why, exit 1.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import NoReturn

from devices.hl7.query import query_spec
from devices.profiles import CONNECTIONS
from devices.simulator.answering import ANSWERING_FORMATS, answer_in_thread, connection_for
from devices.simulator.encode import FORMAT_NAMES, DeviceIdentity, device_identity, new_identity
from devices.simulator.player import play
from devices.simulator.scenario import (
    MAX_DURATION_MINUTES,
    Scenario,
    ScenarioError,
    StreamedTimeline,
    Timeline,
    builtin_names,
    check_duration,
    check_playable,
    check_speed,
    load_builtin,
    load_scenario,
    replay_timeline,
    stream_timeline,
)
from devices.simulator.sinks import PlayerStats, open_sink
from devices.usage import home_path, stdout_closed

DEFAULT_FORMAT = "hl7"
BED_FORMATS = ("mindray-gateway", "draeger-gateway")
"""The simulated gateways that serve one bed of several, named by `--bed`."""
EXIT_USAGE = 2
EXIT_RUNTIME = 1
EXIT_INTERRUPTED = 130   # 128 + SIGINT, as a shell reports Ctrl+C


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, no usage dump: the message already names what is allowed.
        raise _UsageError(message)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="infusion-sim", description="Simulated bedside monitor for the infusion console.")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true", help="list the built-in scenarios and exit")
    what.add_argument("--scenario", metavar="NAME", help="a built-in scenario (default: normal)")
    what.add_argument("--scenario-file", type=home_path, metavar="PATH",
                      help="a scenario TOML file")
    what.add_argument("--replay", type=home_path, metavar="FILE",
                      help="play a raw byte capture instead of a scenario")
    # No default here: --replay must tell a --format given from none (`_check_replay`).
    p.add_argument("--format", choices=(*FORMAT_NAMES, *ANSWERING_FORMATS),
                   help=f"device format (default: {DEFAULT_FORMAT}); all but the first three "
                        "answer queries or polls")
    p.add_argument("--bed", default="", help="mindray-gateway, draeger-gateway: the bed the "
                                             "gateway reports (a second bed is added)")
    p.add_argument("--connection", choices=CONNECTIONS,
                   help="a device that is asked: serve it on a pty (serial), a loopback TCP port "
                        "(tcp) or a loopback UDP port (udp), as a device profile's connection "
                        "says (default: its shipped profile's)")
    p.add_argument("--speed", type=_positive_float, default=1.0,
                   help="times real time (default: 1); the monitor stamps its messages in the "
                        "scenario's time, so above 1 its clock runs that much fast and the "
                        "console says 'Monitor clock ... ahead' (expected)")
    p.add_argument("--seed", type=_int, default=1, help="random seed (default: 1)")
    p.add_argument("--port", type=home_path, metavar="PATH",
                   help="write to this existing port instead of a new pty")
    p.add_argument("--duration-minutes", type=_duration, metavar="M",
                   help="override the scenario's duration (not to end before a step it is "
                        "about)")
    p.add_argument("--device-id", type=_device_id, metavar="EUI64",
                   help="who the monitor says it is: 16 hex digits, e.g. 02C0FFEE00000001 "
                        "(default: another monitor each run; its header line names it)")
    p.add_argument("--no-wait", action="store_true",
                   help="on a pty of its own, play at once instead of waiting for a reader to "
                        "open the port (and to reopen it after a disconnect step)")
    return p


def _duration(text: str) -> float:
    value = _positive_float(text)
    if value > MAX_DURATION_MINUTES:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_DURATION_MINUTES} (24 h), "
                                         f"got {text!r}")
    return value


def _device_id(text: str) -> DeviceIdentity:
    try:
        return device_identity(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _as_device(identity: DeviceIdentity, fmt: str) -> str:
    """The header's words for who the monitor says it is: its --device-id, and what it sends."""
    return f", as device {identity.eui64} ({identity.sent_as(fmt)})"


def _list() -> str:
    lines = []
    for name in builtin_names():
        s = load_builtin(name)
        alarms = ", ".join(s.expect.alarms) or "none"
        fastest = ("" if s.expect.max_speed is None
                   else f"  [up to --speed {s.expect.max_speed:g}]")
        lines.append(f"{name:<24} {s.description}  [expected alarms: {alarms}]{fastest}"
                     f"{_formats_note(s)}")
    return "\n".join(lines)


def _formats_note(scenario: Scenario) -> str:
    """Which `--format`s refuse the scenario (`check_playable`): "" when none does, so the
    listing never promises an alarm a format cannot carry."""
    offered = (*FORMAT_NAMES, *ANSWERING_FORMATS)
    plays = []
    for fmt in offered:
        try:
            check_playable(scenario, fmt)
        except ScenarioError:
            continue
        plays.append(fmt)
    refused = [fmt for fmt in offered if fmt not in plays]
    if not refused:
        return ""
    if len(refused) <= len(plays):
        return f"  [not with --format {', '.join(refused)}]"
    return f"  [only with --format {', '.join(plays)}]"


def _check_replay(args: argparse.Namespace) -> None:
    """Refuse what a capture cannot honour: it is played as it is, bytes unchanged, whole."""
    if args.format is not None and args.format != DEFAULT_FORMAT:
        raise _UsageError(f"--replay plays a capture as it is: --format {args.format} cannot "
                          f"re-encode it; leave --format out (or give {DEFAULT_FORMAT})")
    if args.duration_minutes is not None:
        raise _UsageError("--replay plays the whole capture: --duration-minutes is for "
                          "--scenario or --scenario-file; leave it out")
    if args.device_id is not None:
        raise _UsageError("--replay plays a capture as it is, as the monitor captured: "
                          "--device-id cannot change it; leave it out")


def _scenario(args: argparse.Namespace) -> Scenario:
    """The scenario asked for, read and checked here once. The file is not read again when the
    reader comes: edited or deleted while the program waited, it had ended in a traceback, or
    played another scenario than the one the header line announced."""
    scenario = (load_scenario(args.scenario_file) if args.scenario_file
                else load_builtin(args.scenario or "normal"))
    # What the format cannot play first: a shorter run would not bring it back.
    check_playable(scenario, args.format)
    check_duration(scenario, args.duration_minutes)
    check_speed(scenario, args.speed)
    return scenario


def _timeline(args: argparse.Namespace, scenario: Scenario | None, start: datetime,
              identity: DeviceIdentity) -> Timeline | StreamedTimeline:
    """What to play: the capture of --replay (`scenario` None), or `scenario` with the device's
    clock starting at `start`, made as it is played (`StreamedTimeline`: a day's, compiled
    whole, had its first byte after the console's 4 s HL7 watchdog)."""
    if scenario is None:
        try:
            data = Path(args.replay).read_bytes()
        except OSError as exc:
            raise _UsageError(f"--replay: cannot read {args.replay}: {exc.strerror or exc}") from None
        # --speed multiplies the 9600 8N1 line rate of a raw capture.
        return replay_timeline(data, seed=args.seed, name=args.replay)
    return stream_timeline(scenario, args.format, args.seed, start, args.duration_minutes,
                           identity=identity)


def _check_bed(fmt: str, bed: str) -> None:
    """Refuse a `--bed` the format cannot serve before any port is opened (a gateway's query
    would raise on it mid-start, a traceback)."""
    if not bed:
        return   # the gateway's default bed (polled_monitor.DEFAULT_BEDS)
    if fmt not in BED_FORMATS:
        raise _UsageError(f"--bed is for --format {' or '.join(BED_FORMATS)} (a gateway serving "
                          f"several beds); --format {fmt} has no bed: leave --bed out")
    try:
        query_spec(fmt, bed=bed)
    except ValueError as exc:
        raise _UsageError(f"--bed: {exc}") from None


def _check_connection(fmt: str, connection: str | None) -> None:
    """Refuse a `--connection` the device is not served on, before any port is opened."""
    if connection is None:
        return   # its shipped profile's (answering.CONNECTIONS)
    if fmt not in ANSWERING_FORMATS:
        raise _UsageError(f"--connection is for the devices that are asked "
                          f"({', '.join(ANSWERING_FORMATS)}); --format {fmt} plays on a pty of "
                          "its own or on --port: leave --connection out")
    try:
        connection_for(fmt, connection)
    except ValueError as exc:
        raise _UsageError(f"--connection: {exc}") from None


_SERVED_ON = {"serial": "a pseudo-terminal", "tcp": "a loopback TCP port",
              "udp": "a loopback UDP port"}
"""What the simulator opens for each connection, as its one-line error names it."""


def _cannot_open(port: str, exc: BaseException) -> int:
    """Say in one line that `port` could not be opened, and why: the runtime error's status."""
    print(f"infusion-sim: error: cannot open {port}: {exc}", file=sys.stderr)
    return EXIT_RUNTIME


@dataclass
class _StoppedBy:
    """Which signal stopped the run: Ctrl+C exits 130, as every command of the console does
    (README); SIGTERM, a script or a test ending the device it started, is a clean stop (0)."""

    stop: threading.Event
    status: int = 0

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGINT:
            self.status = EXIT_INTERRUPTED
        self.stop.set()


def _answer(args: argparse.Namespace, identity: DeviceIdentity) -> int:
    """Run a device that must be asked until a signal or the scenario's end."""
    if args.replay or args.port:
        raise _UsageError(f"--format {args.format} answers on its own pty, TCP or UDP port: "
                          "--replay and --port are for devices that send unasked")
    if args.no_wait:
        raise _UsageError(f"--format {args.format} answers queries and never waits: --no-wait "
                          "is for --format " + ", ".join(FORMAT_NAMES))
    scenario = _scenario(args)
    minutes = args.duration_minutes or scenario.duration_minutes
    try:
        handle = answer_in_thread(scenario, args.format, args.speed, args.seed, bed=args.bed,
                                  duration_minutes=minutes, connection=args.connection,
                                  identity=identity)
    except OSError as exc:   # no pty to be had (no /dev/pts), no loopback: as open_sink's
        return _cannot_open(_SERVED_ON[connection_for(args.format, args.connection)], exc)
    stopped_by = _StoppedBy(threading.Event())
    stop = stopped_by.stop
    previous = {sig: signal.signal(sig, stopped_by.on_signal)
                for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        print(handle.port_path, flush=True)
        print(f"# {scenario.name}: {args.format} answering, {minutes:g} min at x{args.speed:g}"
              f"{_as_device(identity, args.format)}", file=sys.stderr, flush=True)
        while not stop.wait(0.2) and handle.error is None:
            pass
        if handle.error is not None:
            print(f"infusion-sim: error: {handle.error}", file=sys.stderr, flush=True)
            return EXIT_RUNTIME
        print(f"# stopped: {handle.questions} questions, {handle.answers} answers",
              file=sys.stderr, flush=True)
        return stopped_by.status
    finally:
        handle.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _whole_second(now: Callable[[], datetime]) -> datetime:
    return now().replace(microsecond=0)


def main(argv: Sequence[str] | None = None, *, now: Callable[[], datetime] = _utc_now) -> int:
    """Run the simulator; returns the exit status (0 done or stopped by SIGTERM, 1 runtime
    error, 2 usage, 130 stopped by Ctrl+C). `now`: the wall clock the device's clock starts
    from."""
    try:
        args = build_parser().parse_args(argv)
        if args.list:
            try:
                print(_list(), flush=True)
            except BrokenPipeError:   # `infusion-sim --list | head -3`: quietly, as the console's
                return stdout_closed()
            return 0
        if args.replay:
            _check_replay(args)
        args.format = args.format or DEFAULT_FORMAT
        _check_bed(args.format, args.bed)
        _check_connection(args.format, args.connection)
        # Each run is a monitor of its own, as two real ones are: one identity had been sent by
        # every run, so a console reading another chair's simulator never said "Another monitor
        # is sending" (`SessionEngine._monitor_identity`; a review). Kept for the whole run.
        identity = args.device_id or new_identity()
        if args.format in ANSWERING_FORMATS:
            return _answer(args, identity)
        scenario = None if args.replay else _scenario(args)
        timeline = _timeline(args, scenario, _whole_second(now), identity)
    except _UsageError as exc:
        print(f"infusion-sim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ScenarioError as exc:
        print(f"infusion-sim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        # Ctrl+C while a long scenario is prepared (a day's takes seconds), before the
        # signal handlers below: the promised 130, no traceback (review 45).
        return EXIT_INTERRUPTED

    try:
        sink = open_sink(args.port, args.format)
    except KeyboardInterrupt:
        # Ctrl+C while a slow socket:// server is connected to (up to 5 s), before the signal
        # handlers below: a traceback and status -2 (review).
        print(f"infusion-sim: interrupted while connecting to {args.port or 'a pseudo-terminal'}: "
              "nothing was played", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - a port we cannot open is a one-line error
        return _cannot_open(args.port or _SERVED_ON["serial"], exc)

    # Only a pty of ours tells when a reader opens it; an existing port never does.
    waits = args.port is None and not args.no_wait
    stopped_by = _StoppedBy(threading.Event())
    stop = stopped_by.stop
    previous = {sig: signal.signal(sig, stopped_by.on_signal)
                for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        print(sink.path, flush=True)
        device = "" if scenario is None else _as_device(identity, timeline.fmt)
        print(f"# {timeline.name}: {timeline.fmt}, {timeline.duration_s / 60:g} min at "
              f"x{args.speed:g}{device}", file=sys.stderr, flush=True)
        stats = PlayerStats()
        if waits:
            print(f"# waiting for a reader on {sink.path}", file=sys.stderr, flush=True)
            if sink.wait_for_reader(stop, stats) and isinstance(timeline, StreamedTimeline):
                # The device's clock starts now, as its scenario does: the scenario loaded above,
                # whatever became of its file meanwhile; nothing of it was made before.
                timeline = replace(timeline, start=_whole_second(now))
        if not stop.is_set():
            play(timeline, sink, speed=args.speed, stop=stop, stats=stats, hold_for_reader=waits,
                 resend=True)
        print(_summary(stats, stopped=stop.is_set()), file=sys.stderr, flush=True)
        return stopped_by.status
    except OSError as exc:
        print(f"infusion-sim: error: {sink.path}: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    finally:
        sink.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _summary(stats: PlayerStats, stopped: bool) -> str:
    """The last stderr line: what a QA run compares with the console's log."""
    return (f"# {'stopped' if stopped else 'finished'}: {stats.frames_written} frames written, "
            f"{stats.frames_undelivered} not delivered (no reader, or it took nothing), "
            f"{stats.bytes_written} bytes; ACKs: {stats.acks} AA/CA, {stats.naks} AE/AR/CE/CR; "
            f"{stats.resends} resends, {stats.given_up} messages given up")


if __name__ == "__main__":
    sys.exit(main())
