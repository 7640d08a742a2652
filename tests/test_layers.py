"""The engine, the log, the protocols and the device layer never import Qt (architecture.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

QT_FREE = [
    "protocols.vitals", "console.clock", "console.records", "console.cli",
    "console.session.engine", "console.session.alarms", "console.session.schedule",
    "console.session.entry", "console.store", "protocols.loader",
    "devices.framing", "devices.formats", "devices.transport", "devices.decode_tool",
    "devices.simulator.player", "devices.simulator.cli",
    "console.review.model", "console.review.queries", "console.review.content",
    "console.review.course_trend", "console.review.course_trend_reader",
    "console.export.csv_export",
    "console.export.fhir", "console.export.rems", "console.export.deidentify",
    "console.export.cli", "console.log_command", "benchmarks.review_log",
]


@pytest.mark.parametrize("module", QT_FREE)
def test_module_does_not_import_qt(module):
    code = (
        f"import importlib, sys; importlib.import_module({module!r}); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')); "
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{module} imports {result.stdout.strip()}"
