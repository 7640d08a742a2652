"""`infusion-console network setup`: the files a clinic's Mosquitto broker needs for the bus.

    infusion-console network setup --chairs N [--chair-prefix chair-] [--central central]
        [--host HOSTNAME] [--port 8883] [--bind ADDRESS] [--out DIR] [--topic-prefix infusion]

writes into DIR (default ./clinic-broker, which must not exist or be empty):

    mosquitto.conf    TLS-only listener, no anonymous clients, password file, ACL, persistence,
                      a queue sized for the clinic; run it with `mosquitto -c DIR/mosquitto.conf`
    passwd            one account per chair, one for each chair's `network resend`
                      (<chair>.resend) and one for the central station (hashed by
                      `mosquitto_passwd -U`; the passwords never appear on a command line)
    acl               each account's topics (below)
    ca.crt, ca.key    a test CA made with `openssl` (a clinic with its own PKI signs the broker's
                      certificate there instead)
    server.crt/.key   the broker's certificate for --host, signed by that CA; both valid from an
                      hour before the set-up, the broker's for 825 days, which the summary and
                      mosquitto.conf say (renewed by a new set-up)
    credentials.txt   every account's password, for the operator (0600: only you can read it)
    clinic-broker.service   a systemd unit that starts the broker at boot as the files' owner
                      (`sudo cp` it into /etc/systemd/system/, `sudo systemctl daemon-reload`,
                      `enable` and `restart clinic-broker`: a renewal's broker, already running,
                      is restarted with the new files); the set-up installs nothing itself
    stations/<name>/  one folder per station to copy to it: `password` (0600), `ca.crt`, and for
                      a chair its `network.toml` and `resend-password` (0600), for the central
                      station its `central.toml`
    data/             the broker's persistence

Keys, passwords and credentials.txt are 0600 and the folder 0700. No password is printed or
logged. Every mistake is one line on stderr and exit code 2.

The ACL (bus_topics: each chair publishes under its own branch):

- a chair writes its own `status`, `pcd01`, `pcd04`, `trend` and nothing else: not its own
  `command` or `confirm`, which only a central station may write (a chair that could confirm its
  own alarms would defeat quiet-room mode); it reads its own `command` and `confirm` and every
  central station's status;
- the central station reads every chair's topics, writes any chair's `command` and `confirm`,
  and writes under its own branch `<prefix>/central/<name>/`;
- `network resend`'s account of a chair (<chair>.resend) writes that chair's `pcd01` and `pcd04`
  only, what resend sends again.

The broker makes every client id its account's name (`use_username_as_clientid`): the ACL is
per account, and a chair's account could otherwise take the central station's session (and the
alarms queued for it) or another chair's connection. So each account has one connection and
one session, and resend, which runs beside the chair's console, has an account of its own.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import pwd
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final, NoReturn

from console.clock import Clock, SystemClock
from console.network import bus_topics
from console.network.bus_topics import DEFAULT_PREFIX, check_name, check_prefix, is_station_name
from console.network.config import is_loopback, os_words, undialable

PROG: Final = "infusion-console network setup"
MAX_CHAIRS: Final = 500
# The longest station name the bus takes (bus_topics: a topic level and a broker user name);
# said in --chair-prefix's refusal.
MAX_NAME: Final = 32
# The test CA lives long enough for a pilot; the broker's certificate stays within the 825 days
# that Apple platforms and most browsers still accept for a TLS server certificate.
CA_DAYS: Final = 3650
SERVER_DAYS: Final = 825
# The certificates are valid from this long before the set-up: from its very second, a chair
# whose clock was a minute behind the broker machine's was refused ("outside its dates"), and a
# new set-up made the same again (the review).
CLOCK_LEEWAY: Final = timedelta(hours=1)
# The systemd unit written beside mosquitto.conf (the bootstrap disables Debian's own
# mosquitto.service, a broker on 1883 nobody asked for: this one has a name of its own).
UNIT_NAME: Final = "clinic-broker"
UNIT: Final = f"{UNIT_NAME}.service"
# Where Debian and Ubuntu install the broker: the unit's path when `mosquitto` is not on PATH
# (/usr/sbin is not on a user's PATH everywhere).
MOSQUITTO: Final = "/usr/sbin/mosquitto"
# The broker certificate's CN, which no client checks (they check its subjectAltName, which names
# --host); not the host itself, which may be longer than the CN's 64 characters.
SERVER_CN: Final = "Clinic bus broker"
# What one chair publishes in an hour at most (bus_topics): a status every 2 s (1800), a trend
# every 30 s (120), a PCD-01 per committed observation (at most one a second from a bedside
# monitor, 3600) and a few PCD-04 alarm phases: about 6000.
MESSAGES_PER_CHAIR_HOUR: Final = 6000
# How long a central station with a persistent session may be away (a restart, a network outage)
# before Mosquitto starts dropping what it queued for it (the design notes: "Mosquitto drops beyond
# max_queued_messages: set it for the clinic's size"). One hour of the whole clinic.
QUEUE_HOURS: Final = 1
# Mosquitto's own default, kept as the floor for a very small clinic.
MIN_QUEUED: Final = 1000

# Chair topics a chair writes, and those only a central station writes (read by the chair).
_CENTRAL_WRITES: Final[tuple[bus_topics.Kind, ...]] = ("command", "confirm")
_CHAIR_WRITES: Final = tuple(k for k in bus_topics.CHAIR_KINDS if k not in _CENTRAL_WRITES)
# What `network resend` publishes again (console/network/resend.py `_bus_kind`).
_RESEND_WRITES: Final[tuple[bus_topics.Kind, ...]] = ("pcd01", "pcd04")
# A chair's resend account is its name and this: '.' is in no station name, so it is nobody's.
RESEND_SUFFIX: Final = ".resend"

_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


class SetupError(Exception):
    """A mistake the operator can fix: printed as one line, exit code 2."""


@dataclass(frozen=True)
class CertificateDates:
    """When the set-up's certificates are valid (UTC)."""

    valid_from: datetime      # both: CLOCK_LEEWAY before the set-up
    server_expires: datetime  # the broker's certificate: SERVER_DAYS on
    ca_expires: datetime      # the test CA: CA_DAYS on

    @classmethod
    def of(cls, made: datetime) -> CertificateDates:
        start = made.astimezone(UTC).replace(microsecond=0) - CLOCK_LEEWAY
        return cls(start, start + timedelta(days=SERVER_DAYS), start + timedelta(days=CA_DAYS))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise SetupError(f"{message} (see {PROG} --help)")


