"""Tamper evidence (R7): verify() finds rows edited or deleted outside the console."""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from console.records import ObservationRecord
from console.store import EventLog, LogError, VerifyReport
from console.store.chain import CHAINED_COLUMNS, GENESIS, canonical, row_hash

from . import alarm, ended, event, filled_log, new_log, obs, opened, t


@contextmanager
def tamper(path: Path) -> Iterator[sqlite3.Connection]:
    """A raw connection with the append-only triggers dropped, as an attacker with the CLI would."""
    conn = sqlite3.connect(path, isolation_level=None)
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
    for name in names:
        conn.execute(f"DROP TRIGGER {name}")
    try:
        yield conn
    finally:
        conn.close()


def verify(path: Path) -> VerifyReport:
    with EventLog.open(path, "verifier") as log:
        return log.verify()


def test_clean_log_verifies(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    report = verify(path)
    assert report.ok and report.first_bad is None
    assert report.rows_checked == 1 + 5 + 2 + 2
    assert "match" in report.message


def test_empty_log_verifies(tmp_path: Path) -> None:
    with new_log(tmp_path) as log:
        assert log.verify().ok and log.verify().rows_checked == 0


def test_first_row_hash_is_chained_on_genesis(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    conn = sqlite3.connect(path)
    (stored,) = conn.execute("SELECT row_hash FROM events WHERE id = 1").fetchone()
    values = conn.execute(
        "SELECT id, session_id, at, kind, actor, detail FROM events WHERE id = 1").fetchone()
    assert stored == row_hash(GENESIS, "events", list(values))


def test_the_hash_rule_is_pinned() -> None:
    # Logs written by every earlier console must still verify: the text hashed for one row (a
    # bool as 0/1, an int in a REAL column as a float, text as it is) and its hash are fixed.
    values = [1, "P-é", "ketamine-iv", "2026.1", 1, "2026-01-05T09:00:00.000Z", "RN Ada", 72, True,
              '{"a":1}']
    assert canonical("sessions", values) == (
        '["sessions",1,"P-é","ketamine-iv","2026.1",1,"2026-01-05T09:00:00.000Z","RN Ada",72.0,1,'
        '"{\\"a\\":1}"]')
    assert row_hash(GENESIS, "sessions", values) == (
        "19be12002ea5ee10aab1edf176880c40c74fe203cfa5a4d9d7f1ddc6756a71df")


@pytest.mark.parametrize(("table", "edit"), [
    ("observations", "UPDATE observations SET value = 40 WHERE id = 3"),
    ("sessions", "UPDATE sessions SET weight_kg = 90 WHERE id = 1"),
    ("alarm_events", "UPDATE alarm_events SET at = '2026-01-05T09:00:00.500Z' WHERE id = 2"),
    ("events", "UPDATE events SET detail = '{}' WHERE id = 1"),
])
def test_edited_row_is_reported(tmp_path: Path, table: str, edit: str) -> None:
    path, _ = filled_log(tmp_path)
    with tamper(path) as conn:
        conn.execute(edit)
    report = verify(path)
    row_id = int(edit.rsplit("= ", 1)[1])
    assert not report.ok
    assert report.first_bad == (table, row_id)
    assert f"{table} row {row_id}: its content does not match its row_hash" in report.message


@pytest.mark.parametrize(("ends", "edit", "words"), [
    (True, "UPDATE sessions SET ended_at = '2026-01-05T09:50:00.000Z' WHERE id = 1",
     "its end (2026-01-05T09:50:00.000Z) was changed outside the console: it was recorded "
     "ending at 2026-01-05T10:00:00.000Z"),
    (False, "UPDATE sessions SET ended_at = '2026-01-05T09:50:00.000Z' WHERE id = 1",
     "its end (2026-01-05T09:50:00.000Z) was set outside the console: no end was recorded"),
    (True, "UPDATE sessions SET ended_at = NULL WHERE id = 1",
     "its end was removed outside the console: it was recorded ending at "
     "2026-01-05T10:00:00.000Z"),
])
def test_a_session_end_moved_set_or_removed_outside_is_reported(
        tmp_path: Path, ends: bool, edit: str, words: str) -> None:
    # ended_at is the one column the log updates, so it is outside the row's hash: the review
    # would show a session closed, open or lasting what nobody recorded.
    path, sid = filled_log(tmp_path)
    if ends:
        with EventLog.open(path, "console") as log:
            log.write(ended(sid, 3600))
    assert verify(path).ok
    with tamper(path) as conn:
        conn.execute(edit)
    report = verify(path)
    assert (report.ok, report.first_bad) == (False, ("sessions", sid))
    assert report.message == f"sessions row {sid}: {words}"


def test_edited_row_hash_is_told_apart(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    with tamper(path) as conn:
        conn.execute("UPDATE observations SET row_hash = 'f00' WHERE id = 2")
    report = verify(path)
    assert report.first_bad == ("observations", 2)
    assert "its row_hash was altered" in report.message


@pytest.mark.parametrize(("table", "row_id"), [("observations", 5), ("sessions", 1)])
def test_the_last_rows_hash_altered_is_told_apart_too(tmp_path: Path, table: str,
                                                      row_id: int) -> None:
    """No row follows the last one to say so: the chain head in meta does. It was called an edit
    of the row's content (with one session, its sessions row every time)."""
    path, _ = filled_log(tmp_path)   # observations 1 to 5, session 1
    with tamper(path) as conn:
        conn.execute(f"UPDATE {table} SET row_hash = 'f00' WHERE id = {row_id}")
    report = verify(path)
    assert report.first_bad == (table, row_id)
    assert report.message == (f"{table} row {row_id}: its row_hash was altered outside the "
                               "console (the content still matches the chain)")


def test_the_last_rows_content_edited_is_still_an_edit(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    with tamper(path) as conn:
        conn.execute("UPDATE observations SET value = 40 WHERE id = 5")
    report = verify(path)
    assert report.first_bad == ("observations", 5)
    assert "observations row 5: its content does not match its row_hash" in report.message


def test_deleted_middle_row_breaks_the_chain(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    with tamper(path) as conn:
        conn.execute("DELETE FROM observations WHERE id = 3")
    report = verify(path)
    assert report.first_bad == ("observations", 4)
    assert "row(s) 3 were deleted" in report.message


def test_deleted_last_rows_are_noticed_and_stay_noticed(tmp_path: Path) -> None:
    path, sid = filled_log(tmp_path)
    with tamper(path) as conn:
        conn.execute("DELETE FROM observations WHERE id >= 4")
    report = verify(path)
    assert report.first_bad == ("observations", 4)
    assert "rows 4 to 5 were deleted from the end" in report.message
    # a later write does not paper over the deletion: it chains onto the deleted row
    with EventLog.open(path, "later") as log:
        (new_id,) = log.write([obs(sid, 100)])
        assert new_id == 6
        report = log.verify()
    assert report.first_bad == ("observations", 6)
    assert "4 to 5 were deleted" in report.message


def test_rows_deleted_from_the_end_with_the_chain_head_stay_noticed(tmp_path: Path) -> None:
    """The tail deleted and its chain head removed from meta too: verify said "ok", and the
    next write recorded a new head over the gap (the audit of the data path)."""
    path, sid = filled_log(tmp_path)
    with tamper(path) as conn:
        conn.execute("DELETE FROM observations WHERE id >= 4")
        conn.execute("DELETE FROM meta WHERE key = 'chain_head.observations'")
    report = verify(path)
    assert report.first_bad == ("observations", 0)
    assert report.message == (
        "observations: the log's record of where the table ends (meta row "
        "chain_head.observations) was deleted outside the console, so rows deleted from its end "
        "cannot be told")
    # A write does not record a new head over it: the log is damaged, the records are held.
    with EventLog.open(path, "later") as log, pytest.raises(LogError) as refused:
        log.write([obs(sid, 100)])
    assert refused.value.cause == "corrupt"
    assert not verify(path).ok
    # The review's check of the session (and every export's) says so too.
    from console.review.queries import check_session_chain, open_readonly

    conn = open_readonly(path)
    check = check_session_chain(conn, sid)
    conn.close()
    assert not check.ok and "chain_head.observations) was deleted" in check.message


LONG_HEAD = "head edited by hand, " * 3


@pytest.mark.parametrize("value, shown", [
    ("'x'", "'x'"),
    (f"'{LONG_HEAD}'", repr(LONG_HEAD[:40])),   # 40 characters of it: verify's one line
    ("NULL", "NULL"),
])
def test_an_unreadable_chain_head_is_named_as_edited_not_deleted(
        tmp_path: Path, value: str, shown: str) -> None:
    """A chain head edited to a value that is not "<id> <hash>" was reported as deleted, though
    its row is still in meta: an auditor went looking for a deletion that never happened."""
    path, sid = filled_log(tmp_path)
    with tamper(path) as conn:
        conn.execute(f"UPDATE meta SET value = {value} WHERE key = 'chain_head.observations'")
    said = ("observations: the log's record of where the table ends (meta row "
            f"chain_head.observations) holds {shown}, not \"<id> <hash>\": it was edited outside "
            "the console or is damaged, so rows missing from its end cannot be told")
    report = verify(path)
    assert report.first_bad == ("observations", 0)
    assert report.message == said
    # A write says the same and holds its records, as for a head deleted.
    with EventLog.open(path, "later") as log, pytest.raises(LogError) as refused:
        log.write([obs(sid, 100)])
    assert refused.value.cause == "corrupt"
    assert said in str(refused.value)


def test_row_added_outside_the_console_is_reported_and_writes_held(tmp_path: Path) -> None:
    path, sid = filled_log(tmp_path)
    with tamper(path) as conn:
        conn.execute(
            "INSERT INTO events(id, session_id, at, kind, actor, detail, row_hash) "
            "VALUES (3, ?, '2026-01-05T09:00:05.000Z', 'note', 'x', '{}', 'forged')", [sid])
    report = verify(path)
    assert report.first_bad == ("events", 3)
    # The log is held as damaged, as with its chain head deleted: records wait in memory (R5).
    with EventLog.open(path, "later") as log, pytest.raises(LogError) as refused:
        log.write([event(sid, 100)])
    assert refused.value.cause == "corrupt"
    assert refused.value.detail == ("events: rows after 2 were added outside the console; the "
                                    "console writes nothing after them, so they stay named by "
                                    "verify")
    assert verify(path).first_bad == ("events", 3)


def test_a_forged_row_with_a_correct_hash_stays_named_after_the_next_write(
        tmp_path: Path) -> None:
    # The hash rule is public (chain.py): a row appended with sqlite3 and its hash computed was
    # named by verify only until the console's next write, which chained onto the old head;
    # from then on verify blamed the console's own genuine row and the forgery passed
    # (review 35). The write is now refused, so the forgery stays the row named.
    path, sid = filled_log(tmp_path)
    with tamper(path) as conn:
        last_id, last_hash = conn.execute(
            "SELECT id, row_hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
        values = [last_id + 1, sid, "2026-01-05T09:00:05.000Z", "note", "RN Ada",
                  '{"text":"patient fine, discharged early"}']
        conn.execute("INSERT INTO events(id, session_id, at, kind, actor, detail, row_hash) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [*values, row_hash(last_hash, "events", values)])
    forged = last_id + 1
    with EventLog.open(path, "console") as log:
        assert log.verify().first_bad == ("events", forged)
        with pytest.raises(LogError, match="rows after 2 were added outside the console"):
            log.write([event(sid, 100)])
        after = log.verify()
    assert after.first_bad == ("events", forged)
    assert after.message == "events: rows after 2 were added outside the console"


def test_integrity_ok_on_a_sound_file(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    with EventLog.open(path, "checker") as log:
        assert log.integrity_ok()


@pytest.mark.parametrize(("column", "value"), [
    ("source", b"sim-\xa5\x01"),        # bytes where the console wrote text
    ("value", b"\x00\x00\x80\x7f"),     # bytes where it wrote a number
])
def test_a_value_of_a_kind_never_written_is_named_not_a_crash(tmp_path: Path, column: str,
                                                              value: bytes) -> None:
    # Damage (or an edit) can leave a BLOB in a column the console fills with text or a number:
    # no hash can be computed for it (json refuses bytes); verify raised TypeError before.
    path, _ = filled_log(tmp_path)
    with tamper(path) as conn:
        conn.execute(f"UPDATE observations SET {column} = ? WHERE id = 3", [value])
    report = verify(path)
    assert not report.ok and report.first_bad == ("observations", 3)
    assert report.message == (
        "observations row 3: it holds a value of a kind the console never writes (bytes where "
        "text was written, or a number that is not one): the file is damaged there, or the row "
        "was edited outside the console")


def test_integrity_problems_are_one_line_each(tmp_path: Path) -> None:
    from console.store.log import integrity_problems

    from . import damage

    path, _ = filled_log(tmp_path, observations=3000)
    with EventLog.open(path, "checker") as log:
        assert integrity_problems(log.conn, path) == []
    damage(path, "observations_by_session")   # an index the walk does not read
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:   # SQLite answers "*** in database main ***\nPage 10: btreeInitPage() returns ..."
        problems = integrity_problems(conn, path)
    finally:
        conn.close()
    assert len(problems) == 1 and problems[0].startswith("Page ")
    assert "\n" not in problems[0] and "***" not in problems[0]


@pytest.mark.parametrize(("change", "said"), [
    ("DROP TRIGGER observations_no_update", "the trigger observations_no_update was removed"),
    ("DROP VIEW alarms", "the view alarms was removed"),
    ("DROP VIEW alarms; CREATE VIEW alarms AS SELECT * FROM alarm_events WHERE 0",
     "the view alarms was redefined"),
    ("CREATE TRIGGER quiet AFTER INSERT ON events BEGIN SELECT 1; END",
     "a trigger quiet was added"),
], ids=["trigger-dropped", "view-dropped", "view-redefined", "trigger-added"])
def test_the_append_only_rules_and_the_alarms_view_changed_outside_are_reported(
        tmp_path: Path, change: str, said: str) -> None:
    # Every row still matches its chain: what changed is the rule that keeps rows unchanged
    # (an UPDATE on observations is accepted once its trigger is gone) or the view that plain
    # SQL queries of the alarms read.
    path, _ = filled_log(tmp_path)
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.executescript(change)
    report = verify(path)
    assert not report.ok and said in report.message
    assert report.message.startswith("changed outside the console")


# --- a reading of -0 -------------------------------------------------------------------------------

# A monitor's respiration rate of "-0.0" (apnoea): decoded and kept as the float -0.0.
RR_MINUS_ZERO = (
    "MSH|^~\\&|MON^0011223344556677^EUI-64|FAC|||20240101120000+0000||ORU^R01^ORU_R01|C1|P|2.6\r"
    "OBR|1|||182777000^monitoring^SNOMED-CT|||20240101115900+0000\r"
    "OBX|1|NM|151562^MDC_RESP_RATE^MDC|1.1.1.151562|-0.0|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R\r"
).encode()


def _the_session_check(path: Path, sid: int) -> tuple[bool, str]:
    """What the review's banner and the export's check say of the session (ok, message)."""
    from console.review.queries import check_session_chain, open_readonly

    conn = open_readonly(path)
    try:
        check = check_session_chain(conn, sid)
    finally:
        conn.close()
    return check.ok, check.message


def _rr_of_minus_zero(sid: int) -> ObservationRecord:
    from devices.hl7 import decode_message

    reading, = decode_message(RR_MINUS_ZERO, t(1)).readings
    assert reading.metric == "resp_rate" and math.copysign(1.0, reading.value) == -1.0
    return obs(sid, 1, value=reading.value, metric="resp_rate", unit=reading.unit,
               source="hl7:MON", channel=reading.channel)


@pytest.mark.parametrize("record", ["observation", "alarm"])
def test_a_reading_of_minus_zero_verifies_as_written(tmp_path: Path, record: str) -> None:
    # The row's hash was computed over -0.0 while SQLite stored 0: a clean log failed verify
    # ("its content does not match its row_hash: it was edited outside the console"), the
    # review marked the session changed and the export refused it.
    with new_log(tmp_path) as log:
        sid = log.start_session(opened())
        if record == "observation":
            log.write([_rr_of_minus_zero(sid), obs(sid, 2)])
        else:
            log.write([alarm(sid, "raised", 1, value=-0.0), alarm(sid, "cleared", 2, value=0.0)])
        report = log.verify()
    assert report.ok, report.message
    assert _the_session_check(tmp_path / "log.sqlite3", sid) == (True, "")
    # Written as the zero SQLite stores: its hash is the rule's own, not the allowance for logs
    # written before the fix.
    table = "observations" if record == "observation" else "alarm_events"
    path = tmp_path / "log.sqlite3"
    assert _stored_row_hash(path, 1, table) == row_hash(GENESIS, table, _values(path, 1, table))
    # Zero is still a reading that can be told from any other: an edit of it is caught.
    with tamper(tmp_path / "log.sqlite3") as conn:
        conn.execute(f"UPDATE {table} SET value = 0.5 WHERE id = 1")
    assert verify(tmp_path / "log.sqlite3").first_bad == (table, 1)


def _hash_before_the_fix(previous: str, table: str, values: list[object]) -> str:
    """The rule as an earlier console applied it: a zero in a REAL column hashed with its sign."""
    items = json.loads(canonical(table, values))
    for i, value in enumerate(values):
        if CHAINED_COLUMNS[table][i] == "value" and value == 0 and isinstance(value, float):
            items[i + 1] = value
    text = json.dumps(items, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


def test_a_log_written_with_a_hash_over_minus_zero_verifies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Logs already written by the console before the fix hold a row_hash over "-0.0" for the
    # 0 SQLite stored: they verify, and an edit of that row or of any other is still caught.
    from console.store import log as log_module

    path = tmp_path / "log.sqlite3"
    with monkeypatch.context() as before_the_fix:
        before_the_fix.setattr(log_module, "_finite", lambda x, what: float(x))
        before_the_fix.setattr(log_module, "row_hash", _hash_before_the_fix)
        with new_log(tmp_path) as log:
            sid = log.start_session(opened())
            log.write([obs(sid, 0), _rr_of_minus_zero(sid), obs(sid, 2)])
    previous, values = _stored_row_hash(path, 1), _values(path, 2)
    assert values[3] == 0.0   # SQLite gives back 0; the hash stored was over -0.0
    written = [*values[:3], -0.0, *values[4:]]
    assert _stored_row_hash(path, 2) == _hash_before_the_fix(previous, "observations", written)
    assert _stored_row_hash(path, 2) != row_hash(previous, "observations", values)
    # Read by this console: as written, and the next write chains on.
    with EventLog.open(path, "console") as log:
        log.write([obs(sid, 3)])
        report = log.verify()
    assert report.ok, report.message
    assert _the_session_check(path, sid) == (True, "")
    for edit, row in (("UPDATE observations SET value = 1 WHERE id = 2", 2),
                      ("UPDATE observations SET value = 0 WHERE id = 3", 3)):
        copy = tmp_path / f"edited-{row}.sqlite3"
        copy.write_bytes(path.read_bytes())
        with tamper(copy) as conn:
            conn.execute(edit)
        assert verify(copy).first_bad == ("observations", row), edit
        ok, message = _the_session_check(copy, sid)
        assert not ok and f"observations row {row}: its content does not match" in message


def _values(path: Path, row_id: int, table: str = "observations") -> list[object]:
    columns = ", ".join(CHAINED_COLUMNS[table])
    with sqlite3.connect(path) as conn:
        return list(conn.execute(f"SELECT {columns} FROM {table} WHERE id = ?",
                                 [row_id]).fetchone())


def _stored_row_hash(path: Path, row_id: int, table: str = "observations") -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute(f"SELECT row_hash FROM {table} WHERE id = ?",
                                [row_id]).fetchone()[0])


def test_zero_is_hashed_as_zero_whatever_its_sign() -> None:
    values = [1, "P-1", "ketamine-iv", "2026.1", 1, "2026-01-05T09:00:00.000Z", "RN Ada", -0.0,
              False, "{}"]
    assert canonical("sessions", values) == canonical("sessions", [*values[:7], 0.0, *values[8:]])
    assert ',0.0,0,"{}"]' in canonical("sessions", values)
