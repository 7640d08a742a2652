"""`verify` names a signature whose
signed_table was changed, outside the console, to a table whose rows are never signed (the
signatures chain recomputed so it still verifies). No test held this rule: removing the check
left all of tests/store, tests/identity and tests/review passing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from console.identity import Account, Meaning, Signatures
from console.store import EventLog
from console.store.chain import CHAINED_COLUMNS, GENESIS, row_hash
from tests.identity.conftest import *  # noqa: F403  (db, log, staff, admin, nurse fixtures)
from tests.identity.conftest import NURSE_PIN, t
from tests.identity.test_signatures import drop_triggers, override, session, signatures  # noqa: F401


def test_a_signature_moved_onto_a_table_never_signed_is_named_by_verify(
        db: Path, log: EventLog, signatures: Signatures, nurse: Account, override: int) -> None:
    signed = signatures.sign(nurse, NURSE_PIN, Meaning.PHASE_OVERRIDE, "events", override, t(31))
    conn = sqlite3.connect(db)
    # As someone who knows the rules would: the append-only triggers taken off, and put back
    # as they were once the row and the chain are rewritten.
    triggers = [sql for (sql,) in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'signatures'")]
    drop_triggers(conn, "signatures")
    conn.execute("UPDATE signatures SET signed_table = 'staff' WHERE id = ?", [signed.id])
    columns = ", ".join(CHAINED_COLUMNS["signatures"])
    previous = GENESIS
    for values in conn.execute(f"SELECT {columns} FROM signatures ORDER BY id").fetchall():
        previous = row_hash(previous, "signatures", list(values))
        conn.execute("UPDATE signatures SET row_hash = ? WHERE id = ?", [previous, values[0]])
        last = values[0]
    conn.execute("UPDATE meta SET value = ? WHERE key = 'chain_head.signatures'",
                 [f"{last} {previous}"])
    for sql in triggers:
        conn.execute(sql)
    conn.commit()
    conn.close()
    report = log.verify()
    assert (report.ok, report.first_bad) == (False, ("signatures", signed.id)), report.message
    assert "a table whose rows are never signed" in report.message
