"""The benchmark program: quality bars P1-P8 and P3b (shared/design/quality-bars.md), one table,
one JSON.

    python -m benchmarks                      # everything, full sizes (a few minutes on 2 cores)
    python -m benchmarks --quick              # everything, small sizes (well under a minute)
    python -m benchmarks --only P1,P4 --json bench.json
    python -m benchmarks --set P2.messages=20000 --set P3.trials=500
    python -m benchmarks --compare benchmarks/results/baseline.json

Each benchmark runs in a fresh child process (offscreen Qt), one after the other: figures are not
disturbed by what an earlier one left in memory, P8's memory is the soak's alone, and a crash is
reported as that benchmark's failure instead of ending the run. Peers are measured in the same
child, side by side. The table says pass/fail against each bar; the exit status does not, unless
`--strict` is given (CI runs `--quick` to prove the program works, not to judge a shared machine).

Exit status: 0, or 1 with --strict when a bar is missed, or 2 when a benchmark could not run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):   # `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, Row, machine_info  # noqa: E402

BENCHMARKS: dict[str, tuple[str, str]] = {
    "P1": ("benchmarks.p1_decoder", "decoder throughput"),
    "P1b": ("benchmarks.p1b_intellivue", "IntelliVue decoder throughput"),
    "P2": ("benchmarks.p2_ingest", "end-to-end ingest"),
    "P3": ("benchmarks.p3_alarm", "alarm latency"),
    "P3b": ("benchmarks.p3b_alarm_load", "alarm latency under load"),
    "P4": ("benchmarks.p4_log", "durable logging"),
    "P5": ("benchmarks.p5_trend", "live trend redraw"),
    "P6": ("benchmarks.p6_review", "review at scale"),
    "P7": ("benchmarks.p7_startup", "start-up"),
    "P8": ("benchmarks.p8_soak", "soak"),
    "P9": ("benchmarks.p9_central_alarm", "alarm to the central station"),
    "P10": ("benchmarks.p10_central_refresh", "central station refresh and CPU"),
    "P11": ("benchmarks.p11_backlog", "backlog after a broker outage"),
    "P12": ("benchmarks.p12_network_overhead", "bedside cost of the network"),
}
# Longest a child may take (full sizes; P6 may build 200 sessions, ~2-3 min, on its first run;
# P12 takes ~3.5 min on this machine but went past 10 min on a day it ran 3.4x slower).
TIMEOUT_S = {"P3b": 1800.0, "P6": 1800.0, "P8": 1800.0, "P12": 1800.0}
DEFAULT_TIMEOUT_S = 600.0


def canonical_id(text: str) -> str:
    """A benchmark id as typed ("p3b", "P3B") as it is spelled in BENCHMARKS ("P3b")."""
    by_upper = {bid.upper(): bid for bid in BENCHMARKS}
    return by_upper.get(text.strip().upper(), text.strip())


def parameters(ids: list[str], quick: bool, overrides: list[str]) -> dict[str, dict[str, Any]]:
    """Each benchmark's parameters: its defaults (or QUICK), then `--set ID.name=value`."""
    out: dict[str, dict[str, Any]] = {}
    for bid in ids:
        module = importlib.import_module(BENCHMARKS[bid][0])
        out[bid] = dict(module.QUICK if quick else module.DEFAULTS)
    for item in overrides:
        key, _, text = item.partition("=")
        bid, _, name = key.partition(".")
        bid = canonical_id(bid)
        if bid not in out or not name or not text:
            raise SystemExit(f"--set {item!r}: expected ID.name=value with ID among "
                             f"{', '.join(ids)}")
        if name not in out[bid]:
            raise SystemExit(f"--set {item!r}: {bid} has no parameter {name!r}; "
                             f"it has {', '.join(out[bid])}")
        out[bid][name] = json.loads(text) if text[:1] in "0123456789-[{tf" else text
    return out


