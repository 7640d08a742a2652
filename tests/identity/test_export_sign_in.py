"""`infusion-console export` signs in: refused without an account, with a wrong PIN, or for a
nurse; a reviewer-only account gets a de-identified export whatever it asked; every export is an
`access_log` row that `access-log` prints."""

from __future__ import annotations

import shutil
import subprocess
import sqlite3
from pathlib import Path

import pytest

from console.cli import main
from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol

from .accounts import QA_ADMIN, QA_ADMIN_PIN, ensure_account, sign_in_args
from .conftest import T0

PATIENT = "MRN-8842"
NURSE_PIN, REVIEWER_PIN = "52719384", "60483921"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log with one session, its first administrator, a nurse and a reviewer (built once)."""
    path = tmp_path_factory.mktemp("export-sign-in") / "log.sqlite3"
    clock = ManualClock(T0)
    with EventLog.open(path, "test") as log:
        engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"),
                                    log, Patient(PATIENT, 70), "Ana Nurse", clock.now())
        engine.enter_manual("bp_systolic", 128, "Ana Nurse", clock.advance(60))
    ensure_account(path)
    ensure_account(path, "Ana Nurse", "nurse", NURSE_PIN)
    ensure_account(path, "Rae Reviewer", "reviewer", REVIEWER_PIN, badge="R-5")
    return path


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    """This test's copy of the built log (the log was closed: no WAL to copy)."""
    copy = tmp_path / "log.sqlite3"
    shutil.copy(built, copy)
    return copy


def export(capsys: pytest.CaptureFixture[str], db: Path, target: Path, *extra: str,
           ) -> tuple[int, str, str]:
    code = main(["export", "1", "--fhir", str(target), "--db", str(db), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def accesses(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT account, name, what, session_id, format, deidentified, "
                            "station, detail FROM access_log ORDER BY id").fetchall()
    finally:
        conn.close()


def refused(code: int, out: str, err: str) -> str:
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("infusion-console export: ")
    return err.strip().removeprefix("infusion-console export: ")


def test_an_export_without_a_sign_in_is_refused(capsys, db: Path, tmp_path: Path) -> None:
    target = tmp_path / "b.json"
    message = refused(*export(capsys, db, target))
    assert message == ("an export needs a sign-in: --account NAME (a reviewer, prescriber or "
                       "administrator; the PIN or password is asked for, or read from "
                       "--secret-fd N)")
    assert not target.exists() and accesses(db) == []


def test_a_log_without_accounts_exports_without_a_sign_in_and_says_it_is_not_logged(
        capsys, tmp_path: Path) -> None:
    # The transitional rule, as the review window applies it: nobody to sign in as yet.
    db = tmp_path / "no-accounts.sqlite3"
    clock = ManualClock(T0)
    with EventLog.open(db, "test") as log:
        engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"),
                                    log, Patient(PATIENT, 70), "Ana Nurse", clock.now())
        engine.enter_manual("bp_systolic", 128, "Ana Nurse", clock.advance(60))
    target = tmp_path / "b.json"
    code, out, err = export(capsys, db, target)
    assert (code, err) == (0, "") and target.is_file()
    assert out.splitlines()[-1] == (
        f"session 1: not logged: this log has no staff accounts; the first administrator is "
        f"added with: infusion-console staff add --db {db} --name NAME --roles administrator")
    assert accesses(db) == []


def test_a_wrong_pin_is_refused_and_logged(capsys, db: Path, tmp_path: Path) -> None:
    target = tmp_path / "b.json"
    message = refused(*export(capsys, db, target, *sign_in_args(QA_ADMIN, "99990000")))
    assert message == ("sign-in refused: name or badge and PIN or password do not match an "
                       "account: check both and try again")
    assert not target.exists() and accesses(db) == []
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT outcome, purpose, station FROM sign_ins").fetchall() == [
        ("wrong", "export", "command line")]
    conn.close()


