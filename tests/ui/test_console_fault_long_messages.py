"""Two different bugs whose messages start alike for longer than the fault's summary is long.

`summary_of` cut "type: message in file.py:line" at 160 characters, so the place that tells the
bugs apart went first: both summaries were the same, the engine took the second bug for the one
already alarmed (`console_fault` compares summaries) and, the first acknowledged, the second was
an event row only, silent, and the log lost where it was raised (what Support asks first).
"""

from __future__ import annotations

import pytest

from console.session.alarms import AlarmState
from console.session.engine import CONSOLE_FAULT
from console.ui.fault_handler import FaultHandler
from protocols.model import Priority

pytestmark = [pytest.mark.qt_no_exception_capture]

SHARED = ("the session log's outbox row for message infusion-chair-2-000123 could not be "
          "composed: the interface engine's destination list 'ADT_PCD04_PRIMARY,ADT_PCD04_BACKUP'")


def first_bug() -> None:
    raise KeyError(SHARED + " (first)")


def second_bug() -> None:
    raise KeyError(SHARED + " (second, elsewhere)")


def report(handler: FaultHandler, bug) -> None:
    try:
        bug()
    except KeyError as exc:
        handler.handle(KeyError, exc, exc.__traceback__)


def test_a_long_message_is_cut_before_where_the_bug_was_raised(live, tmp_path) -> None:
    controller, _journal, _clock, log = live
    handler = FaultHandler(tmp_path)
    handler.attach(controller)
    report(handler, first_bug)
    [(summary, _crash)] = handler.faults
    line = first_bug.__code__.co_firstlineno + 1
    assert summary.startswith("KeyError: \"the session log's outbox row")
    assert summary.endswith(f"… in test_console_fault_long_messages.py:{line}")
    assert len(summary) <= 160
    # The log's row keeps where it was raised, for Support.
    [row] = [event for _id, event in log.events(controller.view.session_id)
             if event.kind == "console_fault"]
    assert row.detail["summary"] == summary


def test_a_second_bug_sounds_after_the_first_was_acknowledged(live, tmp_path) -> None:
    controller, _journal, clock, _log = live
    handler = FaultHandler(tmp_path)
    handler.attach(controller)
    # The first bug: Console fault, acknowledged by the nurse
    report(handler, first_bug)
    fault = controller.view.board.occurrence_for(CONSOLE_FAULT)
    assert fault is not None
    controller.acknowledge(fault.id)
    # 1 s later another bug, its message alike for 160 characters: a new alarm, sounding high
    clock.advance(1)
    report(handler, second_bug)
    fault = controller.view.board.occurrence_for(CONSOLE_FAULT)
    assert fault is not None and fault.state is not AlarmState.ACKNOWLEDGED
    assert controller.audio(clock.now()).priority is Priority.HIGH
