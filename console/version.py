"""The program version, stored in every log file it writes."""

from __future__ import annotations

from importlib import metadata

try:
    VERSION = metadata.version("infusion-console")
except metadata.PackageNotFoundError:   # running from a source tree that was never installed
    VERSION = "0+unknown"
