"""One flipped byte in a log's `-wal` (a live copy: the file and its `-wal`): SQLite passes over
the damaged frame and every committed transaction after it, and `verify` read the shorter log as
sound (exit 0). It is damage, exit 3, named before SQLite reads the file; a last transaction cut
short, as a power failure leaves it, is not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from console.cli import main
from console.store import EventLog
from console.store.wal_check import wal_damage

from . import event, opened

PAGE = 4096
FRAME = 24 + PAGE


def live_copy(tmp_path: Path, transactions: int = 12) -> Path:
    """A log with `transactions` commits still in its `-wal`, copied while it is open."""
    source = tmp_path / "live" / "log.sqlite3"
    source.parent.mkdir()
    log = EventLog.open(source, "test")
    log.conn.execute("PRAGMA wal_autocheckpoint=0")
    session = log.start_session(opened())
    for i in range(transactions):
        log.write([event(session, float(i))])
    copy = tmp_path / "copy" / "log.sqlite3"
    copy.parent.mkdir()
    shutil.copy(source, copy)
    shutil.copy(f"{source}-wal", f"{copy}-wal")
    log.close()
    return copy


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def verify(capsys: pytest.CaptureFixture[str], db: Path) -> tuple[int, str]:
    code = main(["verify", "--db", str(db)])
    return code, capsys.readouterr().out


def test_a_sound_live_copy_verifies(capsys, tmp_path):
    copy = live_copy(tmp_path)
    assert wal_damage(copy) is None
    assert verify(capsys, copy)[0] == 0


@pytest.mark.parametrize("offset", [1, 10, 20, 32 + 24 + 200, 32 + 3 * FRAME + 24 + 100],
                         ids=["header-magic", "header-page-size", "header-salt", "first-frame",
                              "fourth-frame"])
def test_one_flipped_byte_in_the_wal_is_damage_named_before_sqlite_reads_it(
        capsys, tmp_path, offset):
    copy = live_copy(tmp_path)
    before = Path(f"{copy}-wal").read_bytes()
    flip(Path(f"{copy}-wal"), offset)
    code, out = verify(capsys, copy)
    assert code == 3
    assert out.startswith(f"{copy}: the file is damaged: its write-ahead log log.sqlite3-wal "
                          "is damaged at frame ")
    assert "committed transactions from there on" in out
    assert len(Path(f"{copy}-wal").read_bytes()) == len(before)   # only read


def test_a_last_transaction_cut_short_is_what_a_power_failure_leaves(capsys, tmp_path):
    copy = live_copy(tmp_path)
    wal = Path(f"{copy}-wal")
    frames = (len(wal.read_bytes()) - 32) // FRAME
    flip(wal, 32 + (frames - 1) * FRAME + 24 + 100)   # the last frame: the last commit's
    assert wal_damage(copy) is None
    assert verify(capsys, copy)[0] == 0


@pytest.mark.parametrize("command", [["export", "1", "--csv", "OUT"], ["access-log"]],
                         ids=["export", "access-log"])
def test_an_export_or_the_access_log_of_a_damaged_wal_is_refused_as_damage(
        capsys, tmp_path, command):
    # Read as a sound, shorter log, the export left with rows missing and said nothing.
    copy = live_copy(tmp_path)
    flip(Path(f"{copy}-wal"), 32 + 3 * FRAME + 24 + 100)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    code = main([*args, "--db", str(copy)])
    err = capsys.readouterr().err
    assert code == 3
    assert "the file is damaged: its write-ahead log log.sqlite3-wal is damaged at frame 4" in err
    assert not (tmp_path / "out").exists()


def test_the_console_refuses_a_log_whose_wal_is_damaged_and_leaves_it_as_it_is(tmp_path):
    # Opened, SQLite would have passed over the damaged frame and the commits after it, and the
    # console's first checkpoint would have made the loss permanent.
    from console.store import LogError

    copy = live_copy(tmp_path)
    flip(Path(f"{copy}-wal"), 32 + 3 * FRAME + 24 + 100)
    before = (copy.read_bytes(), Path(f"{copy}-wal").read_bytes())
    with pytest.raises(LogError) as caught:
        EventLog.open(copy, "test")
    assert caught.value.cause == "corrupt"
    assert str(caught.value).startswith(f"Cannot use the session log {copy}: the file is damaged.")
    assert "its write-ahead log log.sqlite3-wal is damaged at frame 4" in str(caught.value)
    assert (copy.read_bytes(), Path(f"{copy}-wal").read_bytes()) == before


def test_the_review_refuses_a_log_whose_wal_is_damaged(tmp_path):
    # The review read the shorter log as whole, the rows after the damaged frame unshown.
    from console.review.queries import open_readonly
    from console.store import LogError

    copy = live_copy(tmp_path)
    flip(Path(f"{copy}-wal"), 32 + 24 + 200)
    with pytest.raises(LogError) as caught:
        open_readonly(copy)
    assert caught.value.cause == "corrupt"
    assert "its write-ahead log log.sqlite3-wal is damaged at frame 1" in str(caught.value)
