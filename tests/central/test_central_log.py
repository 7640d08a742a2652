"""The central station's SQLite log: private file, append-only tables, one row per control id
(also across a restart), environment failures named."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys

import pytest

from console.central.central_log import CentralLog, CentralLogError, default_central_db_path
from tests.central.helpers import Central, at


@pytest.fixture
def log(tmp_path):
    opened = CentralLog.open(tmp_path / "central" / "central.sqlite3")
    yield opened
    opened.close()


def test_the_file_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "c.sqlite3"
    old = os.umask(0o022)
    try:
        CentralLog.open(path).close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_default_path_is_in_the_users_data_folder():
    path = default_central_db_path()
    assert path.name == "central.sqlite3" and path.parent.name == "infusion-console"


def test_a_control_id_is_kept_once_and_the_duplicate_is_told(log):
    assert log.add_received("ALM-1", "chair-1", "pcd04", at(1), "MSH|...") is True
    assert log.add_received("ALM-1", "chair-1", "pcd04", at(2), "MSH|...") is False
    # Status rows carry no control id: any number of them.
    assert log.add_received(None, "chair-1", "status", at(3), "{}") is True
    assert log.add_received(None, "chair-1", "status", at(4), "{}") is True
    assert [(r.control_id, r.kind, r.received_at) for r in log.received()] == \
        [("ALM-1", "pcd04", at(1)), (None, "status", at(3)), (None, "status", at(4))]


def test_dedupe_holds_across_a_restart(tmp_path):
    path = tmp_path / "c.sqlite3"
    first = CentralLog.open(path)
    first.add_received("ALM-7", "chair-2", "pcd04", at(1), "MSH|...")
    first.close()
    # The station restarts; the broker delivers what its persistent session queued, ALM-7 again.
    again = CentralLog.open(path)
    try:
        assert again.seen("ALM-7")
        assert again.add_received("ALM-7", "chair-2", "pcd04", at(9), "MSH|...") is False
    finally:
        again.close()


@pytest.mark.parametrize("sql", [
    "UPDATE received SET payload = 'x'",
    "DELETE FROM received",
    "UPDATE actions SET nurse = 'someone else'",
    "DELETE FROM actions",
])
def test_rows_cannot_be_updated_or_deleted(log, sql):
    log.add_received("ALM-1", "chair-1", "pcd04", at(1), "MSH|...")
    log.add_action(at(2), "B. Central", "chair-1", 1, 3, "acknowledge", {"priority": "high"})
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        log.conn.execute(sql)
    # Nothing changed, also through a second connection (the triggers are in the file).
    other = sqlite3.connect(log.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            other.execute(sql)
    finally:
        other.close()
    assert [r.payload for r in log.received()] == ["MSH|..."]
    assert [(a.nurse, a.kind, a.detail) for a in log.actions()] == \
        [("B. Central", "acknowledge", {"priority": "high"})]


def test_actions_are_numbered_by_the_log(log):
    assert log.add_action(at(1), "B", "", None, None, "nurse", {}) == 1
    assert log.add_action(at(2), "B", "chair-1", 1, 2, "acknowledge", {}) == 2


def test_another_programs_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE patients(id)")
    conn.commit()
    conn.close()
    with pytest.raises(CentralLogError, match="not a log.*other tables: patients"):
        CentralLog.open(path)


def test_a_file_in_the_way_of_the_folder_is_named(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    with pytest.raises(CentralLogError) as caught:
        CentralLog.open(blocker / "central.sqlite3")
    assert str(blocker / "central.sqlite3") in str(caught.value)
    assert "give the path of a file, not of a folder" in str(caught.value)
    assert "check the disk" not in str(caught.value)
    assert "choose another file with --db" in str(caught.value)


def test_a_damaged_file_is_named_not_misread(tmp_path):
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not an SQLite file at all, just text" * 100)
    with pytest.raises(CentralLogError, match="corrupt") as caught:
        CentralLog.open(path)
    assert str(path) in str(caught.value)


def test_the_board_keeps_a_pcd04_once_in_the_real_log(log):
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(1)
    chair.device("spo2", 92)
    (raised,) = chair.new_pcd04s()
    central.deliver(raised)
    central.deliver(raised)
    # The status, the PCD-04 once, and one status row for the chair's new highest alarm.
    assert [(r.kind, r.control_id is None) for r in log.received()] == \
        [("status", True), ("pcd04", False), ("status", True)]
    assert central.board.duplicates == 1
    # The acknowledgement is an action, numbered by the log; the command carries the number.
    central.acknowledge("chair-1", "B. Central")
    (action,) = log.actions()
    assert (action.nurse, action.chair, action.session, action.kind) == \
        ("B. Central", "chair-1", 1, "acknowledge")
    (command,) = central.bus.on("/command")
    assert command.json["id"] == f"desk-{log.uid}-{action.id}"
    assert len(log.uid) == 6


def test_each_log_file_has_its_own_uid(tmp_path):
    a, b = CentralLog.open(tmp_path / "a.sqlite3"), CentralLog.open(tmp_path / "b.sqlite3")
    try:
        assert a.uid != b.uid
    finally:
        a.close()
        b.close()
    again = CentralLog.open(tmp_path / "a.sqlite3")
    try:
        assert again.uid == a.uid
    finally:
        again.close()


@pytest.mark.parametrize("module", ["console.central.board", "console.central.central_log",
                                    "console.network.pcd_read", "console.central.app"])
def test_the_model_log_reader_and_entry_point_load_no_qt(module):
    """What an import really loads, in a fresh interpreter (as tests/test_layers.py does):
    the entry point imports Qt only when it builds the window."""
    code = (f"import importlib, sys; importlib.import_module({module!r}); "
            "print(','.join(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6', 'paho'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_a_batch_is_one_transaction_kept_whole_or_not_at_all(tmp_path):
    log = CentralLog.open(tmp_path / "central.sqlite3")
    try:
        with log.batch():
            for n in range(3):
                assert log.add_received(f"uid-{n}", "chair-1", "pcd01", at(n), "MSH|...")
            # Not visible to another reader before the commit.
            other = sqlite3.connect(tmp_path / "central.sqlite3")
            assert other.execute("SELECT count(*) FROM received").fetchone() == (0,)
        assert other.execute("SELECT count(*) FROM received").fetchone() == (3,)
        with pytest.raises(RuntimeError), log.batch():
            log.add_received("uid-9", "chair-1", "pcd01", at(9), "MSH|...")
            raise RuntimeError("a bug mid-batch")
        assert other.execute("SELECT count(*) FROM received").fetchone() == (3,)
        other.close()
    finally:
        log.close()


def _plans_of_last_words(log: CentralLog) -> list[str]:
    """The query plan of every statement a restart's `last_words` runs."""
    statements: list[str] = []
    log.conn.set_trace_callback(statements.append)
    try:
        log.last_words(at(0))
    finally:
        log.conn.set_trace_callback(None)
    return [" ".join(str(step[-1]) for step in log.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            for sql in statements if "kind" in sql]


def test_a_restart_reads_statuses_and_alarms_without_reading_every_observation(tmp_path):
    # A log written before the (chair, kind) index: its restart read every observation of the
    # last hours to keep a chair's few statuses (1.85 s for 20 chairs x 8 h). Opening it adds
    # the index, and the restart's reads go by chair and kind.
    path = tmp_path / "c.sqlite3"
    CentralLog.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX received_by_chair_kind")
    log = CentralLog.open(path)
    try:
        log.add_received(None, "chair-1", "status", at(1), '{"online": true}')
        log.add_received("OBS-1", "chair-1", "pcd01", at(2), "MSH|...")
        plans = _plans_of_last_words(log)
        assert len(plans) == 2 and all("received_by_chair_kind" in p for p in plans), plans
        (version,) = log.conn.execute("PRAGMA user_version").fetchone()
        assert version == 1   # an earlier program still opens the file
    finally:
        log.close()
