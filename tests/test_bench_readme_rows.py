"""README's table of measured bars (section "Measured: speed") agrees with the run each row names.

A row's figure cell begins with its newest figure and the results JSON it comes from
(`run-....json` in benchmarks/results/); the peer, ratio and result cells beside it are read
against that figure. Review 50 found P5's result "pass" beside a run whose follow view failed
(1.17×, bar ≤ 1.0×), and P4's and P5's peer and ratio cells a week older than their figures
(P4 "0.74×" beside 3,955 rows/s against 6,085 = 0.65×, a miss).

Checked: every row whose figure's first clause (up to the first ";") names one results file:
its peer and ratio cells begin with that run's peer and ratio (the ratios of the bars read as
ratios), and a result beginning "pass" needs every judged row of that run passed. Rows that
name no file, or a pattern of files, are left to their prose.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from benchmarks.run import _num

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def _table_rows() -> list[list[str]]:
    """The cells of each row of the first table under "Measured: speed"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = text[text.index("## Measured: speed"):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| id | what | figure"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def _cited() -> list[tuple[list[str], str]]:
    """The rows whose figure's first clause names one results file that exists, with it."""
    out = []
    for cells in _table_rows():
        names = re.findall(r"`(run-[^`]+\.json)`", cells[2].split(";")[0])
        if len(names) == 1 and (RESULTS / names[0]).is_file():
            out.append((cells, names[0]))
    return out


def _rows_of(bid: str, name: str) -> list[dict[str, Any]]:
    rows = [r for r in json.loads((RESULTS / name).read_text(encoding="utf-8"))["rows"]
            if r["id"] == bid]
    assert rows, f"{name} has no row of {bid}"
    return rows


def _numbers(cell: str) -> list[str]:
    """The numbers of a cell's first part (up to the first ";"), as written."""
    return re.findall(r"\d[\d,]*(?:\.\d+)?", cell.split(";")[0])


CITED = _cited()


def test_the_rows_that_name_their_run_are_found():
    """P4 and P5 name theirs: the checks below are not run on nothing."""
    assert {"P4", "P5"} <= {cells[0] for cells, _ in CITED}, CITED


@pytest.mark.parametrize("cells, name", CITED, ids=[c[0] for c, _ in CITED])
def test_result_cell_does_not_say_pass_beside_a_run_that_missed(cells, name):
    missed = [r["case"] or r["what"] for r in _rows_of(cells[0], name) if r["passed"] is False]
    assert not (missed and cells[6].lower().startswith("pass")), (
        f"README {cells[0]} says {cells[6][:60]!r}; {name} missed {missed}")


@pytest.mark.parametrize("cells, name", CITED, ids=[c[0] for c, _ in CITED])
def test_peer_and_ratio_cells_are_the_runs_own(cells, name):
    rows = _rows_of(cells[0], name)
    # As `python -m benchmarks --markdown` writes them (benchmarks/run.py).
    peers = [_num(r["peer"]) for r in rows if r["peer"] is not None]
    ratios = [f"{r['ratio']:.2f}" for r in rows if r["ratio"] is not None and "×" in r["bar"]]
    assert all(p in _numbers(cells[3]) for p in peers), (
        f"README {cells[0]} peer {cells[3][:60]!r}; {name} gives {peers}")
    assert bool(peers) == (cells[3] != "—"), (cells[3], peers)   # a peer only beside one
    shown = re.findall(r"(\d+\.\d+)×", cells[4].split(";")[0])
    assert shown == ratios, f"README {cells[0]} ratio {cells[4][:60]!r}; {name} gives {ratios}"