def run_child(bid: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], float, str]:
    """Run one benchmark in a fresh interpreter; (rows as dicts, seconds, error text or '')."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryDirectory(prefix=f"bench-{bid.lower()}-") as tmp:
        result = Path(tmp) / "rows.json"
        begin = time.perf_counter()
        try:
            child = subprocess.run(
                [sys.executable, "-m", "benchmarks.run", "--child", bid, "--params",
                 json.dumps(params), "--result", str(result)],
                cwd=ROOT, env=env, capture_output=True, text=True,
                timeout=TIMEOUT_S.get(bid, DEFAULT_TIMEOUT_S))
        except subprocess.TimeoutExpired as exc:
            return [], time.perf_counter() - begin, f"timed out after {exc.timeout:g} s"
        seconds = time.perf_counter() - begin
        if child.returncode != 0 or not result.exists():
            tail = "\n".join((child.stderr or "").strip().splitlines()[-12:])
            return [], seconds, f"exit status {child.returncode}: {tail}"
        return json.loads(result.read_text()), seconds, ""


def child_main(bid: str, params: dict[str, Any], result: Path) -> int:
    module = importlib.import_module(BENCHMARKS[bid][0])
    rows: list[Row] = module.run(params)
    result.write_text(json.dumps([r.to_json() for r in rows], allow_nan=True))
    return 0


# ------------------------------------------------------------------------------------ table


def _num(value: float | None, unit: str = "") -> str:
    if value is None or value != value:
        return "—"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def table(rows: list[dict[str, Any]]) -> str:
    head = ("id", "what", "figure", "peer", "ratio", "bar", "result")
    lines = []
    for r in rows:
        verdict = {True: "pass", False: "FAIL", None: "—"}[r["passed"]]
        if r.get("error"):
            verdict = "ERROR"
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}×"
        lines.append((r["id"], r["what"],
                      _num(r["figure"], r["unit"]), _num(r["peer"], r["unit"]), ratio, r["bar"],
                      verdict))
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(head)]
    right = {2, 3, 4}

    def fmt(cells: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(head), rule, *(fmt(line) for line in lines)])


def comparison(rows: list[dict[str, Any]], earlier: dict[str, Any]) -> str:
    """Each figure beside the same row of an earlier run's JSON (matched by id and case)."""
    before = {(r["id"], r.get("case", "")): r for r in earlier.get("rows", [])}
    lines = [f"compared with {earlier.get('date', '?')}"
             f"{' (quick sizes)' if earlier.get('quick') else ''}:"]
    for r in rows:
        old = before.get((r["id"], r.get("case", "")))
        if old is None or old.get("figure") is None or r["figure"] is None:
            change = "no earlier figure"
        else:
            change = (f"{_num(old['figure'], old['unit'])} → {_num(r['figure'], r['unit'])}"
                      + (f" ({(r['figure'] / old['figure'] - 1) * 100:+.0f}%)"
                         if old["figure"] else ""))
        lines.append(f"  {r['id']}  {r['what']}: {change}")
    return "\n".join(lines)


def markdown(rows: list[dict[str, Any]]) -> str:
    out = ["| id | what | figure | peer | ratio | bar | result |", "|---|---|---:|---:|---:|---|---|"]
    for r in rows:
        verdict = "ERROR" if r.get("error") else {True: "pass", False: "**FAIL**", None: "—"}[r["passed"]]
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}×"
        out.append(f"| {r['id']} | {r['what']} | {_num(r['figure'], r['unit'])} | "
                   f"{_num(r['peer'], r['unit'])} | {ratio} | {r['bar']} | {verdict} |")
    return "\n".join(out)


# ------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="Run the P1-P8 and P3b benchmarks; print one table.")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes: proves the program works in well under a minute")
    parser.add_argument("--only", default="", help="comma-separated ids, e.g. P1,P4")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    parser.add_argument("--set", action="append", default=[], metavar="ID.NAME=VALUE",
                        help="override a parameter, e.g. P2.messages=20000 (repeatable)")
    parser.add_argument("--compare", type=Path, metavar="EARLIER.json",
                        help="also show each figure beside the same row of an earlier run")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a bar is missed")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child, json.loads(args.params), args.result)

    ids = [canonical_id(x) for x in args.only.split(",") if x.strip()] or list(BENCHMARKS)
    unknown = [x for x in ids if x not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    params = parameters(ids, args.quick, args.set)
    started = datetime.now(UTC)
    load_start = os.getloadavg()
    begin = time.perf_counter()
    rows: list[dict[str, Any]] = []
    timings: dict[str, float] = {}
    errors: dict[str, str] = {}
    for bid in ids:
        print(f"{bid} {BENCHMARKS[bid][1]} ...", file=sys.stderr, flush=True)
        got, seconds, error = run_child(bid, params[bid])
        timings[bid] = round(seconds, 2)
        if error:
            errors[bid] = error
            print(f"{bid} could not run: {error}", file=sys.stderr, flush=True)
            got = [Row(id=bid, what=BENCHMARKS[bid][1], figure=None, unit="", bar="(did not run)",
                       passed=False, details={"error": error}).to_json() | {"error": error}]
        rows.extend(got)
    total = time.perf_counter() - begin
    print(table(rows))
    if args.markdown:
        print()
        print(markdown(rows))
    if args.compare:
        print()
        print(comparison(rows, json.loads(args.compare.read_text())))
    missed = [f"{r['id']}{' ' + r['case'] if r.get('case') else ''}" for r in rows
              if r["passed"] is False]
    print(f"\n{len(rows)} rows, {len(ids)} benchmarks in {total:.0f} s"
          f"{' (quick sizes)' if args.quick else ''}; "
          f"{'bars missed: ' + ', '.join(missed) if missed else 'every bar met'}")
    if args.json:
        doc = {
            "date": started.isoformat(timespec="seconds"),
            "quick": args.quick,
            "duration_s": round(total, 1),
            "seconds_per_benchmark": timings,
            "load_average_start": load_start,
            "load_average_end": os.getloadavg(),
            "machine": machine_info(),
            "parameters": params,
            "rows": rows,
            "errors": errors,
            "table": table(rows),
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
        print(f"results written to {args.json}")
    if errors:
        return 2
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
