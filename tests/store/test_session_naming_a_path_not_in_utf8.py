"""A session whose monitor port lies under a folder whose name is not UTF-8 (a socat link in a
Latin-1 folder b"caf\\xe9", a QA rig) starts and is logged: the start checks accept the port (it
exists), and the session's row, whose details name it, was hashed strictly, the start ending in
UnicodeEncodeError with nothing logged (a review). The log escapes such a byte in the session's
row as it does in every record (`_storable`)."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from console.records import SessionOpened
from console.store import EventLog
from tests.ui.test_app_start import options, started  # noqa: F401 - fixture

CAFE = os.fsdecode(b"caf\xe9")


def test_the_log_takes_a_session_whose_details_name_a_path_not_in_utf8(tmp_path: Path) -> None:
    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        session_id = log.start_session(SessionOpened(
            patient_id="MRN-1", protocol_id="iv-ketamine", protocol_version="1.0",
            session_number=1, nurse="ana", weight_kg=80.0, started_at=datetime.now(UTC),
            details={"device": f"/srv/{CAFE}/monitor", "format": "hl7"}))
        assert log.verify().ok
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        (details,) = conn.execute("SELECT details FROM sessions WHERE id = ?",
                                  [session_id]).fetchone()
    assert json.loads(details)["device"] == f"/srv/{CAFE}/monitor"   # read back as given


def test_a_session_whose_monitor_port_is_under_a_latin1_folder_starts_and_is_logged(
        started, tmp_path: Path) -> None:  # noqa: F811
    folder = tmp_path / CAFE
    folder.mkdir()
    port = folder / "monitor"
    port.write_bytes(b"")   # there: the start's check of the path passes
    window = started(options(tmp_path, "--protocol", "iv-ketamine", "--patient", "MRN-1",
                             "--weight", "80", "--nurse", "ana", "--device", str(port),
                             "--format", "hl7"))
    assert window.live is not None
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT patient_id FROM sessions").fetchall() == [("MRN-1",)]
