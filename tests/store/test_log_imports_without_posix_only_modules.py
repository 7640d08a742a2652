"""The session log's module imports where the POSIX-only modules it uses do not exist (fcntl
for its locks, resource for the file size limit): guarded, each leaves only its one check
out; unguarded, no session could start there (a review)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_log_module_imports_where_posix_only_modules_are_absent() -> None:
    code = ("import sys; sys.modules['fcntl'] = None; sys.modules['resource'] = None; "
            "import console.store.log as log; from pathlib import Path; "
            "assert log._at_size_limit(Path('absent.sqlite3')) is False")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
