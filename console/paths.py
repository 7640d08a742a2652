"""Where the console keeps its files by default."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "infusion-console"


def default_db_path() -> Path:
    """The session log in the user's data folder (e.g. ~/.local/share/infusion-console)."""
    return platformdirs.user_data_path(APP) / "sessions.sqlite3"