@dataclass(frozen=True)
class Plan:
    """What the set-up writes, every value checked."""

    chairs: tuple[str, ...]
    central: str
    host: str
    port: int
    bind: str | None
    out: Path  # absolute
    prefix: str
    broker_user: str | None   # the files' owner (file_owner); None: its uid has no name
    made: datetime = field(default_factory=lambda: datetime.now(UTC))   # when it is set up

    @property
    def dates(self) -> CertificateDates:
        return CertificateDates.of(self.made)

    @property
    def broker_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"mqtts://{host}:{self.port}"

    @property
    def max_queued(self) -> int:
        return max(MIN_QUEUED, len(self.chairs) * MESSAGES_PER_CHAIR_HOUR * QUEUE_HOURS)


_USAGE: Final = """usage: infusion-console network setup --chairs N [options]
                                      (broker files for a clinic)
       infusion-console network undelivered [--db PATH]
                                      (messages refused or given up, with their reasons)
       infusion-console network resend (--all | CONTROL_ID ...) [--db PATH]
                                      (send them again, same control ids, once fixed)
each with --help for its options"""


def main(argv: list[str], clock: Clock | None = None) -> int:
    """`infusion-console network ...` (argv[0] is the network command: `setup`, or
    `undelivered` / `resend`, console/network/resend.py). `clock`: when the set-up is made
    (the certificates' dates, the files' stamps); default the system's."""
    if not argv or argv[0] in ("-h", "--help"):
        print(_USAGE)
        return 0 if argv else 2
    if argv[0] in ("undelivered", "resend"):
        from console.network import resend  # noqa: PLC0415 - not needed by the set-up

        return resend.main(argv)
    if argv[0] != "setup":
        print(f"infusion-console network: unknown command {argv[0]!r}; the ones there are: "
              "setup, undelivered, resend (infusion-console network --help)", file=sys.stderr)
        return 2
    try:
        args = _parser().parse_args(argv[1:])
        plan = make_plan(args, (clock or SystemClock()).now().wall)
        write(plan)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except SetupError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    print(summary(plan))
    return 0


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="Write a Mosquitto configuration, accounts, ACL, a test CA and a server "
                    "certificate for the clinic bus, and one network.toml per chair.")
    parser.add_argument("--chairs", type=int, required=True, metavar="N",
                        help=f"how many chairs (1-{MAX_CHAIRS})")
    parser.add_argument("--chair-prefix", default="chair-",
                        help="chair names are this plus 1..N (default chair-)")
    parser.add_argument("--central", default="central",
                        help="the central station's name and account (default central)")
    parser.add_argument("--host", default="localhost",
                        help="the broker's host name or IP address as the chairs write it; the "
                             "server certificate is made for it (default localhost)")
    parser.add_argument("--port", type=int, default=8883, help="the TLS port (default 8883)")
    parser.add_argument("--bind", default=None, metavar="ADDRESS",
                        help="listen on this IP address only (default: every interface)")
    parser.add_argument("--out", type=Path, default=Path("clinic-broker"),
                        help="the folder to write (default ./clinic-broker; must not exist or "
                             "be empty)")
    parser.add_argument("--topic-prefix", default=DEFAULT_PREFIX,
                        help=f"first topic levels of the bus (default {DEFAULT_PREFIX})")
    return parser


