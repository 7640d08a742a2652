"""`infusion-console staff ...` and `access-log`: secrets only from a file descriptor (or the
prompt), an administrator's sign-in for every change but the first administrator, every user
error one line on stderr with exit status 2, never a traceback."""

from __future__ import annotations

import os
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from datetime import UTC, datetime

import pytest

from console.cli import main
from console.clock import local_stamp
from console.store import EventLog

from .accounts import QA_ADMIN, QA_ADMIN_PIN, child_sign_in, close_fds, secret_fd

ROOT = Path(__file__).resolve().parents[2]
PIN = "27182818"


def staff(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main(["staff", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def as_admin(pin: str = QA_ADMIN_PIN) -> list[str]:
    return ["--admin", QA_ADMIN, "--admin-secret-fd", str(secret_fd(pin))]


def one_line_error(code: int, out: str, err: str, prefix: str) -> str:
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith(prefix), err
    assert "Traceback" not in err
    return err.strip()


@pytest.fixture
def with_admin(db: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A new log whose first administrator was added on the command line."""
    code, out, err = staff(capsys, "add", "--name", QA_ADMIN, "--roles", "administrator",
                           "--secret-fd", secret_fd(QA_ADMIN_PIN), "--db", db)
    assert (code, err) == (0, ""), err
    assert out == (f"created the session log {db}\n"
                   f"added account 1: {QA_ADMIN} (administrator; PIN)\n")
    return db


def rows(db: Path, query: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def test_the_first_administrator_needs_no_sign_in(with_admin: Path) -> None:
    assert rows(with_admin, "SELECT account, name, roles, changed_by FROM staff") == [
        (1, QA_ADMIN, "administrator", None)]


def test_the_first_account_must_be_an_administrator(db: Path, capsys) -> None:
    message = one_line_error(*staff(capsys, "add", "--name", "Ana", "--roles", "nurse",
                                    "--secret-fd", secret_fd(PIN), "--db", db),
                             "infusion-console staff add: ")
    assert message.endswith("the first account must have the administrator role (add it to "
                            "--roles)")


def test_adding_needs_the_administrators_sign_in(with_admin: Path, capsys) -> None:
    base = ["add", "--name", "Ana Nurse", "--roles", "nurse", "--badge", "B-17", "--db",
            with_admin]
    message = one_line_error(*staff(capsys, *base, "--secret-fd", secret_fd(PIN)),
                             "infusion-console staff add: ")
    assert message.endswith("this needs an administrator's sign-in: --admin NAME (the PIN or "
                            "password is asked for, or read from --admin-secret-fd N)")
    message = one_line_error(*staff(capsys, *base, "--secret-fd", secret_fd(PIN),
                                    *as_admin("11112222")), "infusion-console staff add: ")
    assert message == ("infusion-console staff add: sign-in refused: name or badge and PIN or "
                       "password do not match an account: check both and try again")
    code, out, err = staff(capsys, *base, "--secret-fd", secret_fd(PIN), *as_admin())
    assert (code, err) == (0, "")
    assert out == "added account 2: Ana Nurse (nurse; PIN, badge B-17)\n"
    assert rows(with_admin, "SELECT outcome, purpose, station FROM sign_ins") == [
        ("wrong", "administration", "command line"), ("ok", "administration", "command line")]
    assert rows(with_admin, "SELECT name, changed_by FROM staff WHERE id = 2") == [
        ("Ana Nurse", 1)]


def test_a_nurse_cannot_manage_staff(with_admin: Path, capsys) -> None:
    staff(capsys, "add", "--name", "Ana Nurse", "--roles", "nurse", "--secret-fd",
          secret_fd(PIN), "--db", with_admin, *as_admin())
    message = one_line_error(*staff(capsys, "list", "--db", with_admin, "--admin", "Ana Nurse",
                                    "--admin-secret-fd", secret_fd(PIN)),
                             "infusion-console staff list: ")
    assert message.endswith("Ana Nurse (nurse) may not manage staff accounts: it needs the "
                            "administrator role")


def test_list_disable_and_reset(with_admin: Path, capsys) -> None:
    staff(capsys, "add", "--name", "Ana Nurse", "--roles", "nurse,prescriber", "--badge", "B-17",
          "--secret-fd", secret_fd(PIN), "--db", with_admin, *as_admin())
    code, out, err = staff(capsys, "reset", "b-17", "--password", "--secret-fd",
                           secret_fd("a new password"), "--db", with_admin, *as_admin())
    assert (code, out, err) == (0, "reset the password of account 2: Ana Nurse\n", "")
    code, out, err = staff(capsys, "disable", "Ana Nurse", "--reason", "left the clinic", "--db",
                           with_admin, *as_admin())
    assert (code, out, err) == (0, "disabled account 2: Ana Nurse (disabled: left the clinic)\n",
                                "")
    code, out, err = staff(capsys, "list", "--db", with_admin, *as_admin())
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["id", "name", "badge", "roles", "secret", "state", "changed"]
    assert lines[1].split()[:6] == ["1", "QA", "Administrator", "-", "administrator", "PIN"]
    assert lines[2].split()[:7] == ["2", "Ana", "Nurse", "B-17", "nurse,prescriber", "password",
                                    "disabled"]
    assert "$argon2" not in out and PIN not in out


@pytest.mark.parametrize(("argv", "message"), [
    (["disable", "Nobody", "--reason", "x"], "no account has the badge, name or id 'Nobody': "
                                             "'infusion-console staff list' shows them"),
    (["disable", "QA Administrator", "--reason", "x"], "QA Administrator is the only active "
                                                       "administrator"),
    (["add", "--name", "Ana", "--roles", "nurse,chef"], "unknown role 'chef'"),
    (["add", "--name", "Ana", "--roles", "nurse", "--password"],
     "a password needs at least 8 characters; this one has 8"),
])
def test_user_errors_are_one_line(with_admin: Path, capsys, argv: list[str],
                                  message: str) -> None:
    extra = ["--secret-fd", str(secret_fd(PIN))] if argv[0] == "add" else []
    if "--password" in argv:
        extra = ["--secret-fd", str(secret_fd("short"))]
        message = "a password needs at least 8 characters; this one has 5"
    error = one_line_error(*staff(capsys, *argv, *extra, "--db", with_admin, *as_admin()),
                           f"infusion-console staff {argv[0]}: ")
    assert message in error


def test_a_weak_pin_is_refused_saying_what_is_allowed(with_admin: Path, capsys) -> None:
    error = one_line_error(*staff(capsys, "add", "--name", "Ana", "--roles", "nurse",
                                  "--secret-fd", secret_fd("12a4"), "--db", with_admin,
                                  *as_admin()), "infusion-console staff add: ")
    assert error.endswith("a PIN may hold only digits 0-9 (4 to 12 of them); this one holds "
                          "other characters: choose digits only, or make it a password")


def test_a_secret_is_never_an_argument(db: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["staff", "add", "--name", "Ana", "--roles", "administrator", "--pin", "4711",
              "--db", str(db)])
    _, err = capsys.readouterr()
    assert exited.value.code == 2 and "unrecognized arguments: --pin 4711" in err
    assert err.count("\n") == 1


def test_a_descriptor_that_is_not_open_is_one_line(db: Path, capsys) -> None:
    read, write = os.pipe()
    os.close(read), os.close(write)                        # `read` is now closed
    error = one_line_error(*staff(capsys, "add", "--name", "Ana", "--roles", "administrator",
                                  "--secret-fd", read, "--db", db),
                           "infusion-console staff add: ")
    assert f"--secret-fd {read}: cannot read it" in error


@pytest.mark.parametrize("fd", [99999999999, 2**31, 2**64])
def test_a_descriptor_number_no_descriptor_can_have_is_one_line(db: Path, capsys, fd: int) -> None:
    # Beyond a C int os.fdopen raised TypeError (it took the number for a path): a traceback.
    error = one_line_error(*staff(capsys, "add", "--name", "Ana", "--roles", "administrator",
                                  "--secret-fd", fd, "--db", db),
                           "infusion-console staff add: ")
    assert error.endswith(f"--secret-fd {fd}: cannot read it (no file descriptor {fd} is open): "
                          "pass a file descriptor open for reading, e.g. a pipe, or "
                          "--secret-fd 3 with 3<FILE in the shell")
    assert not db.exists()   # the descriptor is read before any file is opened


def test_every_secret_option_refuses_a_descriptor_that_cannot_exist(with_admin: Path,
                                                                     capsys) -> None:
    fd = str(99999999999)
    error = one_line_error(*staff(capsys, "reset", QA_ADMIN, "--secret-fd", fd, "--db",
                                  with_admin, *as_admin()), "infusion-console staff reset: ")
    assert f"--secret-fd {fd}: cannot read it (no file descriptor {fd} is open)" in error
    error = one_line_error(*staff(capsys, "list", "--admin", QA_ADMIN, "--admin-secret-fd", fd,
                                  "--db", with_admin), "infusion-console staff list: ")
    assert f"--admin-secret-fd {fd}: cannot read it (no file descriptor {fd} is open)" in error
    # `export --secret-fd` reads through the same function (console/identity/terminal.py).
    from console.identity.terminal import InputError, preread

    with pytest.raises(InputError, match=r"^--secret-fd 99999999999: cannot read it \(no file "):
        preread(99999999999)


def test_no_terminal_and_no_descriptor_is_refused_not_read_with_echo(tmp_path: Path) -> None:
    # A child without a controlling terminal: getpass would fall back to stdin with echo.
    done = subprocess.run(
        [sys.executable, "-m", "console.cli", "staff", "add", "--name", "Ana", "--roles",
         "administrator", "--db", str(tmp_path / "log.sqlite3")],
        input="4711\n", capture_output=True, text=True, timeout=60, cwd=ROOT,
        start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("infusion-console staff add: there is no terminal to type the PIN or "
                           "password at: pass it on a file descriptor with --secret-fd N\n")


def read_terminal(fd: int, until: bytes = b"", timeout: float = 60.0) -> bytes:
    """What the command wrote on its terminal (the pty's master `fd`): up to `until`, or to
    the command's end when `until` is empty."""
    said, end = b"", time.monotonic() + timeout
    while time.monotonic() < end and not (until and until in said):
        if not select.select([fd], [], [], 0.2)[0]:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:   # EIO: the command ended, the terminal is gone
            break
        if not chunk:
            break
        said += chunk
    return said


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pseudo-terminal (pty)")
def test_a_byte_that_is_not_utf8_typed_at_the_prompt_is_one_line_not_a_traceback(
        with_admin: Path) -> None:
    # A terminal set to Latin-1, an 'é' in the password: getpass's UnicodeDecodeError ended the
    # command in a traceback, where --secret-fd says in one line it is not UTF-8 text.
    before = rows(with_admin, "SELECT * FROM sign_ins")
    fd, terminal = os.openpty()
    # The command in a session of its own whose controlling terminal is the pty (getpass reads
    # /dev/tty), made by a small child before it becomes the command: no fork of this
    # multi-threaded test process (pty.fork warns of deadlocks on Python 3.13).
    take_terminal = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
                     "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")
    command = subprocess.Popen(
        [sys.executable, "-c", take_terminal, "-m", "console.cli", "staff", "list",
         "--db", str(with_admin), "--admin", QA_ADMIN],
        stdin=terminal, stdout=terminal, stderr=terminal, cwd=ROOT, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(terminal)
    try:
        prompt = read_terminal(fd, until=b"Administrator: ")
        os.write(fd, b"7091\xe94263\n")   # Latin-1 'e acute' in what is typed
        said = read_terminal(fd).decode(errors="replace")
    finally:
        status = command.wait(timeout=60)
        os.close(fd)
    assert prompt.endswith(f"PIN or password of {QA_ADMIN}: ".encode()), prompt
    # On a line of its own (the Enter typed was not echoed), and nothing else.
    assert said == ("\r\ninfusion-console staff list: what was typed at the terminal is not "
                    "UTF-8 text: nothing was done; set the terminal to UTF-8, or pass the PIN "
                    "or password on a file descriptor with --admin-secret-fd N\r\n"), said
    assert status == 2
    assert rows(with_admin, "SELECT * FROM sign_ins") == before   # no sign-in was tried


@pytest.mark.parametrize(("argv", "message"), [
    (["--name", "Ana", "--roles", "nurse,chef"], "unknown role 'chef'"),
    (["--name", QA_ADMIN, "--roles", "nurse"], f"an active account is already named {QA_ADMIN!r}"),
])
def test_an_account_that_cannot_be_made_is_refused_before_its_secret_is_asked(
        with_admin: Path, capsys, argv: list[str], message: str) -> None:
    # No --secret-fd: were the secret asked first, the administrator would type it twice at the
    # prompt (here: be told there is no terminal) and only then hear of the mistake.
    error = one_line_error(*staff(capsys, "add", *argv, "--db", with_admin, *as_admin()),
                           "infusion-console staff add: ")
    assert message in error and "terminal" not in error


def test_other_commands_need_a_log_and_an_administrator(db: Path, capsys) -> None:
    error = one_line_error(*staff(capsys, "list", "--db", db), "infusion-console staff list: ")
    assert error.endswith(f"no session log at {db}: check the path, or choose the log with --db")
    assert not db.exists()
    EventLog.open(db, "test").close()
    error = one_line_error(*staff(capsys, "list", "--db", db), "infusion-console staff list: ")
    assert error.endswith("there is no administrator in this log yet: add the first with "
                          f"'infusion-console staff add --db {db} --name NAME --roles "
                          "administrator'")   # the log meant, not the default one (QA)


def test_access_log_prints_the_table(with_admin: Path, capsys) -> None:
    from console.identity import AccessLog, Staff
    from console.records import SessionOpened

    from .conftest import T0, t

    with EventLog.open(with_admin, "test") as log:
        session = log.start_session(SessionOpened(
            patient_id="MRN-4711", protocol_id="iv-ketamine", protocol_version="2026.1",
            session_number=1, nurse="Ana", weight_kg=72.0, started_at=T0))
        unread = log.start_session(SessionOpened(
            patient_id="MRN-4712", protocol_id="iv-ketamine", protocol_version="2026.1",
            session_number=1, nurse="Ana", weight_kg=70.0, started_at=T0))
        admin = Staff(log).find(QA_ADMIN)
        assert admin is not None
        AccessLog(log).record_access(admin, "export", session, "fhir", True, t(5),
                                     detail="to /tmp/b.json", where="command line")
    assert main(["access-log", "--db", str(with_admin)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    header, row = out.splitlines()
    assert header.split() == ["id", "at", "who", "what", "session", "format", "de-identified",
                              "station", "detail"]
    at = local_stamp(datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC))   # this computer's local time
    assert row.split() == ["1", at, "QA", "Administrator", "(#1)",
                           "export", str(session), "fhir", "yes", "command", "line", "to",
                           "/tmp/b.json"]
    assert main(["access-log", "--db", str(with_admin), "--session", str(unread)]) == 0
    out = capsys.readouterr().out
    assert out == f"no read or export of session {unread} is recorded in {with_admin}\n"
    # A session the log does not hold is said to be so (QA: "none recorded" for a typo).
    assert main(["access-log", "--db", str(with_admin), "--session", "9"]) == 0
    assert capsys.readouterr().out == (
        f"session 9 is not in {with_admin}: no read or export of it can be recorded there "
        "(leave out --session to see the rows of every session)\n")


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1, 10**23])
def test_access_log_of_a_session_number_sqlite_cannot_hold_is_no_such_session(
        with_admin: Path, capsys, number: int) -> None:
    # Handed to SQLite it raised OverflowError: a traceback.
    assert main(["access-log", "--db", str(with_admin), "--session", str(number)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err == (f"infusion-console access-log: --session {number}: there is no such session "
                   "(session ids run from 1 to at most 9223372036854775807); leave out "
                   "--session to see the rows of every session\n")
    # The largest id SQLite holds is still a question it answers: no such session there.
    assert main(["access-log", "--db", str(with_admin), "--session", str(2**63 - 1)]) == 0
    assert capsys.readouterr().out.startswith(f"session {2**63 - 1} is not in {with_admin}: ")


def test_access_log_of_a_missing_log_is_one_line(tmp_path: Path, capsys) -> None:
    absent = tmp_path / "none.sqlite3"
    assert main(["access-log", "--db", str(absent)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"infusion-console access-log: no session log at {absent}")
    assert not absent.exists()


def test_staff_through_the_installed_entry_point(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    fd = secret_fd(QA_ADMIN_PIN)
    done = subprocess.run([str(Path(sys.executable).parent / "infusion-console"), "staff", "add",
                           "--name", QA_ADMIN, "--roles", "administrator", "--secret-fd", str(fd),
                           "--db", str(db)], capture_output=True, text=True, timeout=60,
                          pass_fds=(fd,))
    os.close(fd)
    assert done.returncode == 0, done.stderr
    signed, fds = child_sign_in(QA_ADMIN, QA_ADMIN_PIN)
    done = subprocess.run([str(Path(sys.executable).parent / "infusion-console"), "staff", "list",
                           "--admin", QA_ADMIN, "--admin-secret-fd", signed[3], "--db", str(db)],
                          capture_output=True, text=True, timeout=60, pass_fds=fds)
    close_fds(fds)
    assert done.returncode == 0, done.stderr
    assert QA_ADMIN in done.stdout


def test_access_log_of_a_log_without_accounts_says_why_nothing_is_recorded(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "none recorded" alone read as "nobody read or exported anything"; on a log without
    # accounts nothing is recorded at all (the transitional rule).
    EventLog.open(db, "test").close()
    assert main(["access-log", "--db", str(db)]) == 0
    assert capsys.readouterr().out == (
        f"no read or export is recorded in {db}: this log has no staff accounts, and reads and "
        f"exports are recorded from the first one on (infusion-console staff add --db {db} "
        "--name NAME --roles administrator)\n")



def test_a_number_that_names_two_accounts_is_refused_naming_both(with_admin: Path, capsys) -> None:
    # QA: with an account whose badge is "2", `disable 2` disabled that account, not account 2.
    for name, badge in (("Ana Nurse", None), ("Rex Reviewer", "2")):
        extra = ["--badge", badge] if badge else []
        assert staff(capsys, "add", "--name", name, "--roles", "nurse", *extra, "--secret-fd",
                     secret_fd(PIN), "--db", with_admin, *as_admin())[0] == 0
    error = one_line_error(*staff(capsys, "disable", "2", "--reason", "left", "--db", with_admin,
                                  *as_admin()), "infusion-console staff disable: ")
    assert error.endswith("'2' names two accounts: account 3 (Rex Reviewer, badge 2) and account "
                          "2 (Ana Nurse); give #2 for account 2, or the other's name")
    assert rows(with_admin, "SELECT count(*) FROM staff WHERE active = 0") == [(0,)]
    code, out, _ = staff(capsys, "disable", "#2", "--reason", "left", "--db", with_admin, *as_admin())
    assert (code, out) == (0, "disabled account 2: Ana Nurse (disabled: left)\n")
    code, out, _ = staff(capsys, "disable", "Rex Reviewer", "--reason", "left", "--db", with_admin,
                         *as_admin())
    assert (code, out) == (0, "disabled account 3: Rex Reviewer (disabled: left)\n")


def test_a_refused_add_on_a_mistyped_path_leaves_no_log(tmp_path: Path, capsys) -> None:
    typo = tmp_path / "sesions.sqlite3"
    error = one_line_error(*staff(capsys, "add", "--name", "Ana", "--roles", "nurse", "--db", typo,
                                  *as_admin()), "infusion-console staff add: ")
    assert error.endswith(f"no session log at {typo}: check the path, or choose the log with --db")
    assert list(tmp_path.iterdir()) == []


def test_one_descriptor_for_both_secrets_is_named(with_admin: Path, capsys) -> None:
    fd = secret_fd(QA_ADMIN_PIN)
    error = one_line_error(*staff(capsys, "reset", QA_ADMIN, "--secret-fd", fd, "--db", with_admin,
                                  "--admin", QA_ADMIN, "--admin-secret-fd", fd),
                           "infusion-console staff reset: ")
    assert error.endswith(f"--admin-secret-fd and --secret-fd both name descriptor {fd}: the "
                          "administrator's secret and the new one need one each")



def test_a_locked_out_account_is_listed_as_locked(with_admin: Path, capsys) -> None:
    # QA: after five wrong PINs `staff list` still said "active": the administrator could not
    # see the lock-out that `reset` ends.
    assert staff(capsys, "add", "--name", "Ana Nurse", "--roles", "nurse", "--secret-fd",
                 secret_fd(PIN), "--db", with_admin, *as_admin())[0] == 0
    for _ in range(5):
        code, _, _ = staff(capsys, "list", "--db", with_admin, "--admin", "Ana Nurse",
                           "--admin-secret-fd", secret_fd("9999"))
        assert code == 2
    code, out, _ = staff(capsys, "list", "--db", with_admin, *as_admin())
    assert code == 0
    ana = next(line for line in out.splitlines() if "Ana Nurse" in line)
    assert "locked until 20" in ana and " active " not in ana


@pytest.mark.parametrize("kind", ["empty file", "another program's database"])
def test_a_file_that_is_no_session_log_is_refused_untouched(tmp_path: Path, capsys,
                                                             kind: str) -> None:
    # An empty file became a 128 KB session log, another program's database turned WAL and
    # 0600, behind the refusal (review 39): refused as `verify` refuses it, before any write.
    db = tmp_path / "other.sqlite3"
    db.write_bytes(b"")
    if kind != "empty file":
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
        conn.close()
    os.chmod(db, 0o644)
    before = (db.read_bytes(), os.stat(db).st_mode & 0o777)
    error = one_line_error(*staff(capsys, "disable", "someone", "--reason", "left", "--db", db,
                                  *as_admin()), "infusion-console staff disable: ")
    assert "not a session log" in error or "empty" in error, error
    assert (db.read_bytes(), os.stat(db).st_mode & 0o777) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite3"]