def test_a_nurse_may_not_export(capsys, db: Path, tmp_path: Path) -> None:
    target = tmp_path / "b.json"
    message = refused(*export(capsys, db, target, *sign_in_args("Ana Nurse", NURSE_PIN)))
    assert message == ("Ana Nurse (nurse) may not export a session: it needs the prescriber, "
                       "reviewer or administrator role")
    assert not target.exists() and accesses(db) == []
    # Her right PIN is an `ok` row that does not read as an export sign-in.
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT outcome, purpose FROM sign_ins ORDER BY id DESC LIMIT 1"
                        ).fetchall() == [("ok", "export refused: may not export a session")]
    conn.close()


def test_a_reviewer_only_account_gets_a_deidentified_export(capsys, db: Path,
                                                            tmp_path: Path) -> None:
    target = tmp_path / "b.json"
    code, out, err = export(capsys, db, target, *sign_in_args("r-5", REVIEWER_PIN))
    assert (code, err) == (0, "")
    assert out.splitlines()[1] == ("session 1: de-identified: Rae Reviewer is a reviewer without "
                                   "a nurse, prescriber or administrator role, who sees "
                                   "de-identified records only")
    text = target.read_text(encoding="utf-8")
    assert PATIENT not in text and "Ana Nurse" not in text and "PSEUDED" in text
    assert accesses(db) == [(3, "Rae Reviewer", "export", 1, "fhir", 1, "command line",
                             f"to {target}")]


def test_an_administrator_exports_identified_and_every_export_is_logged(
        capsys, db: Path, tmp_path: Path) -> None:
    plain, csv = tmp_path / "plain.json", tmp_path / "csv"
    code, out, err = export(capsys, db, plain, *sign_in_args(QA_ADMIN, QA_ADMIN_PIN))
    assert (code, err) == (0, "") and len(out.splitlines()) == 1
    assert PATIENT in plain.read_text(encoding="utf-8")
    assert main(["export", "1", "--csv", str(csv), "--deidentify", "--db", str(db),
                 *sign_in_args(QA_ADMIN, QA_ADMIN_PIN)]) == 0
    capsys.readouterr()
    assert accesses(db) == [
        (1, QA_ADMIN, "export", 1, "fhir", 0, "command line", f"to {plain}"),
        (1, QA_ADMIN, "export", 1, "csv", 1, "command line", f"to {csv}"),
    ]
    assert main(["access-log", "--db", str(db), "--session", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and " fhir " in lines[1] and " csv " in lines[2]
    with EventLog.open(db, "test") as log:
        assert log.verify().ok


def test_a_locked_account_cannot_export(capsys, db: Path, tmp_path: Path) -> None:
    for _ in range(5):
        refused(*export(capsys, db, tmp_path / "b.json", *sign_in_args("Rae Reviewer", "1111")))
    message = refused(*export(capsys, db, tmp_path / "b.json",
                              *sign_in_args("Rae Reviewer", REVIEWER_PIN)))
    assert message.startswith("sign-in refused: Rae Reviewer is locked after 5 wrong PINs or "
                              "passwords in a row: try again in ")
    assert accesses(db) == []


def test_the_command_line_pdf_prints_who_signed_what_and_a_deidentified_one_names_no_staff(
        capsys, db: Path, tmp_path: Path) -> None:
    from console.identity import Signatures, Staff

    with EventLog.open(db, "test") as log:
        staff = Staff(log)
        [(entered,)] = log.conn.execute(
            "SELECT id FROM events WHERE session_id = 1 ORDER BY id LIMIT 1").fetchall()
        Signatures(staff).sign(staff.find("Ana Nurse"), NURSE_PIN, "correction", "events",
                               entered, T0)
    pdf, anonymous = tmp_path / "report.pdf", tmp_path / "anonymous.pdf"
    for target, extra in ((pdf, ()), (anonymous, ("--deidentify",))):
        assert main(["export", "1", "--pdf", str(target), "--db", str(db), *extra,
                     *sign_in_args(QA_ADMIN, QA_ADMIN_PIN)]) == 0
    capsys.readouterr()

    def text(path: Path) -> str:
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                              text=True, check=True).stdout

    signed = text(pdf)
    assert "Electronic signatures: 1 signature" in signed
    assert "Ana Nurse" in signed[signed.index("Electronic signatures"):]
    assert "Ana Nurse" not in text(anonymous) and "Electronic signatures: 1" not in text(anonymous)