def _host(value: str, option: str) -> str:
    """An IP address, or a host name as RFC 1123 writes one: labels of letters, digits and '-',
    the last one not all digits (so 999.1.1.1, a mistyped address, is not taken as a name).
    An IPv6 address with a scope (fe80::1%eth0) is refused: it names an interface of the
    machine that dials it, no certificate can hold it (openssl failed on its subjectAltName,
    the review), and a chair's kit could not use it."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        pass
    else:
        if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
            raise SetupError(
                f"{option} {value!r} is an IPv6 address with a scope (%{address.scope_id}), "
                "which a certificate cannot name and other computers cannot dial: give the "
                "broker's host name (e.g. broker.clinic.lan) or an address without a scope "
                "(e.g. 192.168.1.10 or fd00::5)")
        why = undialable(value)
        if why is not None:
            raise SetupError(
                f"{option} {value!r} is {why}: {option} is the broker's host name or address "
                "as the chairs connect to it (e.g. broker.clinic.lan or 192.168.1.10); --bind "
                "decides where the broker listens (leave it out: every interface)")
        return str(address)
    if not _HOSTNAME.fullmatch(value) or value.rsplit(".", 1)[-1].isdigit():
        raise SetupError(f"{option} {value!r} is not a host name or IP address: a host name is "
                         "letters, digits, '-' and '.', its last part not all digits (e.g. "
                         "broker.clinic.lan); an IP address is four numbers 0-255 (e.g. "
                         "192.168.1.10) or IPv6 (e.g. fd00::5)")
    return value.lower()


def _bind(value: str) -> str:
    """An IP address of the broker's machine for Mosquitto's listener line."""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise SetupError(f"--bind {value!r} is not an IP address: give one of the broker "
                         "machine's own addresses (e.g. 192.168.1.10, 127.0.0.1 or fd00::5), or "
                         "leave --bind out to listen on every interface") from None


def _bind_reaches(host: str, bind: str) -> None:
    """SetupError when the chairs dial --host, an IP address or localhost, and the broker
    would not listen there: --bind must be that address or every interface of its family (the
    review: --host
    10.0.0.5 --bind 10.0.0.6, or an IPv6 host on 0.0.0.0, and no chair could connect, nothing
    said). Mosquitto's `listener PORT ::` is IPv6 only (it sets IPV6_V6ONLY: 127.0.0.1 was
    refused on it), so `::` is an IPv6 host's only. A host name is not looked up, except
    localhost: it dials loopback, which a --bind on a network address does not reach (the
    review: `--host localhost --bind 192.0.2.2` wrote kits no chair could connect with)."""
    if not _is_ip(host):
        listening = ipaddress.ip_address(bind)
        if not is_loopback(host) or listening.is_loopback or listening.is_unspecified:
            return
        raise SetupError(f"--bind {bind} does not reach --host {host}: every chair's kit dials "
                         f"{host} (this machine's loopback) and the broker would listen on "
                         f"{bind} only, so no chair could connect; give --host this "
                         f"machine's name or address on the clinic network ({bind}), or --bind "
                         "127.0.0.1, or leave --bind out (every interface)")
    dialled, listening = ipaddress.ip_address(host), ipaddress.ip_address(bind)
    if listening == dialled or (listening.is_unspecified
                                and listening.version == dialled.version):
        return
    every = "0.0.0.0 (every IPv4 interface)" if dialled.version == 4 \
        else ":: (every IPv6 interface)"
    raise SetupError(f"--bind {bind} does not reach --host {host}: every chair's kit dials "
                     f"{host} and the broker would listen on {bind} only, so no chair could "
                     f"connect; give --bind {host}, or {every}, or leave --bind out (every "
                     "interface)")


def make_plan(args: argparse.Namespace, made: datetime) -> Plan:
    """Check every option; SetupError naming the option, the value and what is allowed. `made`:
    when the set-up is made."""
    if not 1 <= args.chairs <= MAX_CHAIRS:
        raise SetupError(f"--chairs {args.chairs} is not allowed: 1-{MAX_CHAIRS}")
    chairs = _chair_names(args.chair_prefix, args.chairs)
    try:
        central = check_name(args.central, "central station name (--central)")
        prefix = check_prefix(args.topic_prefix, "--topic-prefix")
    except ValueError as exc:
        raise SetupError(str(exc)) from None
    if central in chairs:
        raise SetupError(f"--central {central!r} is also a chair's name: the accounts must "
                         "differ (e.g. --central central)")
    if not 1 <= args.port <= 65535:
        raise SetupError(f"--port {args.port} is not allowed: 1-65535")
    host = _host(args.host, "--host")
    bind = _bind(args.bind) if args.bind is not None else None
    if bind is not None:
        _bind_reaches(host, bind)
    out = args.out.expanduser().absolute()
    try:
        taken = out.exists() and (not out.is_dir() or any(out.iterdir()))
    except OSError as exc:
        # A folder on its path closed to this account, a name too long: write() would fail the
        # same way, and this was a traceback (the review).
        raise SetupError(f"--out {out} cannot be used ({os_words(exc)}): choose a folder this "
                         "account can write") from None
    if taken:
        raise SetupError(f"{out} already exists and is not an empty folder: choose another "
                         "--out (a new set-up makes new passwords and a new CA)")
    for tool, package in (("openssl", "openssl"), ("mosquitto_passwd", "mosquitto-clients")):
        if shutil.which(tool) is None:
            raise SetupError(f"{tool} not found: install {package} (apt-get install {package})")
    return Plan(chairs, central, host, args.port, bind, out, prefix, file_owner(), made)


def file_owner() -> str | None:
    """The account the set-up's files belong to (the effective uid's), which Mosquitto started
    as root must drop to: its passwd, keys and folder are 0600/0700. Not LOGNAME or USER
    (getpass.getuser): `su` and `sudo -E` keep the caller's there, and the broker named that
    account, could not open its own passwd and stopped at once (the review). None when the uid
    has no account name (a container's arbitrary uid, never root): no `user` line then."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return None


def _chair_names(prefix: str, count: int) -> tuple[str, ...]:
    """`prefix`1 ... `prefix``count`, each a station name; else SetupError naming --chair-prefix
    (the operator typed a prefix: "chair name 'bed/1' is not allowed" named no option, and hid
    that the last name was too long, the review)."""
    names = tuple(f"{prefix}{number}" for number in range(1, count + 1))
    longest = names[-1]   # the longest: the most digits
    if len(longest) > MAX_NAME and is_station_name(longest[:MAX_NAME]):
        room = MAX_NAME - len(str(count))
        raise SetupError(
            f"--chair-prefix {prefix!r} is too long for {count} chairs: the chair names are the "
            f"prefix and a number, at most {MAX_NAME} characters ({longest!r} has "
            f"{len(longest)}); use a prefix of at most {room} characters (e.g. --chair-prefix "
            "chair-)")
    if not all(is_station_name(name) for name in names):
        shown = names[0] if count == 1 else f"{names[0]} ... {names[-1]}"
        raise SetupError(
            f"--chair-prefix {prefix!r} is not allowed: the chair names are the prefix and a "
            f"number ({shown}), and a name is 1-{MAX_NAME} letters, digits, '_' or '-' (it "
            "becomes a topic level and the broker user name); e.g. --chair-prefix chair-")
    return names


# ---------------------------------------------------------------------------------------------
# Writing


def write(plan: Plan) -> None:
    """Write every file of the set-up into `plan.out` (see the module docstring)."""
    out = plan.out
    created = not out.exists()
    try:
        _write_all(plan)
    except BaseException as exc:
        # Half a set-up is no use and would block the next run, and its passwd may still hold
        # every password in clear: take back what was written, on Ctrl+C (KeyboardInterrupt,
        # which the CLI reports as interrupted) as on any failure.
        _take_back(out, created)
        if isinstance(exc, OSError):
            raise SetupError(f"cannot write {exc.filename or out}: {exc.strerror or exc}") \
                from None
        raise


def _take_back(out: Path, created: bool) -> None:
    """Remove what a failed or interrupted `write` put into `out` (and `out`, if it made it)."""
    if created:
        shutil.rmtree(out, ignore_errors=True)
        return
    for child in out.iterdir() if out.is_dir() else ():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _write_all(plan: Plan) -> None:
    out = plan.out
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o700)
    (out / "data").mkdir()
    make_certificates(out, plan.host, plan.made)
    passwords = {name: secrets.token_urlsafe(18) for name in (
        *plan.chairs, plan.central, *(resend_account(chair) for chair in plan.chairs))}
    _write_passwd(out / "passwd", passwords)
    (out / "acl").write_text(acl_text(plan), encoding="utf-8")
    (out / "mosquitto.conf").write_text(mosquitto_conf(plan), encoding="utf-8")
    (out / UNIT).write_text(systemd_unit(plan), encoding="utf-8")
    _write_private(out / "credentials.txt", credentials_text(plan, passwords))
    for room, chair in enumerate(plan.chairs, start=1):
        kit = _station_kit(plan, chair, passwords[chair])
        _write_private(kit / "resend-password", passwords[resend_account(chair)] + "\n")
        (kit / "network.toml").write_text(network_toml(plan, chair, f"Room {room}"),
                                          encoding="utf-8")
    kit = _station_kit(plan, plan.central, passwords[plan.central])
    (kit / "central.toml").write_text(central_toml(plan), encoding="utf-8")


