"""Damage inside a log's `-wal` file, which SQLite itself passes over in silence.

SQLite reads a write-ahead log frame by frame, each frame's checksum chained on the one before
(https://www.sqlite.org/fileformat2.html#the_write_ahead_log). At the first frame that fails,
it stops: that frame and every later one are treated as never written, so the transactions they
hold vanish from every reader, and the first writer's checkpoint makes the loss permanent. For a
transaction cut short by a power failure that is right. For one flipped byte in a frame written
long before, it silently drops committed rows: `verify` then read a shorter log as sound.

The two are told apart by what follows the first frame that fails. Each commit is synced before
the next transaction writes a byte (`synchronous=FULL` for every write of log.py, deliveries
included: an unsynced commit torn under a later one would be read here as damage), so when the
frames after it still carry the log's salts and hold a commit followed by another commit, the
frame that fails had been synced whole before them: it was damaged afterwards. A failure in the
last transaction alone is what a power cut leaves, and is not reported.

Reads the file only; no SQLite connection (opening the log may checkpoint the damage away).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

WAL_MAGIC = 0x377F0682            # the low bit says the checksums' byte order (1: big-endian)
HEADER_BYTES = 32
FRAME_HEADER_BYTES = 24
MAX_PAGE_SIZE = 65536
DB_PAGE_SIZE_AT = 16              # the database header's page size (1 means 65536)


def wal_of(db: Path) -> Path:
    """The -wal SQLite keeps for the log at `db`: beside the file it names, links followed. A
    -wal looked for beside a link to the log is never there: a damaged one passed every check
    and a deleted one was never noticed (reviews). Every -wal lookup goes through here."""
    real = Path(os.path.realpath(db))
    return real.with_name(real.name + "-wal")


def shm_of(db: Path) -> Path:
    """The -shm (the write-ahead index) SQLite keeps for the log at `db`, links followed."""
    real = Path(os.path.realpath(db))
    return real.with_name(real.name + "-shm")


@dataclass(frozen=True, slots=True)
class WalDamage:
    """Committed transactions SQLite will not read from the `-wal`.

    Attributes:
        frame: the number (from 1) of the first frame that fails its checksum or salt.
        commits_lost: commit frames with the log's salts from that frame on.
        message: what is lost, naming the `-wal` file (verify prefixes the log's path).
    """

    frame: int
    commits_lost: int
    message: str


def _checksum(data: bytes, s0: int, s1: int, big_endian: bool) -> tuple[int, int]:
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def _readable(magic: int, page_size: int) -> bool:
    """Whether SQLite reads a -wal with this header at all (its magic, a page size it knows)."""
    return (magic & 0xFFFFFFFE == WAL_MAGIC and 512 <= page_size <= MAX_PAGE_SIZE
            and not page_size & (page_size - 1))


def _repaired(data: bytes, db: Path) -> tuple[int, int] | None:
    """The magic and page size that make the header's own checksum hold, or None: the
    database's page size when its header says it, else any SQLite allows."""
    try:
        with db.open("rb") as file:
            head = file.read(DB_PAGE_SIZE_AT + 2)
    except OSError:
        head = b""
    sizes = [1 << n for n in range(9, 17)]
    if len(head) == DB_PAGE_SIZE_AT + 2:
        stored = struct.unpack(">H", head[DB_PAGE_SIZE_AT:])[0]
        sizes = [MAX_PAGE_SIZE if stored == 1 else stored]
    version, stored_sum = data[4:8], struct.unpack(">2I", data[24:32])
    for magic in (WAL_MAGIC, WAL_MAGIC | 1):
        for size in sizes:
            header = struct.pack(">I", magic) + version + struct.pack(">I", size) + data[12:24]
            if _readable(magic, size) and _checksum(header, 0, 0, bool(magic & 1)) == stored_sum:
                return magic, size
    return None


def wal_damage(db: Path) -> WalDamage | None:
    """The damage in `db`'s `-wal`, or None (no file, empty, sound, or a torn last transaction).
    `db` may be a link: the -wal read is the one beside the real file (`wal_of`).

    Read twice when the first read finds damage, and reported only when both agree: a console
    writing the log may reset its `-wal` while it is read (a new header over old frames for a
    moment), which one read could take for damage.

    Raises:
        OSError: the file exists but cannot be read.
    """
    first = _read_damage(db)
    if first is None:
        return None
    second = _read_damage(db)
    return second if second is not None and second.frame == first.frame else None


def _read_damage(db: Path) -> WalDamage | None:
    wal = wal_of(db)
    try:
        data = wal.read_bytes()
    except FileNotFoundError:
        return None
    if len(data) < HEADER_BYTES:
        return None
    magic, _version, page_size, _seq, salt1, salt2, c1, c2 = struct.unpack(">8I", data[:32])
    header_damaged = False
    if not _readable(magic, page_size):
        # SQLite reads such a -wal as empty, before any checksum. A header whose checksum
        # holds once its magic or page size is put right was damaged after it was written.
        repaired = _repaired(data, db)
        if repaired is None:
            return None   # not a write-ahead log at all
        magic, page_size = repaired
        header_damaged = True
    big_endian = bool(magic & 1)
    frame_bytes = FRAME_HEADER_BYTES + page_size
    frames = [data[at:at + frame_bytes]
              for at in range(HEADER_BYTES, len(data) - frame_bytes + 1, frame_bytes)]
    s0, s1 = _checksum(data[:24], 0, 0, big_endian)
    first_bad = None
    if header_damaged:
        first_bad = 0   # SQLite reads none of the frames
        salts = (salt1, salt2)
    elif (s0, s1) != (c1, c2):
        first_bad = 0   # the header fails: SQLite reads none of the frames
        salts = struct.unpack(">2I", frames[0][8:16]) if frames else (salt1, salt2)
    else:
        salts = (salt1, salt2)
        for number, frame in enumerate(frames):
            fields = struct.unpack(">6I", frame[:FRAME_HEADER_BYTES])
            s0, s1 = _checksum(frame[:8] + frame[FRAME_HEADER_BYTES:], s0, s1, big_endian)
            if fields[2:4] != salts or fields[4:6] != (s0, s1):
                first_bad = number
                break
    if first_bad is None:
        return None
    commits = sum(1 for frame in frames[first_bad:]
                  if struct.unpack(">2I", frame[8:16]) == salts
                  and struct.unpack(">I", frame[4:8])[0] != 0)
    if commits < 2:
        return None   # at most the last transaction, cut short: what a power failure leaves
    return WalDamage(first_bad + 1, commits, (
        f"its write-ahead log {wal.name} is damaged at frame {first_bad + 1}: SQLite will not "
        f"read it or the {commits} committed transactions from there on, and the first console "
        "to open the log would make that loss permanent"))


def holds_commits(db: Path) -> bool:
    """Whether `db`'s -wal holds a committed transaction SQLite would read into the log: a
    frame of the header's salts that ends a transaction, before any frame of other salts. By
    the frame headers alone (no checksums): it says only whether a check is worth its cost.

    Raises:
        OSError: the file exists but cannot be read.
    """
    try:
        wal = wal_of(db).open("rb")
    except FileNotFoundError:
        return False
    with wal:
        header = wal.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES:
            return False
        magic, _version, page_size, _seq, salt1, salt2, _c1, _c2 = struct.unpack(">8I", header)
        if not _readable(magic, page_size):
            return False
        while len(frame := wal.read(FRAME_HEADER_BYTES)) == FRAME_HEADER_BYTES:
            _page, commit, frame_salt1, frame_salt2 = struct.unpack(">4I", frame[:16])
            if (frame_salt1, frame_salt2) != (salt1, salt2):
                return False   # a frame of an earlier round: SQLite reads no further
            if commit:
                return True
            wal.seek(page_size, os.SEEK_CUR)
    return False
