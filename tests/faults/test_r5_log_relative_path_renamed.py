"""A console started with a relative --db (`cd /srv/clinic/data && console --db sessions.sqlite3`,
a launcher's working folder), and a folder above renamed while it runs (IT archives
/srv/clinic as /srv/clinic-2025 and makes a new /srv/clinic/data).

The log's path now names a file in the new folder (or none). The folder-only look statted "."
(the process's working folder, which followed the rename and did not change itself) and went on
acknowledging into the archived log (review 44): the path is taken from the root at open."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.store import EventLog, LogError
from tests.store import VERSION, obs, opened


@pytest.mark.usefixtures("folder_age")
@pytest.mark.parametrize("relative", ["sessions.sqlite3", "data/sessions.sqlite3"])
def test_a_folder_above_a_relative_log_path_renamed_is_noticed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: str) -> None:
    clinic = tmp_path / "srv" / "clinic"
    (clinic / "data").mkdir(parents=True)
    monkeypatch.chdir(clinic / "data" if relative == "sessions.sqlite3" else clinic)
    log = EventLog.open(Path(relative), VERSION)
    try:
        sid = log.start_session(opened("CHAIR-1"))
        log.write([obs(sid, 1)])
        log.write([obs(sid, 2)])
        clinic.rename(tmp_path / "srv" / "clinic-2025")       # archived by IT
        (clinic / "data").mkdir(parents=True)                 # a new, empty data folder
        with pytest.raises(LogError) as held:
            log.write([obs(sid, 3)])
        assert held.value.cause == "moved", "acknowledged into the archived log"
    finally:
        log.close()
