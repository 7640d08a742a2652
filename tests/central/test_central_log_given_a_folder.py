"""`central --db` naming a folder (a common slip: `--db ~/central/`) was refused as a permission
problem ("check the owner and permissions of the file and its folder"), sending IT to change the
permissions of a folder whose permissions are fine. The session log names the slip for what it is
(console/store/errors.py `check_openable`); the central log now asks the same first."""

from __future__ import annotations

import pytest

from console.central.central_log import CentralLog, CentralLogError


def test_a_folder_given_as_the_central_log_is_refused_as_a_folder(tmp_path):
    folder = tmp_path / "central"
    folder.mkdir()
    with pytest.raises(CentralLogError) as caught:
        CentralLog.open(folder)
    text = str(caught.value)
    assert caught.value.cause == "not-a-file", text
    assert text.startswith(f"Cannot write the central station's log {folder} (not a file): "
                           "give the path of a file, not of a folder, or choose another file "
                           "with --db."), text
    assert "permissions" not in text
    assert list(folder.iterdir()) == []   # nothing written into it
