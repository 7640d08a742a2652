"""The program version, stored in every log file it writes.

A constant rather than `importlib.metadata.version()`: the look-up of installed metadata cost
the start-up about 15 ms (P7); tests/test_version.py keeps it equal to pyproject.toml's.
"""

from __future__ import annotations

VERSION = "0.1.0"
