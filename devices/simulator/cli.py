"""`infusion-sim`: a simulated bedside monitor on a pseudo-terminal (or an existing port).

    infusion-sim --list
    infusion-sim --scenario hypertensive-surge --format hl7 --speed 10
    infusion-sim --scenario-file my.toml --port /dev/ttyUSB1
    infusion-sim --replay capture.bin
    infusion-sim --scenario hypertensive-surge --format intellivue-lan    (a device that is asked)

With a pty, the FIRST line of stdout is the port path to open (flushed at once); then it plays
and exits 0 at the end. SIGTERM and SIGINT stop it cleanly (exit 0, port closed, temp dir
removed). A device that must be asked (`philips-efficia`, `draeger-gateway`, `mindray-gateway`
with `--bed`, `intellivue` on a pty, `intellivue-lan` on a loopback UDP port, `mindray-bedside`
on a loopback TCP port) prints its port the
same way, answers the console's queries or polls with the scenario's values until the scenario's
end, then keeps answering with the last values until stopped. Bad arguments: one line on stderr naming what is allowed, exit 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import NoReturn

from devices.hl7.query import query_spec
from devices.simulator.answering import ANSWERING_FORMATS, answer_in_thread
from devices.simulator.encode import FORMAT_NAMES
from devices.simulator.player import open_sink, play
from devices.simulator.scenario import (
    Scenario,
    ScenarioError,
    Timeline,
    builtin_names,
    compile_timeline,
    load_builtin,
    load_scenario,
    replay_timeline,
)

BED_FORMATS = ("mindray-gateway", "draeger-gateway")
"""The simulated gateways that serve one bed of several, named by `--bed`."""
EXIT_USAGE = 2
EXIT_RUNTIME = 1


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
    what.add_argument("--scenario-file", metavar="PATH", help="a scenario TOML file")
    what.add_argument("--replay", metavar="FILE", help="play a raw byte capture instead of a scenario")
    p.add_argument("--format", choices=(*FORMAT_NAMES, *ANSWERING_FORMATS), default="hl7",
                   help="device format (default: hl7); all but the first three answer queries "
                        "or polls")
    p.add_argument("--bed", default="", help="mindray-gateway, draeger-gateway: the bed the "
                                             "gateway reports (a second bed is added)")
    p.add_argument("--speed", type=_positive_float, default=1.0, help="times real time (default: 1)")
    p.add_argument("--seed", type=_int, default=1, help="random seed (default: 1)")
    p.add_argument("--port", metavar="PATH", help="write to this existing port instead of a new pty")
    p.add_argument("--duration-minutes", type=_positive_float, metavar="M",
                   help="override the scenario's duration")
    return p


def _list() -> str:
    lines = []
    for name in builtin_names():
        s = load_builtin(name)
        alarms = ", ".join(s.expect.alarms) or "none"
        lines.append(f"{name:<24} {s.description}  [expected alarms: {alarms}]")
    return "\n".join(lines)


def _timeline(args: argparse.Namespace) -> Timeline:
    if args.replay:
        try:
            data = Path(args.replay).read_bytes()
        except OSError as exc:
            raise _UsageError(f"--replay: cannot read {args.replay}: {exc.strerror or exc}") from None
        # --speed multiplies the 9600 8N1 line rate of a raw capture.
        return replay_timeline(data, seed=args.seed, name=args.replay)
    scenario: Scenario = (
        load_scenario(args.scenario_file) if args.scenario_file else load_builtin(args.scenario or "normal")
    )
    start = datetime.now(UTC).replace(microsecond=0)
    return compile_timeline(scenario, args.format, args.seed, start, args.duration_minutes)


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


def _answer(args: argparse.Namespace) -> int:
    """Run a device that must be asked until a signal or the scenario's end."""
    if args.replay or args.port:
        raise _UsageError(f"--format {args.format} answers on its own pty or UDP port: "
                          "--replay and --port are for devices that send unasked")
    scenario: Scenario = (
        load_scenario(args.scenario_file) if args.scenario_file else load_builtin(args.scenario or "normal")
    )
    handle = answer_in_thread(scenario, args.format, args.speed, args.seed, bed=args.bed)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        print(handle.port_path, flush=True)
        print(f"# {scenario.name}: {args.format} answering, {scenario.duration_minutes:g} min "
              f"at x{args.speed:g}", file=sys.stderr, flush=True)
        while not stop.wait(0.2) and handle.error is None:
            pass
        print(f"# stopped: {handle.questions} questions, {handle.answers} answers",
              file=sys.stderr, flush=True)
        return EXIT_RUNTIME if handle.error is not None else 0
    finally:
        handle.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator; returns the exit status (0 done or stopped, 1 runtime error, 2 usage)."""
    try:
        args = build_parser().parse_args(argv)
        if args.list:
            print(_list(), flush=True)
            return 0
        _check_bed(args.format, args.bed)
        if args.format in ANSWERING_FORMATS:
            return _answer(args)
        timeline = _timeline(args)
    except _UsageError as exc:
        print(f"infusion-sim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ScenarioError as exc:
        print(f"infusion-sim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    try:
        sink = open_sink(args.port, args.format)
    except Exception as exc:  # noqa: BLE001 - a port we cannot open is a one-line error
        print(f"infusion-sim: error: cannot open {args.port or 'a pseudo-terminal'}: {exc}", file=sys.stderr)
        return EXIT_RUNTIME

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        print(sink.path, flush=True)
        print(f"# {timeline.name}: {timeline.fmt}, {timeline.duration_s / 60:g} min at x{args.speed:g}",
              file=sys.stderr, flush=True)
        stats = play(timeline, sink, speed=args.speed, stop=stop)
        print(
            f"# {'stopped' if stop.is_set() else 'finished'}: {stats.frames_written} frames, "
            f"{stats.bytes_written} bytes, {stats.acks} ACKs received",
            file=sys.stderr, flush=True,
        )
        return 0
    except OSError as exc:
        print(f"infusion-sim: error: {sink.path}: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    finally:
        sink.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
