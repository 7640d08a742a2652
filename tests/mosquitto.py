"""A real Mosquitto broker for tests: its own configuration, folder and loopback port.

    broker = Broker(tmp_path / "broker")                 # anonymous, plain MQTT on 127.0.0.1
    broker.start()
    ... BusConfig(broker.url) ...                         # mqtt://127.0.0.1:<port>
    broker.kill()                                         # SIGKILL: as a crash or a power cut
    broker.restart()                                      # same port, same persistence folder
    broker.stop()                                         # SIGTERM; waits for it to end

Options: `passwd` and `acl` (files in Mosquitto's formats; `allow_anonymous false` then) and
`tls` (CA, certificate and key files, e.g. those `infusion-console network setup` makes): the
listener speaks TLS and `url` is `mqtts://<tls_host>:<port>`. `subscribe_only_under`: anonymous
clients may subscribe only under these patterns (Mosquitto's dynamic security plugin, which
answers any other SUBSCRIBE with SUBACK 0x87 "not authorised" as EMQX and HiveMQ do; the
set-up command's acl_file grants every subscription and filters what it delivers).

Every broker is started with its configuration written into its folder (`mosquitto.conf`), logs
into `mosquitto.log` there (shown in the error when it does not come up) and keeps its
persistence in `data/`, so `restart()` finds the sessions, subscriptions and retained messages
it had saved. Mosquitto saves persistence on a clean stop (`stop()`), on SIGUSR1 (`save()`) and
every `autosave_interval` seconds (30 min here, so effectively never within a test): a `kill()`
loses what changed since the last save, exactly as a crashed clinic broker would.

Ports: Mosquitto's configuration needs a number, so a port is picked free (`free_port`) and
written there; another process may take it before Mosquitto binds it. `start()` on a port it
picked itself then starts again on a fresh one (`on_a_free_port`, at most PORT_TRIES ports), and
so can a fixture whose configuration is written elsewhere (the set-up command's). A broker is up
when its own log says it runs, not when something accepts on its port: that may be the other
process. `restart()` keeps its port (the clients know it): taken meanwhile, the test fails
saying so.

Nothing here skips: a machine without `mosquitto` fails the test with a message saying what to
install (scripts/bootstrap.sh installs it; CI runs that).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

WAIT = 10.0  # real seconds a broker may take to come up or go down before the test fails
PORT_TRIES = 5  # ports tried in a row before a broker start fails for want of a free one
# What Mosquitto logs once every listener is open (src/mosquitto.c, log type "information"),
# and when a listener's port is taken.
RUNNING = re.compile(r"mosquitto version \S+ running")
ADDRESS_IN_USE = "Address already in use"

T = TypeVar("T")


def mosquitto_binary() -> str:
    """The broker's path; AssertionError (a failing test, not a skip) when it is missing."""
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()), None)
    if found is None:
        raise AssertionError(
            "mosquitto is not installed, so the clinic bus cannot be tested: run "
            "scripts/bootstrap.sh (or apt-get install mosquitto mosquitto-clients)")
    return found


def free_port() -> int:
    """A loopback TCP port nobody listens on now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PortTaken(AssertionError):
    """Mosquitto could not listen: another process holds its port."""


def on_a_free_port(start: Callable[[int], T], first: int | None = None) -> T:
    """`start(port)` on a port free now (`first` if given); again on a fresh one while it raises
    PortTaken, at most PORT_TRIES ports in all."""
    port = first if first is not None else free_port()
    for tries in range(1, PORT_TRIES + 1):
        try:
            return start(port)
        except PortTaken as taken:
            if tries == PORT_TRIES:
                raise AssertionError(f"{PORT_TRIES} ports in a row were taken by another process "
                                     f"before mosquitto could listen on them; the last:\n"
                                     f"{taken}") from taken
            port = free_port()
    raise AssertionError("unreachable")


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT,
               interval: float = 0.005) -> None:
    """Poll `predicate` until it holds; AssertionError naming `what` after `timeout` real seconds.

    For real network events only (a broker coming up, a message arriving): nothing is waited
    for a fixed time.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(interval)


