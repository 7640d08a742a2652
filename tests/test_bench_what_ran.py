"""The verdicts of P3b, P9 and P10 are taken from what ran, not from the parameters (review 46).

P3b passed "alarm latency while reviewing 200 sessions + PDF exports" with every export failed
and the review dead after its first load; P9 and P10 passed "20 chairs at 1 Hz" with 9 of the
20 chair processes gone (the central had less to do). The clinic, the load and the trials are
fakes here: the tests judge the verdicts, in well under a second each.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchmarks import p3b_alarm_load, p9_central_alarm, p10_central_refresh

CHAIRS = 20
WHOLE_LOAD = {"trial_seconds": 60.0, "review_loads_during_trials": 330,
              "review_load_ms_median": 180.0, "pdf_exports_during_trials": 140,
              "pdf_export_failures": 0, "pdf_export_seconds_median": 0.4,
              "trials_during_a_review_load": 190, "trials_during_an_export": 190}


def _p3b(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, overlap: dict[str, Any],
         review_stopped: bool) -> Any:
    class _Load:
        def __init__(self, *args: Any, **kwargs: Any) -> None: ...

        def overlap(self, results: list[dict[str, float]]) -> dict[str, Any]:
            return dict(overlap)

    def measure(params: dict[str, Any], load: Any) -> Any:
        results = [{"t0": float(i), "banner_ms": 9.0, "painted_ms": 10.0, "audio_ms": 8.0}
                   for i in range(200)]
        return results, [], {"acks_seen_by_device": 420, "review_launch_ms": 3.0,
                             "review_stopped": review_stopped, "review_stderr_tail": ""}

    monkeypatch.setattr(p3b_alarm_load, "cached_log",
                        lambda *a: (tmp_path / "review.sqlite3", False, 0.0))
    monkeypatch.setattr(p3b_alarm_load, "ReviewAndExports", _Load)
    monkeypatch.setattr(p3b_alarm_load, "measure", measure)
    [row] = p3b_alarm_load.run(dict(p3b_alarm_load.DEFAULTS))
    return row


def test_p3b_passes_when_its_load_ran_through_the_trials(monkeypatch, tmp_path):
    row = _p3b(monkeypatch, tmp_path, WHOLE_LOAD, review_stopped=True)
    assert row.passed is True, row.details


@pytest.mark.parametrize("broken, review_stopped, said", [
    ({"pdf_export_failures": 141}, True, "141 PDF exports failed"),
    ({"pdf_exports_during_trials": 0}, True, "no PDF export ran"),
    ({"review_loads_during_trials": 0}, True, "the review loaded no session"),
    ({}, False, "the review process was not running to the end"),
])
def test_p3b_does_not_pass_when_its_load_did_not_run(monkeypatch, tmp_path, broken,
                                                     review_stopped, said):
    row = _p3b(monkeypatch, tmp_path, {**WHOLE_LOAD, **broken}, review_stopped)
    assert row.passed is False, row.details
    assert said in row.details["failure"], row.details


class _Central:
    def __init__(self, connected: int) -> None:
        self.board = {"ev": "board", "duplicates": 0, "ignored": 0, "last_ignored": "",
                      "chairs": CHAIRS, "connected": connected, "with_session": connected}

    def ask(self, command: str, answer: str, timeout: float = 30.0) -> dict[str, Any]:
        if command == "stats":
            return {"ev": "stats", "cpu_s": 6.0, "wall_s": 60.0, "refresh_ms": [5.0] * 240,
                    "repaint": True}
        if command == "board":
            return self.board
        return {"ev": answer}

    def cards(self) -> dict[str, Any]:
        return {}


def _p10(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, connected: int = CHAIRS,
         exits: dict[str, int | None] | None = None, errors: tuple[str, ...] = ()) -> Any:
    """P10 on a clinic whose central shows `connected` chairs at the end, whose chair processes
    end with `exits` (else 0 each) and whose monitors met `errors`; all were connected at the
    start."""
    class _Clinic:
        def __init__(self, folder: Path, chairs: int) -> None:
            self.names = [f"chair-{i}" for i in range(1, chairs + 1)]
            self.central = _Central(connected)
            self.monitors = SimpleNamespace(by_name={n: SimpleNamespace() for n in self.names},
                                            errors=list(errors))

        def start(self) -> _Clinic:
            return self

        def wait_connected(self) -> None: ...

        def close(self) -> dict[str, int | None]:
            return exits if exits is not None else {name: 0 for name in self.names}

    monkeypatch.setattr(p10_central_refresh, "Clinic", _Clinic)
    monkeypatch.setattr(p10_central_refresh.time, "sleep", lambda s: None)
    return p10_central_refresh.run({"chairs": CHAIRS, "seconds": 60.0, "tmpdir": str(tmp_path)})


def test_p10_passes_when_all_its_chairs_ran_to_the_end(monkeypatch, tmp_path):
    rows = _p10(monkeypatch, tmp_path)
    assert [r.passed for r in rows] == [True, True], rows[0].details


@pytest.mark.parametrize("kind", ["9 chairs gone from the board", "a chair died",
                                  "a monitor could not write"])
def test_p10_does_not_pass_when_not_all_its_chairs_ran(monkeypatch, tmp_path, kind):
    if kind == "9 chairs gone from the board":
        rows = _p10(monkeypatch, tmp_path, connected=11)
    elif kind == "a chair died":
        exits: dict[str, int | None] = {f"chair-{i}": 0 for i in range(1, CHAIRS + 1)}
        exits["chair-4"] = 1   # its traceback in chair-4.stderr
        rows = _p10(monkeypatch, tmp_path, exits=exits)
    else:
        rows = _p10(monkeypatch, tmp_path, errors=("chair-4: [Errno 5] Input/output error",))
    assert [r.passed for r in rows] == [False, False], rows[0].details["clinic_shortfalls"]
    assert rows[0].details["clinic_shortfalls"], rows[0].details


def _p9(monkeypatch: pytest.MonkeyPatch, board: dict[str, Any], exits: Any,
        errors: list[str]) -> Any:
    def measure(params: dict[str, Any]) -> Any:
        results = [{"t0": float(i), "refresh_ms": 20.0, "painted_ms": 22.0} for i in range(200)]
        return results, [], {"chairs": CHAIRS, "central_board": board, "monitor_errors": errors,
                             "chair_exit_codes": exits}

    monkeypatch.setattr(p9_central_alarm, "measure", measure)
    [row] = p9_central_alarm.run({"chairs": CHAIRS, "trials": 200})
    return row


def test_p9_passes_only_when_all_its_chairs_ran_to_the_end(monkeypatch):
    all_ended = {f"chair-{i}": 0 for i in range(1, CHAIRS + 1)}
    row = _p9(monkeypatch, _Central(CHAIRS).board, all_ended, [])
    assert row.passed is True, row.details
    assert _p9(monkeypatch, _Central(11).board, all_ended, []).passed is False
    assert _p9(monkeypatch, _Central(CHAIRS).board, {**all_ended, "chair-4": -9}, []).passed \
        is False
    errors = ["chair-4: [Errno 5] Input/output error"] * 30
    row = _p9(monkeypatch, _Central(CHAIRS).board, all_ended, errors)
    assert row.passed is False
    assert "30 monitor write errors" in row.details["clinic_shortfalls"][0], row.details
