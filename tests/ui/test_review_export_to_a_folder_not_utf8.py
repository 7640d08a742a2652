"""An export from the review window into a folder whose name is not UTF-8 (a Latin-1 "Séance"
made by an older system or a USB stick): the access log's row "to FILE" raised
UnicodeEncodeError on the path's surrogate escape, so a signed-in reviewer got a traceback and
no file. The row is written as the command line writes it (console/export/cli.py `_loggable`):
each byte that is not UTF-8 becomes U+FFFD, and the file is written where it was asked."""

from __future__ import annotations

import os

from tests.ui.test_review_identity import (   # noqa: F401 (fixtures)
    PRESCRIBER, PRESCRIBER_PIN, access_rows, built, db, facts, open_window, protocols, signed_in,
)


def test_an_export_to_a_folder_whose_name_is_not_utf8_is_written_and_logged(
        db, facts, protocols, qtbot, tmp_path):
    folder = tmp_path / os.fsdecode(b"S\xe9ance")   # "S\udce9ance"
    folder.mkdir()
    window, dialogs = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                                  tmp_path)
    session = facts.ids["surge"]
    window.open_session(session)
    dialogs.folder = folder
    window.export("fhir")
    assert dialogs.errors == []
    assert (folder / "export.json").is_file()
    assert access_rows(db)[-1] == (
        PRESCRIBER, "export", session, "fhir", 0, "review",
        f"to {tmp_path}/S\ufffdance/export.json")
    window.close_log()


def test_an_export_not_written_there_is_said_in_the_access_log_too(
        db, facts, protocols, qtbot, tmp_path):
    folder = tmp_path / os.fsdecode(b"S\xe9ance")   # not made: the file cannot be written
    window, dialogs = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                                  tmp_path)
    session = facts.ids["surge"]
    window.open_session(session)
    dialogs.folder = folder
    window.export("fhir")
    assert [t for t, _ in dialogs.errors] == ["FHIR export failed"]
    shown = f"{tmp_path}/S\ufffdance/export.json"
    assert [r[6] for r in access_rows(db)[-2:]] == [
        f"to {shown}", f"NOT WRITTEN: {shown}: No such file or directory"]
    window.close_log()
