"""The review's check of a session tells the last row's row_hash altered from an edit of its
content, as `verify` does: no row follows it, the chain head in meta holds its hash."""
from __future__ import annotations

from pathlib import Path

from console.review.queries import check_session_chain, open_readonly
from tests.store import filled_log
from tests.store.test_verify import tamper


def test_the_last_rows_hash_altered_is_not_called_an_edit(tmp_path: Path) -> None:
    path, sid = filled_log(tmp_path)   # observations 1 to 5
    with tamper(path) as conn:
        conn.execute("UPDATE observations SET row_hash = 'f00' WHERE id = 5")
    conn = open_readonly(path)
    try:
        check = check_session_chain(conn, sid)
    finally:
        conn.close()
    assert not check.ok
    assert check.message == ("observations row 5: its row_hash was altered outside the console "
                             "(the content still matches the chain)")