def resend_account(chair: str) -> str:
    """The broker account of `network resend` on `chair`'s computer."""
    return chair + RESEND_SUFFIX


def _station_kit(plan: Plan, name: str, password: str) -> Path:
    kit = plan.out / "stations" / name
    kit.mkdir(parents=True)
    _write_private(kit / "password", password + "\n")
    shutil.copyfile(plan.out / "ca.crt", kit / "ca.crt")
    return kit


def _write_private(path: Path, text: str) -> None:
    """Create `path` readable by its owner only, before any secret is in it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    path.chmod(0o600)


def _write_passwd(path: Path, passwords: dict[str, str]) -> None:
    # `mosquitto_passwd -U` hashes a file of user:password lines in place, so no password is on
    # a command line (where `ps` shows it), as with `-b`.
    _write_private(path, "".join(f"{user}:{pw}\n" for user, pw in passwords.items()))
    _step(["mosquitto_passwd", "-U", str(path)], "hashing the passwords", path)
    path.chmod(0o600)


def _step(command: list[str], what: str, *writes: Path) -> None:
    """Run `command` (`_run`), then check that each file it `writes` holds something. On a full
    disk openssl writes an empty key and exits 0: the set-up went on, and the next step said
    "Could not read CA private key" (a review). A step that fails or writes nothing on a disk
    with no space left says so, naming the file; otherwise the tool's own words."""
    try:
        _run(command, what)
    except SetupError:
        _refuse_if_full(writes)
        raise
    for path in writes:
        if not _holds_something(path):
            _refuse_if_full((path,))
            raise SetupError(f"{what}: {command[0]} wrote nothing to {path}")


