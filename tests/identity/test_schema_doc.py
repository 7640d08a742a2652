"""SCHEMA.md documents every column of the identity tables, states the Argon2id parameters the
code uses, and its example queries over them run."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from console.identity.secrets import MEMORY_COST_KIB, PARALLELISM, TIME_COST

SCHEMA_MD = Path(__file__).resolve().parents[2] / "console" / "store" / "SCHEMA.md"
TABLES = ("staff", "sign_ins", "signatures", "access_log")


def section(text: str, table: str) -> str:
    start = text.index(f"### `{table}`")
    end = text.find("\n#", start + 1)
    return text[start:end if end != -1 else None]


@pytest.mark.parametrize("table", TABLES)
def test_every_column_is_documented(log: object, db: Path, table: str) -> None:
    text = SCHEMA_MD.read_text(encoding="utf-8")
    conn = sqlite3.connect(db)
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    conn.close()
    documented = re.findall(r"^\| `(\w+)` \|", section(text, table), re.M)
    assert documented == columns


def test_the_view_and_the_parameters_are_documented(log: object, db: Path) -> None:
    text = SCHEMA_MD.read_text(encoding="utf-8")
    conn = sqlite3.connect(db)
    view = [row[1] for row in conn.execute("PRAGMA table_info(staff_current)")]
    conn.close()
    paragraph = text[text.index("`staff_current` (view)"):]
    paragraph = paragraph[:paragraph.index("\n\n")]
    assert all(f"`{column}`" in paragraph for column in view)
    assert f"m={MEMORY_COST_KIB},t={TIME_COST},p={PARALLELISM}" in text


def test_the_example_queries_run(log: object, db: Path) -> None:
    text = SCHEMA_MD.read_text(encoding="utf-8")
    queries = [q for q in re.findall(r"```sql\n(.*?)```", text, re.S)
               if any(t in q for t in ("access_log", "signatures", "sign_ins"))]
    assert len(queries) == 3
    conn = sqlite3.connect(db)
    try:
        for query in queries:
            conn.execute(query).fetchall()
    finally:
        conn.close()
