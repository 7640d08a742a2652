"""The log reached through links, and the files SQLite keeps beside it (review 43, self2-store).

- A folder above the data folder that is a symlink (/home -> /data/home, macOS /tmp) is no link
  into nothing: the first start makes the log (it was refused as "the folder the link points
  into is not there").
- The -wal of a log opened through a symlink is the one beside the real file for every check:
  a damaged one was passed over by `verify` and the console's open through the link.
- The -shm deleted while a console runs: a second console started then made a new one and the
  two wrote one -wal blind to each other (a session lost). The running console holds its writes
  and a second one does not start on the log, nor after the review (another program) has made
  a new -shm (the first's close had checkpointed by its own index and deleted the -wal with the
  second's session in it); nothing in normal use trips that.
- A log with two names (a hard link): SQLite keeps a -wal per name, so two consoles on two names
  lost a session. A log with another name is refused at open; the name a new log is built under
  (gone a moment later) is not such a name.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from console.review.access import close_writing_last
from console.review.queries import open_readonly
from console.store import EventLog, LogError
from tests.store.test_wal_damage import FRAME, flip, live_copy

from . import PROJECT_ROOT, VERSION, obs, opened

_SECOND_CONSOLE = r"""
import sys
from pathlib import Path
from console.store import EventLog, LogError
from tests.store import VERSION, obs, opened
try:
    log = EventLog.open(Path(sys.argv[1]), VERSION)
except LogError as exc:
    print(exc.cause)
    sys.exit(4)