def _holds_something(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _refuse_if_full(paths: tuple[Path, ...]) -> None:
    """Raise "cannot write PATH: the disk is full" for the first of `paths` whose disk has no
    space left (statvfs), the files not written first."""
    for path in sorted(paths, key=_holds_something):
        try:
            disk = os.statvfs(path.parent)
        except OSError:
            continue
        if disk.f_bavail == 0:
            raise SetupError(f"cannot write {path}: the disk is full")


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise SetupError(f"{what}: cannot run {command[0]} ({exc.strerror})") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise SetupError(f"{what}: {command[0]} failed with exit code {done.returncode}"
                         f"{': ' + said[-1] if said else ''}")


def make_certificates(folder: Path, host: str,
                      made: datetime | None = None) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for `host` (EC P-256), made with `openssl`.

    Writes ca.crt, ca.key, server.crt, server.key (keys 0600) into `folder`. The extensions are
    those a strict verifier asks for (Python 3.13's default context sets VERIFY_X509_STRICT):
    a critical CA basic constraint and key usage, key identifiers, and the host as a
    subjectAltName (DNS or IP), which is what TLS clients check, not the CN. The CN is a fixed
    text (SERVER_CN): X.509 limits it to 64 characters and a host name may have 253 (the review:
    a 70-character name stopped the set-up with openssl's "Error adding subject name
    attribute"). Both are valid from CLOCK_LEEWAY before `made` (default now), for CA_DAYS and
    SERVER_DAYS (CertificateDates): they are signed with `openssl ca`, whose -startdate every
    OpenSSL has (`x509 -req` and `req -x509` set a start only from 3.4 on); its database and
    copies are kept in a temporary folder, never in `folder`.

    Returns:
        (CA certificate, server certificate, server key).
    """
    dates = CertificateDates.of(made or datetime.now(UTC))
    san = f"IP:{host}" if _is_ip(host) else f"DNS:{host}"
    ca_crt, ca_key = folder / "ca.crt", folder / "ca.key"
    crt, key = folder / "server.crt", folder / "server.key"
    for private in (ca_key, key):
        _write_private(private, "")  # openssl writes into the 0600 file
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    with tempfile.TemporaryDirectory(prefix="clinic-broker-ca-") as temporary:
        work = Path(temporary)
        config, ca_csr, csr = work / "openssl.cnf", work / "ca.csr", work / "server.csr"
        (work / "index.txt").write_text("", encoding="utf-8")
        # The paths in it are the temporary folder's (letters, digits, '_'): a '$' or '#' of
        # the operator's --out would be read by openssl as a variable or a comment.
        config.write_text(
            "# The extensions of the test CA and the broker's certificate (openssl, set-up only)\n"
            "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n"
            "[ca_cert]\nbasicConstraints = critical, CA:TRUE\n"
            "keyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n"
            "[server_cert]\nbasicConstraints = critical, CA:FALSE\n"
            "keyUsage = critical, digitalSignature, keyAgreement\nextendedKeyUsage = serverAuth\n"
            f"subjectAltName = {san}\nsubjectKeyIdentifier = hash\n"
            "authorityKeyIdentifier = keyid:always\n"
            # `openssl ca`'s own settings: any subject as requested, in its order.
            f"[signing]\ndatabase = {work / 'index.txt'}\nnew_certs_dir = {work}\n"
            f"serial = {work / 'serial'}\n"
            "default_md = sha256\npolicy = as_requested\npreserve = yes\nunique_subject = no\n"
            "email_in_dn = no\ncopy_extensions = none\n"
            "[as_requested]\norganizationName = optional\ncommonName = supplied\n",
            encoding="utf-8")
        sign = ["openssl", "ca", "-batch", "-config", str(config), "-name", "signing",
                "-rand_serial", "-notext", "-keyfile", str(ca_key),
                "-startdate", _asn1_time(dates.valid_from)]
        _step(["openssl", "req", "-new", "-config", str(config), *ec, "-keyout", str(ca_key),
               "-out", str(ca_csr), "-subj", "/O=Infusion console/CN=Clinic bus test CA"],
              "making the test CA", ca_key, ca_csr)
        _step([*sign, "-selfsign", "-enddate", _asn1_time(dates.ca_expires), "-extensions",
               "ca_cert", "-in", str(ca_csr), "-out", str(ca_crt)], "making the test CA", ca_crt)
        _step(["openssl", "req", "-new", "-config", str(config), *ec, "-keyout", str(key),
               "-out", str(csr), "-subj", f"/O=Infusion console/CN={SERVER_CN}"],
              "making the broker's key", key, csr)
        _step([*sign, "-cert", str(ca_crt), "-enddate", _asn1_time(dates.server_expires),
               "-extensions", "server_cert", "-in", str(csr), "-out", str(crt)],
              "signing the broker's certificate", crt)
    for private in (ca_key, key):
        private.chmod(0o600)
    return ca_crt, crt, key


def _asn1_time(at: datetime) -> str:
    """`at` as `openssl ca -startdate` / `-enddate` take it (GeneralizedTime, UTC)."""
    return at.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _stamp(at: datetime) -> str:
    """`at` as the set-up's files and summary say a time: in UTC, to the minute."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def mosquitto_conf(plan: Plan) -> str:
    out = plan.out
    dates = plan.dates
    valid = (f"from {_stamp(dates.valid_from)} until {_stamp(dates.server_expires)} (ca.crt "
             f"until {_stamp(dates.ca_expires)})")
    bind = f" {plan.bind}" if plan.bind else ""
    chairs = plan.chairs[0] if len(plan.chairs) == 1 else f"{plan.chairs[0]} ... {plan.chairs[-1]}"
    return f"""\
# The clinic bus broker, written by `{PROG}` on {_stamp(plan.made)}
# for {len(plan.chairs)} chair(s) ({chairs}) and the central station {plan.central!r}.
# Start it with:   {_start_command(plan)}
# At boot: {UNIT} beside this file (its first lines say how to install it).
# The paths are absolute: if you move this folder, change them here (and in {UNIT}).

{_user_lines(plan)}

# TLS only: patient data never crosses the network in clear, and there is no plain listener.
# The chairs check this certificate against ca.crt and the host name {plan.host}.
# server.crt is valid {valid}.
# Before then, run the set-up again (a new CA, new passwords, a new kit for every station):
# after it, every chair and the central station are refused the bus ("certificate has expired").
listener {plan.port}{bind}
cafile {out}/ca.crt
certfile {out}/server.crt
keyfile {out}/server.key
tls_version tlsv1.2
# Each client's id is its account's name (mosquitto.conf(5): "replace the clientid that a client
# connected with its username ... it is possible to prevent one client disconnecting another by
# using the same clientid"). The ACL is per account, not per client id: without this a chair's
# account took the central station's session and the alarms queued for it, or knocked another
# chair off the bus. So each account has one connection and one session (the queue of an
# absent central station is kept under its account name); `network resend` has accounts of its
# own (<chair>.resend) so that it does not take its chair's connection.
use_username_as_clientid true

# Every client logs in, and each account uses only its own topics (acl).
allow_anonymous false
password_file {out}/passwd
acl_file {out}/acl

# Sessions, retained statuses and messages queued for an absent central station survive a
# restart: saved at a clean stop and every 60 s (a crash loses at most a minute of the queue;
# the chairs resend what the broker had not confirmed to them).
persistence true
persistence_location {out}/data/
autosave_interval 60

# QoS 1 messages kept for each absent client with a persistent session (the central station).
# Mosquitto drops what is beyond (max_queued_messages), so it is sized for this clinic: about
# {MESSAGES_PER_CHAIR_HOUR} messages per chair per hour x {len(plan.chairs)} chair(s) x {QUEUE_HOURS} h away.
max_queued_messages {plan.max_queued}
# A central station that has not come back within two days is forgotten.
persistent_client_expiration 2d
# Alarm messages are small: send each at once instead of waiting to fill a packet.
set_tcp_nodelay true

log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
"""


def systemd_unit(plan: Plan) -> str:
    """A systemd unit that starts the broker at boot with this folder's mosquitto.conf, as the
    account that owns the files (the README's command ran it in a terminal only: after a
    reboot no chair could connect). Written, not installed: that needs root."""
    user = plan.broker_user if plan.broker_user is not None else str(os.geteuid())
    binary = _broker_binary()
    return f"""\
# The clinic bus broker at boot, written by `{PROG}` on {_stamp(plan.made)}.
# Install it (as root):   cp {shlex.quote(str(plan.out / UNIT))} /etc/systemd/system/
#                         systemctl daemon-reload && systemctl enable {UNIT_NAME}
#                         systemctl restart {UNIT_NAME}   (a renewal: the new CA and passwords)
# See it:                 systemctl status {UNIT_NAME}; journalctl -u {UNIT_NAME}
# Moved this folder, or changed this file: copy it again, then systemctl daemon-reload.
[Unit]
Description=Clinic bus broker (Mosquitto) for the infusion consoles
Wants=network-online.target
After=network-online.target

[Service]
# The account that owns this folder's keys and passwd (mosquitto.conf's `user`).
User={_systemd_word(user)}
ExecStart={_systemd_command([binary, "-c", str(plan.out / "mosquitto.conf")])}
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
"""


def _systemd_word(text: str) -> str:
    """`text` as one word of a unit file's setting: in double quotes when it holds a space, a
    quote or a backslash, with systemd's specifiers (%) doubled (systemd.unit(5))."""
    if re.search(r'[\s"\'\\]', text):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text.replace("%", "%%")


def _systemd_command(words: list[str]) -> str:
    """An ExecStart line's words: as `_systemd_word`, and `$` doubled, which ExecStart would
    take for a variable (systemd.service(5)); a folder "Clinic IT" stays one argument."""
    return " ".join(_systemd_word(word).replace("$", "$$") for word in words)


def _user_lines(plan: Plan) -> str:
    if plan.broker_user is None:
        return (f"# The set-up ran as uid {os.geteuid()}, which has no account name: start the "
                "broker as that uid\n# (started as root, Mosquitto would drop to `mosquitto`, "
                "which cannot read these files).")
    return ("# Started as root, Mosquitto drops to this user, which must read the key and write "
            "data/ (the\n# files belong to the account that ran the set-up). Started as that "
            f"user, this line does nothing.\nuser {plan.broker_user}")


def acl_text(plan: Plan) -> str:
    p = plan.prefix
    lines = [
        f"# Who reads and writes what on the clinic bus (Mosquitto acl_file), written by `{PROG}`",
        f"# on {_stamp(plan.made)}. A chair writes only its own "
        f"{', '.join(_CHAIR_WRITES)}; only the",
        "# central station writes a chair's command and confirm (a chair that could confirm its",
        "# own alarms would defeat quiet-room mode).",
        "",
    ]
    for chair in plan.chairs:
        lines.append(f"user {chair}")
        # Its own status it reads too: a status there from another console is a second
        # station running with this chair's settings kit (console/network/link.py).
        lines += [f"topic {'readwrite' if kind == 'status' else 'write'} "
                  f"{bus_topics.chair_topic(chair, kind, p)}" for kind in _CHAIR_WRITES]
        lines += [f"topic read {bus_topics.chair_topic(chair, kind, p)}" for kind in _CENTRAL_WRITES]
        lines += [f"topic read {bus_topics.central_filter(p)}", ""]
    lines += [
        f"user {plan.central}",
        f"topic read {p}/chair/#",
        *(f"topic write {p}/chair/+/{kind}" for kind in _CENTRAL_WRITES),
        f"topic readwrite {p}/central/{plan.central}/#",   # its own presence too (twin_watch)
        "",
        "# `network resend`'s accounts: each sends again only its chair's refused messages.",
    ]
    for chair in plan.chairs:
        lines.append(f"user {resend_account(chair)}")
        lines += [f"topic write {bus_topics.chair_topic(chair, kind, p)}"
                  for kind in _RESEND_WRITES]
        lines.append("")
    return "\n".join(lines)


def credentials_text(plan: Plan, passwords: dict[str, str]) -> str:
    width = max(len(name) for name in passwords)
    rows = "".join(f"{name:<{width}}  {password}\n" for name, password in passwords.items())
    return (f"# The clinic bus accounts for {plan.broker_url}, written by `{PROG}` on "
            f"{_stamp(plan.made)}.\n"
            "# Readable by you only. Each station's folder (stations/<name>/password) holds its\n"
            "# own password; keep this file offline or delete it once the stations are set up.\n"
            f"{rows}")


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def network_toml(plan: Plan, chair: str, room: str) -> str:
    return f"""\
# The clinic bus settings of {chair}, written by `{PROG}` on {_stamp(plan.made)}.
# The console reads them from ~/.config/infusion-console/network.toml. The two file paths are
# read from this file's folder: copy password and ca.crt with it, and nothing needs changing.
[network]
broker = {_toml_string(plan.broker_url)}
chair = {_toml_string(chair)}
room = {_toml_string(room)}
username = {_toml_string(chair)}
password_file = "password"
ca_file = "ca.crt"
# `network resend`'s own account: it sends beside the running console, whose connection the
# broker would give it on the chair's account (one connection per account).
resend_username = {_toml_string(resend_account(chair))}
resend_password_file = "resend-password"
allow_plaintext = false
# forward = "mllps://engine.clinic.lan:6661"   # the clinic's interface engine, if there is one
# forward_ca_file = "engine-ca.pem"   # the CA of the engine's certificate, if not ca.crt's
quiet_room = false
topic_prefix = {_toml_string(plan.prefix)}
"""


def central_toml(plan: Plan) -> str:
    return f"""\
# The clinic bus settings of the central station {plan.central}, written by `{PROG}` on
# {_stamp(plan.made)}. `infusion-console central` (and its desktop menu entry) reads them from
# ~/.config/infusion-console/central.toml. The two file paths are read from this file's
# folder: copy password and ca.crt with it, and nothing needs changing.
[central]
broker = {_toml_string(plan.broker_url)}
name = {_toml_string(plan.central)}
username = {_toml_string(plan.central)}
password_file = "password"
ca_file = "ca.crt"
prefix = {_toml_string(plan.prefix)}
"""


def summary(plan: Plan) -> str:
    out = plan.out
    return (
        f"Wrote the clinic bus broker set-up for {len(plan.chairs)} chair(s) and the central "
        f"station {plan.central!r} into {out}:\n"
        f"  mosquitto.conf     TLS on port {plan.port}; start it with: {_start_command(plan)}\n"
        f"  passwd, acl        accounts {', '.join(plan.chairs[:3])}"
        f"{', ...' if len(plan.chairs) > 3 else ''}, {plan.central} and each chair's "
        f"{resend_account('<chair>')} (network resend); each uses only its own topics, one "
        "connection at a time\n"
        f"  ca.crt, server.*   a test CA and the broker's certificate for {plan.host}, valid "
        f"from {_stamp(plan.dates.valid_from)} (an hour back: a station whose clock is a little "
        "behind takes it); the broker's certificate expires on "
        f"{_stamp(plan.dates.server_expires)}: before then, run the set-up again and give every "
        "station its new kit\n"
        f"  stations/<name>/   for each station: password, ca.crt, and a chair's network.toml "
        f"and resend-password or the central's central.toml (broker {plan.broker_url})\n"
        "  credentials.txt    every account's password, readable by you only (passwords are "
        "not printed)\n"
        f"  {UNIT}  starts the broker at boot; install it: sudo cp "
        f"{shlex.quote(str(out / UNIT))} /etc/systemd/system/ && sudo systemctl daemon-reload "
        f"&& sudo systemctl enable {UNIT_NAME} && sudo systemctl restart {UNIT_NAME}"
        + _only_here(plan) + _listens_here(plan) + _as_root(plan)
    )


def _start_command(plan: Plan) -> str:
    """The command that starts the broker, as a shell runs it (the review: a folder "Clinic IT"
    made it three arguments), by the broker's full path: the account the set-up is run as,
    not root, has no /usr/sbin on its PATH on Debian (`mosquitto: command not found`)."""
    return (f"{shlex.quote(_broker_binary())} "
            f"-c {shlex.quote(str(plan.out / 'mosquitto.conf'))}")


def _broker_binary() -> str:
    return shutil.which("mosquitto") or MOSQUITTO


def _as_root(plan: Plan) -> str:
    """Set up as root, the broker keeps root's rights (`user root`): said, not done in silence
    (the clinic IT audit)."""
    if plan.broker_user != "root":
        return ""
    return ("\nNote: set up as root, mosquitto.conf says `user root`: the broker keeps root's "
            "rights once started. Run the set-up as the account the broker is to run as, or "
            "change that line and give that account the folder's files.")


def _only_here(plan: Plan) -> str:
    """A certificate for this machine's own name on a broker that listens on the network: a
    chair on another computer cannot connect to it (QA: nothing said so)."""
    if not is_loopback(plan.host) or (plan.bind and is_loopback(plan.bind)):
        return ""
    return (f"\nNote: the certificate names only {plan.host}: chairs on other computers cannot "
            "connect to this broker. For a clinic, run the set-up again with --host and the "
            "broker's name (or address) on the clinic network.")


def _listens_here(plan: Plan) -> str:
    """The mirror of `_only_here`: kits naming a host on the network for a broker that listens
    on loopback only; a chair on another computer cannot connect to it (the review: nothing
    said)."""
    if is_loopback(plan.host) or not plan.bind or not is_loopback(plan.bind):
        return ""
    return (f"\nNote: the broker listens on {plan.bind} only (--bind), which other computers "
            f"cannot reach: the chairs' kits name {plan.host}, and only a chair on this machine "
            "can connect. For a clinic, run the set-up again with --bind and this machine's "
            "address on the clinic network, or without --bind (every interface).")
