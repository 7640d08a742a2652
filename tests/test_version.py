"""The version the log records is the project's."""

from __future__ import annotations

import tomllib
from pathlib import Path

from console.version import VERSION


def test_the_version_in_the_log_is_the_projects():
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert VERSION == pyproject["project"]["version"]