sid = log.start_session(opened("CHAIR-2"))
log.write([obs(sid, s, 70 + s % 10) for s in range(20)])
log.close()
"""


pytestmark = pytest.mark.usefixtures("folder_age")


def _second_console(db: Path) -> subprocess.CompletedProcess[str]:
    """Another chair's console, its own process, records a session on `db` and stops (exit 4
    and the cause when the log is refused)."""
    done = subprocess.run([sys.executable, "-c", _SECOND_CONSOLE, str(db)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode in (0, 4), done.stderr
    return done


# --- a folder above reached through a link ---------------------------------------------------


def test_first_start_under_a_symlinked_home_makes_the_log(tmp_path: Path) -> None:
    real_home = tmp_path / "data" / "home" / "nurse"
    real_home.mkdir(parents=True)
    (tmp_path / "home").symlink_to(tmp_path / "data" / "home")
    # platformdirs' default: ~/.local/share/infusion-console/sessions.sqlite3, not made yet
    db = tmp_path / "home" / "nurse" / ".local" / "share" / "infusion-console" / "sessions.sqlite3"
    EventLog.open(db, VERSION).close()
    assert (real_home / ".local" / "share" / "infusion-console" / "sessions.sqlite3").is_file()
    with EventLog.open(db, VERSION) as log:
        assert log.open_sessions() == []


def test_a_folder_link_into_nothing_is_refused_and_no_folder_made(tmp_path: Path) -> None:
    # data/clinic -> a network disk's folder, not mounted: the log must not be made locally.
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "clinic").symlink_to(tmp_path / "nas" / "clinic")
    with pytest.raises(LogError) as refused:
        EventLog.open(tmp_path / "data" / "clinic" / "sessions.sqlite3", VERSION)
    assert "the link points into is not there" in str(refused.value)
    assert not (tmp_path / "nas").exists()


# --- a damaged -wal of a linked log ----------------------------------------------------------


def _linked_damaged(tmp_path: Path) -> tuple[Path, Path]:
    real = live_copy(tmp_path)                      # tmp/copy/log.sqlite3 + its -wal
    flip(Path(f"{real}-wal"), 32 + 3 * FRAME + 24 + 100)
    (tmp_path / "data").mkdir()
    link = tmp_path / "data" / "log.sqlite3"
    link.symlink_to(real)
    return real, link


def test_verify_through_a_link_finds_the_damaged_wal(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    real, link = _linked_damaged(tmp_path)
    assert main(["verify", "--db", str(real)]) == 3
    capsys.readouterr()
    code = main(["verify", "--db", str(link)])
    out = capsys.readouterr().out
    assert code == 3, f"verify through the link: exit {code}: {out}"


def test_the_console_and_the_review_refuse_a_linked_log_with_a_damaged_wal(
        tmp_path: Path) -> None:
    real, link = _linked_damaged(tmp_path)
    wal_before = Path(f"{real}-wal").read_bytes()
    with pytest.raises(LogError) as console:
        EventLog.open(link, VERSION)
    assert console.value.cause == "corrupt" and console.value.path == link
    with pytest.raises(LogError) as review:
        open_readonly(link)
    assert review.value.cause == "corrupt"
    close_writing_last(link)   # never folds a damaged -wal
    assert Path(f"{real}-wal").read_bytes() == wal_before


# --- the -shm deleted under a running console ------------------------------------------------


def test_shm_deleted_under_a_running_console_loses_no_acknowledged_row(tmp_path: Path) -> None:
    db = tmp_path / "sessions.sqlite3"
    first = EventLog.open(db, VERSION)
    sid = first.start_session(opened("CHAIR-1"))
    first.write([obs(sid, s) for s in range(10)])
    os.unlink(f"{db}-shm")
    # the second chair's console starts on the same log and records, unless refused; a
    # connection of this process is refused likewise (its locks are invisible to the probe)
    second = _second_console(db)
    with pytest.raises(LogError) as refused_here:
        EventLog.open(db, VERSION)
    assert refused_here.value.cause == "moved" and "-shm" in refused_here.value.detail
    with pytest.raises(LogError) as held:   # held under the technical alarm, not acknowledged
        first.write([obs(sid, 100 + s) for s in range(30)])
    assert held.value.cause == "moved" and "sessions.sqlite3-shm" in held.value.detail
    first.close()
    with EventLog.open(db, VERSION) as log:
        patients = sorted(row.patient_id for row in log.open_sessions())
        rows = log.conn.execute("SELECT count(*) FROM observations").fetchone()[0]
        ok = log.verify().ok
    started = second.returncode == 0
    assert (patients, rows, ok) == (["CHAIR-1", *(["CHAIR-2"] if started else [])],
                                    10 + (20 if started else 0), True), second.stdout
    assert not started


def test_the_second_console_is_refused_while_the_first_holds_the_deleted_shm(
        tmp_path: Path) -> None:
    db = tmp_path / "sessions.sqlite3"
    first = EventLog.open(db, VERSION)
    first.start_session(opened("CHAIR-1"))
    os.unlink(f"{db}-shm")
    second = _second_console(db)
    first.close()
    assert (second.returncode, second.stdout.strip()) == (4, "moved")
    # the first closed: the -wal without its -shm is what a crash leaves, opened as ever
    assert _second_console(db).returncode == 0


_READER = r"""
import sys
from pathlib import Path
from console.review.queries import open_readonly
reader = open_readonly(Path(sys.argv[1]))
print(reader.execute("SELECT count(*) FROM observations").fetchone()[0], flush=True)
if sys.argv[2] == "stays open":
    sys.stdin.readline()
