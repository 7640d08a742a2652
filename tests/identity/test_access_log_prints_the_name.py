"""`infusion-console access-log` prints a name as the account holds it: a Persian name's
zero-width non-joiner, which the staff layer keeps on purpose, had printed as "?"
("مهر?انگیز Karimi"), a name an auditor searching the access log would not find (a review)."""

from __future__ import annotations

from console.identity import SecretKind, Staff
from console.identity.access import AccessLog
from console.identity.cli import access_log_main
from console.store import EventLog
from tests.identity.conftest import t

MEHRANGIZ = "\u0645\u0647\u0631\u200c\u0627\u0646\u06af\u06cc\u0632 Karimi"


def test_the_access_log_prints_a_persian_name_as_the_account_holds_it(tmp_path, capsys):
    db = tmp_path / "log.sqlite3"
    with EventLog.open(db, "test") as log:
        staff = Staff(log)
        admin = staff.add("Ada Admin", "administrator", "58203914", SecretKind.PIN, None, t(0))
        reader = staff.add(MEHRANGIZ, "reviewer", "30571946", SecretKind.PIN, admin, t(1))
        assert reader.name == MEHRANGIZ
        AccessLog(log).record_access(reader, "read", None, "list", True, t(5))
    assert access_log_main(["--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert f"{MEHRANGIZ} (#{reader.id})" in out, out
