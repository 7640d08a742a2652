"""The identity layer is Qt-free and below the UI (style rule 1): importing it loads neither
PySide6/pyqtgraph nor console.ui, checked in a fresh interpreter. (An import-linter contract for
console.identity would belong in pyproject.toml's [tool.importlinter].)"""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["console.identity", "console.identity.cli",
                                    "console.identity.terminal", "console.store.identity_store"])
def test_module_imports_neither_qt_nor_the_ui(module: str) -> None:
    code = (f"import importlib, sys; importlib.import_module({module!r}); "
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'pyqtgraph', 'shiboken6') or m.startswith('console.ui'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{module} imports {result.stdout.strip()}"