@dataclass(frozen=True)
class TlsFiles:
    """A TLS listener's files: the CA that signed `certfile`, the certificate and its key."""

    cafile: Path
    certfile: Path
    keyfile: Path


def _dynamic_security_plugin() -> Path:
    """Mosquitto's dynamic security plugin (Debian's mosquitto package ships it)."""
    found = sorted(Path("/usr/lib").glob("**/mosquitto_dynamic_security.so"))
    if not found:
        raise AssertionError("mosquitto_dynamic_security.so not found under /usr/lib: install "
                             "the Debian package mosquitto (scripts/bootstrap.sh does)")
    return found[0]


def _subscribe_only_under(patterns: Sequence[str]) -> dict[str, object]:
    """The plugin's rules: anonymous clients publish and receive anything, and subscribe only
    under `patterns`."""
    return {
        "defaultACLAccess": {"publishClientSend": True, "publishClientReceive": True,
                             "subscribe": False, "unsubscribe": True},
        "clients": [],
        "groups": [{"groupname": "anonymous", "roles": [{"rolename": "readers"}]}],
        "roles": [{"rolename": "readers", "acls": [
            {"acltype": "subscribePattern", "topic": p, "priority": 0, "allow": True}
            for p in patterns]}],
        "anonymousGroup": "anonymous",
    }