reader.close()
"""


@pytest.mark.parametrize("reader", ["closed", "stays open"])
def test_a_second_console_is_refused_after_a_reader_made_the_shm_again(tmp_path: Path,
                                                                      reader: str) -> None:
    db = tmp_path / "sessions.sqlite3"
    first = EventLog.open(db, VERSION)
    sid = first.start_session(opened("CHAIR-1"))
    first.write([obs(sid, s) for s in range(10)])
    os.unlink(f"{db}-shm")
    # the review (another program, read-only) opens the log and makes a new -shm
    review = subprocess.Popen([sys.executable, "-c", _READER, str(db), reader],
                              cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert review.stdout is not None and review.stdout.readline().strip() == "10"
    assert os.path.exists(f"{db}-shm")
    second = _second_console(db)   # its 20 readings were lost when the first closed
    review.communicate("\n", timeout=60)
    first.close()
    assert (second.returncode, second.stdout.strip()) == (4, "moved"), second.stdout
    assert _second_console(db).returncode == 0   # the first closed: opened as ever
    with EventLog.open(db, VERSION) as log:
        assert sorted(row.patient_id for row in log.open_sessions()) == ["CHAIR-1", "CHAIR-2"]
        assert log.conn.execute("SELECT count(*) FROM observations").fetchone()[0] == 30


def test_the_refusal_after_a_shm_made_again_names_the_console_holding_the_log(
        tmp_path: Path) -> None:
    db = tmp_path / "sessions.sqlite3"
    first = EventLog.open(db, VERSION)
    first.start_session(opened("CHAIR-1"))
    os.unlink(f"{db}-shm")
    done = subprocess.run([sys.executable, "-c", _READER, str(db), "closed"], cwd=PROJECT_ROOT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    refused = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from console.store import EventLog, LogError; from tests.store import VERSION\n"
         "try:\n    EventLog.open(Path(sys.argv[1]), VERSION)\n"
         "except LogError as exc:\n    print(exc)", str(db)],
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=60)
    first.close()
    assert (f"sessions.sqlite3-shm, the write-ahead index, was made again while another console "
            f"(process {os.getpid()}) has the log open on the deleted one: close that console, "
            "then start again") in refused.stdout, refused.stdout + refused.stderr


def test_nothing_in_normal_use_replaces_the_shm_under_a_running_console(tmp_path: Path) -> None:
    db = tmp_path / "sessions.sqlite3"
    first = EventLog.open(db, VERSION)
    sid = first.start_session(opened("CHAIR-1"))
    shm = os.stat(f"{db}-shm").st_ino
    for _ in range(2):
        assert _second_console(db).returncode == 0   # another console opens, writes, closes
        other = EventLog.open(db, VERSION)           # one in this process too
        other.write([obs(other.start_session(opened("CHAIR-3")), 1)])
        other.close()
        open_readonly(db).close()                    # the review reads, and folds on close
        close_writing_last(db)
        first.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        first.write([obs(sid, 1)])                   # not held
    assert os.stat(f"{db}-shm").st_ino == shm
    first.close()


# --- a log with two names --------------------------------------------------------------------


def test_a_log_with_another_name_is_refused_naming_the_way_out(tmp_path: Path) -> None:
    db = tmp_path / "local" / "sessions.sqlite3"
    EventLog.open(db, VERSION).close()
    shared = tmp_path / "shared" / "sessions.sqlite3"
    shared.parent.mkdir()
    os.link(db, shared)
    for name in (db, shared):
        with pytest.raises(LogError) as refused:
            EventLog.open(name, VERSION)
        assert refused.value.cause == "two-names" and refused.value.path == name
        assert "another name (a hard link): open it by one path only" in str(refused.value)
    shared.unlink()
    EventLog.open(db, VERSION).close()


def test_two_consoles_on_two_names_of_one_log_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "local" / "sessions.sqlite3"
    first = EventLog.open(db, VERSION)
    sid = first.start_session(opened("CHAIR-1"))
    first.write([obs(sid, s) for s in range(10)])
    shared = tmp_path / "shared" / "sessions.sqlite3"   # IT: "the log in the shared folder too"
    shared.parent.mkdir()
    os.link(db, shared)
    second = _second_console(shared)
    first.write([obs(sid, 100 + s) for s in range(30)])
    first.close()
    shared.unlink()
    with EventLog.open(db, VERSION) as log:
        patients = sorted(row.patient_id for row in log.open_sessions())
        rows = log.conn.execute("SELECT count(*) FROM observations").fetchone()[0]
        ok = log.verify().ok and log.integrity_ok()
    assert (second.returncode, second.stdout.strip()) == (4, "two-names")
    assert (patients, rows, ok) == (["CHAIR-1"], 40, True)


def test_the_name_a_new_log_is_built_under_is_not_a_second_name(tmp_path: Path) -> None:
    # Another console's first start linked its log into place and has not removed its build
    # name yet: this console opens the log (it was refused as a log with two names).
    db = tmp_path / "sessions.sqlite3"
    EventLog.open(db, VERSION).close()
    os.link(db, tmp_path / f".{db.name}.new-4242-abcdef")
    EventLog.open(db, VERSION).close()
