"""R14: staff sign-in under attack, secrets on disk, and the access log edited from outside.

- 10,000 wrong PINs (500 in the default run) go through `Staff.sign_in`, the path the sign-in
  screen and `infusion-console export` use, with the production Argon2id hasher, one every half
  second of injected time (83 minutes of guessing). Every one is refused; the account is locked
  for five minutes after each five wrong in a row, and while it is locked the right PIN is
  refused too and no secret is checked (the hasher counts: one Argon2id check per `wrong`
  outcome, none per `locked`). The figures are printed with `-s`.
- The log file, its WAL and its shared-memory file hold none of the 10,000 wrong PINs nor the
  right one (every 12-digit run of the files' bytes is compared with the guesses).
- An `access_log` row written by a real `infusion-console export` and then edited (or deleted)
  with the stock `sqlite3` program, triggers dropped first, is named by
  `infusion-console verify`; without dropping them the edit is refused as append-only.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.identity import LOCK_AFTER, LOCK_FOR, Argon2Hasher, Outcome, SecretKind, Staff
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.faults.conftest import BIN, sql
from tests.identity.accounts import child_sign_in, close_fds, ensure_account

pytestmark = pytest.mark.faults

GUESSES_FAULT_RUN = 10_000
GUESSES_DEFAULT_RUN = 500
STEP = timedelta(seconds=0.5)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAME, PIN = "Ana Nurse", "8302749156"

SQLITE3 = shutil.which("sqlite3")
needs_cli = pytest.mark.skipif(SQLITE3 is None, reason="the sqlite3 program is not installed "
                               "(scripts/bootstrap.sh installs it: apt package sqlite3)")


class CountingArgon2(Argon2Hasher):
    """The production hasher, counting the checks it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.checks = 0

    def verify(self, stored: str, secret: str) -> bool:
        self.checks += 1
        return super().verify(stored, secret)

    def dummy_verify(self, secret: str) -> None:
        self.checks += 1
        super().dummy_verify(secret)


def wrong_pins(count: int) -> list[str]:
    """`count` distinct 12-digit guesses, none of them the PIN (seeded: the same every run)."""
    rng = random.Random(14)
    guesses: set[str] = set()
    while len(guesses) < count:
        guess = f"{rng.randrange(10**11, 10**12)}"
        if guess != PIN:
            guesses.add(guess)
    return sorted(guesses, key=lambda _: rng.random())


def test_wrong_pins_are_all_refused_and_the_lock_out_holds(tmp_path: Path,
                                                           fault_run: bool) -> None:
    count = GUESSES_FAULT_RUN if fault_run else GUESSES_DEFAULT_RUN
    db = tmp_path / "log.sqlite3"
    hasher = CountingArgon2()
    guesses = wrong_pins(count)
    log = EventLog.open(db, "r14", now=T0)
    staff = Staff(log, hasher)
    admin = staff.add("Ada Admin", "administrator", "58203914", SecretKind.PIN, None, T0)
    staff.add(NAME, "nurse", PIN, SecretKind.PIN, admin, T0)
    hasher.checks = 0
    outcomes: dict[Outcome, int] = {}
    locked_until: datetime | None = None
    right_refused = 0
    began = time.perf_counter()
    for i, guess in enumerate(guesses):
        now = T0 + STEP * (i + 1)
        result = staff.sign_in(NAME, guess, now, where="chair 3")
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
        assert not result.ok
        if locked_until is not None and now < locked_until:
            # Inside a lock-out: refused as locked, until the same moment.
            assert (result.outcome, result.locked_until) == (Outcome.LOCKED, locked_until)
            if i % 50 == 0:   # and the right PIN is refused as well, unchecked
                right = staff.sign_in(NAME, PIN, now + STEP / 2, where="chair 3")
                assert right.outcome is Outcome.LOCKED
                right_refused += 1
        else:
            assert result.outcome is Outcome.WRONG, (i, result)
            if result.locked_until is not None:          # the fifth wrong in a row
                assert result.locked_until == now + LOCK_FOR
                locked_until = result.locked_until
    elapsed = time.perf_counter() - began
    windows = outcomes[Outcome.WRONG] // LOCK_AFTER
    # Five checked guesses per five minutes (plus the ones before the lock ends), no more.
    span = STEP * count
    assert windows <= span / LOCK_FOR + 1
    assert outcomes[Outcome.WRONG] + outcomes[Outcome.LOCKED] == count
    assert hasher.checks == outcomes[Outcome.WRONG]        # no check while locked
    assert right_refused >= 1
    stored = sql(db, "SELECT outcome, count(*) FROM sign_ins WHERE account = 2 "
                     "GROUP BY outcome ORDER BY outcome")
    assert stored == [("locked", outcomes[Outcome.LOCKED] + right_refused),
                      ("wrong", outcomes[Outcome.WRONG])]
    assert sql(db, "SELECT count(*) FROM sign_ins WHERE outcome = 'ok'") == [(0,)]
    assert log.verify().ok
    print(f"\nR14: {count} wrong PINs over {span}: {outcomes[Outcome.WRONG]} checked "
          f"({windows} lock-outs), {outcomes[Outcome.LOCKED]} refused while locked without a "
          f"check, {right_refused} right PINs refused while locked; {elapsed:.1f} s "
          f"({elapsed / count * 1000:.2f} ms an attempt)")

    # No secret on disk: the WAL (not yet checkpointed) and then the file after closing.
    assert_no_guess(db, guesses)
    log.close()
    assert_no_guess(db, guesses)


