"""Tens of thousands of Qt calls in a child interpreter: a binding that aborts the process
(PySide6-Essentials 6.12.0 on Python 3.11, "Fatal Python error: none_dealloc") fails here, in CI,
instead of in a nurse's session. The dependency specification is meant to make it impossible."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

LOOP = textwrap.dedent("""
    import numpy as np
    import pyqtgraph as pg
    from PySide6 import QtWidgets, QtCore

    app = QtWidgets.QApplication([])
    window = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(window)
    plot = pg.PlotWidget()
    label = QtWidgets.QLabel()
    layout.addWidget(plot)
    layout.addWidget(label)
    window.resize(800, 500)
    window.show()
    t = np.arange(3600, dtype=np.float64)
    values = np.zeros(3600, dtype=np.float64)
    curves = [plot.plot(pen=pg.mkPen(c, width=1)) for c in "rgbcmy"]
    calls = 0
    for i in range(6000):
        n = 1 + i % 3600
        values[n - 1] = 70 + (i % 37)
        for curve in curves:
            curve.setData(t[:n], values[:n])
            calls += 1
        label.setText(f"HR {values[n - 1]:.0f}")
        calls += 1
        if i % 50 == 0:
            app.processEvents()
            window.grab()
            calls += 2
    print("calls", calls)
""")


def test_long_qt_session_does_not_abort_the_interpreter(tmp_path):
    script = tmp_path / "loop.py"
    script.write_text(LOOP)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=600, env=env)
    assert result.returncode == 0, (
        f"the Qt loop died with exit {result.returncode}: {result.stderr[-2000:]}")
    calls = int(result.stdout.split()[-1])
    assert calls >= 40_000


def test_installed_binding_is_not_the_one_that_aborts_on_this_python():
    from importlib import metadata

    version = metadata.version("PySide6-Essentials")
    if sys.version_info[:2] == (3, 11):
        assert not version.startswith("6.12."), f"PySide6-Essentials {version} aborts Python 3.11"
    assert version != "6.9.1", "PySide6 6.9.1 breaks pyqtgraph plots"


@pytest.fixture(autouse=True)
def _offscreen(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
