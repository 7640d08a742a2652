"""A console fault's text stays out of a de-identified export.

The "Console fault" alarm says the bug's summary ("Console fault: <summary> — restart the console
(the session resumes)", console/session/engine.py `console_fault`), and the summary is an
exception's message (`fault_handler.summary_of`): a KeyError can name the patient's identifier,
the log's refusal of a naive time holds the real date. The `console_fault` event's `summary` was
removed as free text, but the alarm's message and each of its steps' messages carried the same
words word for word into the events CSV and the PDF's alarm table (a reviewer's proof).
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from console.export.csv_export import write_session_csv
from console.export.deidentify import deidentify
from console.export.fhir import write_session_fhir
from console.review import content as rc
from console.session.engine import CONSOLE_FAULT
from console.store.log import _stamp
from console.ui.fault_handler import summary_of
from tests.review.logged_session import logged_session

KEY = b"clinic key"
TAIL = " — restart the console (the session resumes)"   # the engine's own words after the summary


def _fault_from_the_log() -> str:
    """The summary the fault handler makes of the log's refusal of a naive time (a bug)."""
    try:
        _stamp(datetime(2026, 3, 2, 9, 5), "event time")
    except ValueError as exc:
        return summary_of(exc)
    raise AssertionError("not refused")


def _fault_naming_the_patient() -> str:
    try:
        {}["MRN-4711"]
    except KeyError as exc:
        return summary_of(exc)
    raise AssertionError("no KeyError")


@pytest.mark.parametrize(("make", "identifier"), [
    (_fault_from_the_log, "2026, 3, 2"),
    (_fault_naming_the_patient, "MRN-4711"),
])
def test_deidentified_export_holds_no_identifier_from_a_console_fault(tmp_path, make, identifier):
    session = logged_session(tmp_path, patient="MRN-4711")
    summary = make()
    assert identifier in summary
    # A bug: the Console fault alarm, naming it.
    session.engine.console_fault(summary, session.clock.advance(60), "/tmp/crash.txt")
    # Another bug: the first alarm ends naming the new one, which is raised (`AlarmBoard.renew`).
    session.engine.console_fault(f"RuntimeError: after {summary}", session.clock.advance(60),
                                 "/tmp/crash2.txt")
    detail = session.detail(with_observations=True)
    faults = [a for a in detail.alarms if a.condition == CONSOLE_FAULT]
    assert len(faults) == 2 and identifier in faults[0].steps[-1].message

    clean = deidentify(detail, KEY)

    # The event row's own copy of the summary is removed as free text ...
    fault_event = next(e for e in clean.events if e.kind == "console_fault")
    assert identifier not in str(fault_event.detail)
    # ... and the alarm's words carry it out nowhere: not in the events CSV ...
    paths = write_session_csv(clean, tmp_path / "out")
    text = paths["events"].read_text(encoding="utf-8-sig")
    leaked = [line for line in text.splitlines() if identifier in line]
    assert leaked == [], f"de-identified events CSV carries {identifier!r}: {leaked[0][:200]}"
    # ... nor the PDF's alarm table, nor the FHIR bundle, nor any field of the copy.
    table = [cell for row in rc.alarm_rows(clean, None) for cell in row.cells]
    assert not [cell for cell in table if identifier in cell]
    fhir = tmp_path / "bundle.json"
    write_session_fhir(clean, fhir, pseudonymised=True)
    assert identifier not in json.dumps(json.loads(fhir.read_text(encoding="utf-8")))
    assert identifier not in str(clean)
    # The console's own words stay: what the alarm was and what the nurse was told to do.
    first, second = (a for a in clean.alarms if a.condition == CONSOLE_FAULT)
    removed = "Console fault (its text is removed in a de-identified export)"
    assert first.message == removed + TAIL
    assert [s.message for s in first.steps] == [
        removed + TAIL, f"{removed}{TAIL} (a new alarm: {removed}{TAIL})"]
    assert [s.message for s in second.steps] == [removed + TAIL]