class Broker:
    """One `mosquitto` process on 127.0.0.1 with its own folder (see the module docstring)."""

    def __init__(self, folder: Path, *, port: int | None = None, passwd: Path | None = None,
                 acl: Path | None = None, tls: TlsFiles | None = None,
                 tls_host: str = "localhost",
                 subscribe_only_under: Sequence[str] | None = None) -> None:
        self.folder = folder
        self._port_chosen = port is None   # ours to change when another process takes it
        self.port = port or free_port()
        self.passwd = passwd
        self.acl = acl
        self.tls = tls
        self.tls_host = tls_host
        self.subscribe_only_under = subscribe_only_under
        self.conf = folder / "mosquitto.conf"
        self.log = folder / "mosquitto.log"
        self.data = folder / "data"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.tls is not None:
            return f"mqtts://{self.tls_host}:{self.port}"
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def config_text(self) -> str:
        lines = [
            "# Written by tests/mosquitto.py for one test broker.",
            # Debian's mosquitto started as root drops to `nobody`/`mosquitto`, which cannot write
            # the persistence file in a root-owned temp folder (shared/design/network.md); CI
            # runs as root. As another user this line has no effect.
            "user root" if os.geteuid() == 0 else "# (not root: `user` would have no effect)",
            f"listener {self.port} 127.0.0.1",
            # Saved on stop() and save(); restart() reads it back (sessions, subscriptions,
            # retained messages, messages queued for absent persistent clients).
            "persistence true",
            f"persistence_location {self.data}/",
            # Mosquitto's default is 1000 per client; a test that queues thousands of messages
            # for an absent persistent subscriber must see every one, not the broker's limit.
            "max_queued_messages 100000",
            # max_inflight_messages stays at Mosquitto's default (20), as in the clinic's own
            # configuration (console/network/broker_setup.py): tests run what a clinic runs.
            # For MQTT 5 clients Mosquitto also announces it as its Receive Maximum.
            "set_tcp_nodelay true",
            f"log_dest file {self.log}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
        ]
        if self.passwd is not None or self.acl is not None:
            lines.append("allow_anonymous false")
        else:
            lines.append("allow_anonymous true")
        if self.passwd is not None:
            lines.append(f"password_file {self.passwd}")
        if self.acl is not None:
            lines.append(f"acl_file {self.acl}")
        if self.tls is not None:
            lines += [f"cafile {self.tls.cafile}", f"certfile {self.tls.certfile}",
                      f"keyfile {self.tls.keyfile}"]
        if self.subscribe_only_under is not None:
            rules = self.folder / "dynamic-security.json"
            rules.write_text(json.dumps(_subscribe_only_under(self.subscribe_only_under)))
            lines += [f"plugin {_dynamic_security_plugin()}", f"plugin_opt_config_file {rules}"]
        return "\n".join(lines) + "\n"

    def start(self) -> Broker:
        """Write the configuration, start the broker and wait until it listens; on a port it
        picked itself, again on a fresh port while another process takes the port first."""
        assert not self.running, "the broker is already running"
        binary = mosquitto_binary()
        self.data.mkdir(parents=True, exist_ok=True)

        def start_on(port: int) -> Broker:
            self.port = port
            self.conf.write_text(self.config_text())
            self._spawn(binary, self.conf)
            return self

        if self._port_chosen:
            return on_a_free_port(start_on, self.port)
        return start_on(self.port)

    def start_with(self, conf: Path) -> Broker:
        """Start the broker on a configuration written elsewhere (e.g. by the set-up command);
        `port` must be the port that file's listener uses. PortTaken when another process has
        it: write the configuration again for another port (`on_a_free_port`)."""
        assert not self.running, "the broker is already running"
        self.conf = conf
        self._spawn(mosquitto_binary(), conf)
        return self

    def _spawn(self, binary: str, conf: Path) -> None:
        """Start mosquitto and wait until it listens; PortTaken when its port was taken."""
        self.folder.mkdir(parents=True, exist_ok=True)
        logged = self._log_sizes()
        out = open(self.folder / "mosquitto.out", "ab")  # noqa: SIM115 - the child keeps it
        try:
            self._proc = subprocess.Popen([binary, "-c", str(conf)], stdout=out, stderr=out,
                                          stdin=subprocess.DEVNULL)
        finally:
            out.close()
        deadline = time.monotonic() + WAIT
        # Up when this run's log says it runs (then its listener is open) and the port accepts;
        # the port alone may be another process's that took it first.
        while not (RUNNING.search(self._logged_since(logged)) and self._accepts()):
            if self._proc.poll() is not None:
                said = self._logged_since(logged)
                error = PortTaken if ADDRESS_IN_USE in said else AssertionError
                raise error(f"mosquitto -c {conf} exited with {self._proc.returncode} before "
                            f"listening on {self.port}:\n{said[-4000:]}")
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(
                    f"mosquitto -c {conf} did not listen on {self.port} within {WAIT} s (its log "
                    f"must say 'mosquitto version ... running': log_type information):\n"
                    f"{self.logs()}")
            time.sleep(0.005)

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def _log_files(self) -> tuple[Path, Path]:
        # Its own log file, and its stdout/stderr (where a configuration logging to stderr,
        # as the set-up command's does, writes).
        return self.log, self.folder / "mosquitto.out"

    def _log_sizes(self) -> list[int]:
        return [path.stat().st_size if path.exists() else 0 for path in self._log_files()]

    def _logged_since(self, sizes: list[int]) -> str:
        """What the broker logged after `sizes` (`_log_sizes()` before this run)."""
        parts = []
        for path, size in zip(self._log_files(), sizes, strict=True):
            if path.exists():
                with path.open("rb") as f:
                    f.seek(size)
                    parts.append(f.read().decode(errors="replace"))
        return "".join(parts)

    def logs(self) -> str:
        """What the broker wrote (its log file and its stdout/stderr), for failure messages."""
        parts = []
        for path in (self.log, self.folder / "mosquitto.out"):
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "".join(parts)[-4000:]

    def save(self) -> None:
        """Make the broker write its persistence file now (SIGUSR1) and wait until it did."""
        assert self._proc is not None and self.running
        db = self.data / "mosquitto.db"
        before = db.stat().st_mtime_ns if db.exists() else None
        self._proc.send_signal(signal.SIGUSR1)
        wait_until(lambda: db.exists() and db.stat().st_mtime_ns != before,
                   f"mosquitto to save {db}")

    def stop(self) -> None:
        """SIGTERM: a clean stop (persistence saved, clients see the connection close)."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: the broker vanishes as in a crash; nothing is saved."""
        self._end(signal.SIGKILL)

    def restart(self) -> None:
        """Start again on the same port and configuration, with what persistence holds.

        The port cannot change (the clients know it): PortTaken when another process took it
        while the broker was down.
        """
        if self.running:
            self.stop()
        conf = self.conf
        self._spawn(mosquitto_binary(), conf)

    def _end(self, sig: signal.Signals) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(WAIT)
            raise AssertionError(f"mosquitto did not end within {WAIT} s of {sig.name}") from None