def assert_no_guess(db: Path, guesses: list[str]) -> None:
    wanted = set(guesses)
    files = [p for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))
             if p.exists()]
    for path in files:
        data = path.read_bytes()
        assert PIN.encode() not in data, f"{path.name} holds the PIN"
        found: set[str] = set()
        for run in re.findall(rb"\d{12,}", data):
            text = run.decode()
            found.update(text[k:k + 12] for k in range(len(text) - 11))
        leaked = found & wanted
        assert not leaked, f"{path.name} holds {len(leaked)} guessed PINs, e.g. {min(leaked)}"


# --- the access log edited with the sqlite3 tool ---


def sqlite3_cli(db: Path, statement: str) -> subprocess.CompletedProcess[str]:
    assert SQLITE3 is not None
    return subprocess.run([SQLITE3, str(db), statement], capture_output=True, text=True,
                          timeout=30)


def verify(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "infusion-console"), "verify", "--db", str(db)],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log with one session exported three times by a real `infusion-console export`; each
    test edits its own copy."""
    folder = tmp_path_factory.mktemp("r14")
    db = folder / "log.sqlite3"
    clock = ManualClock(T0)
    with EventLog.open(db, "r14") as log:
        engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"),
                                    log, Patient("MRN-R14", 70), "qa", clock.now())
        engine.enter_manual("bp_systolic", 128, "qa", clock.advance(60))
    ensure_account(db)
    for option, target in (("--fhir", "b.json"), ("--csv", "csv"), ("--rems", "r.txt")):
        signed, fds = child_sign_in()
        done = subprocess.run([str(BIN / "infusion-console"), "export", "1", option,
                               str(folder / target), "--db", str(db), *signed],
                              capture_output=True, text=True, timeout=120, pass_fds=fds)
        close_fds(fds)
        # REMS of an IV session is refused after the access was recorded: a second row says
        # the file was not written, and why.
        assert done.returncode == (2 if option == "--rems" else 0), done.stderr
    rows = sql(db, "SELECT format, detail FROM access_log ORDER BY id")
    assert [r[0] for r in rows] == ["fhir", "csv", "rems", "rems"]
    assert str(rows[3][1]).startswith(f"NOT WRITTEN: {folder / 'r.txt'}: ")
    return db


@pytest.fixture
def db(exported: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "log.sqlite3"
    shutil.copy(exported, copy)
    return copy


@needs_cli
def test_the_sqlite3_tool_cannot_edit_the_access_log(db: Path) -> None:
    before = sql(db, "SELECT * FROM access_log ORDER BY id")
    for statement in ("UPDATE access_log SET deidentified = 1", "DELETE FROM access_log"):
        result = sqlite3_cli(db, statement)
        assert result.returncode != 0 and "access_log is append-only" in result.stderr
    assert sql(db, "SELECT * FROM access_log ORDER BY id") == before
    assert verify(db).returncode == 0


@needs_cli
@pytest.mark.parametrize(("edit", "says"), [
    ("UPDATE access_log SET deidentified = 1 WHERE id = 1",
     "access_log row 1: its content does not match its row_hash"),
    ("UPDATE access_log SET name = 'Someone Else' WHERE id = 2",
     "access_log row 2: its content does not match its row_hash"),
    ("DELETE FROM access_log WHERE id = 1",
     "access_log row 2 no longer follows the row before it: row(s) 1 were deleted"),
    ("DELETE FROM access_log WHERE id = 4",
     "access_log: rows 4 to 4 were deleted from the end outside the console"),
])
def test_an_access_log_row_edited_with_the_sqlite3_tool_is_named_by_verify(
        db: Path, edit: str, says: str) -> None:
    assert verify(db).returncode == 0
    result = sqlite3_cli(db, "DROP TRIGGER access_log_no_update; "
                             f"DROP TRIGGER access_log_no_delete; {edit};")
    assert result.returncode == 0, result.stderr
    tampered = verify(db)
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    first = tampered.stdout.strip().splitlines()[0]
    assert first.startswith(f"{db}: ") and says in first, first
