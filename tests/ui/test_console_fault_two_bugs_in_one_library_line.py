"""Two different bugs of the console that both end in the same library line (json's encoder, which
every detail, message and export goes through) are two faults: the second, raised elsewhere after
the first was acknowledged, has its own crash file and sounds as a new alarm, and each alarm names
the console's line that raised it, not the library's.

They had been taken for one bug (the fault's key and its summary were the innermost frame's, the
encoder's line): the second was a repeat, no crash file, no alarm, silent (README: "A different
bug is a new alarm while the first stands: the row names it, it sounds though the first was
acknowledged").
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from console.export import csv_export
from console.network import bus_topics
from console.session.alarms import AlarmState
from console.session.engine import CONSOLE_FAULT
from console.ui.fault_handler import FaultHandler, fault_key, summary_of
from protocols.model import Priority

pytestmark = [pytest.mark.qt_no_exception_capture]


def message_bug() -> None:   # a set put into a network message
    bus_topics.encode({"ids": {1, 2}})


def export_bug() -> None:    # elsewhere: a reading's bytes put into an export's detail
    csv_export._json({"raw": b"\x0bMSH"})


def raised(bug: Callable[[], None]) -> TypeError:
    try:
        bug()
    except TypeError as exc:
        return exc
    raise AssertionError("the bug did not raise")


def test_a_different_bug_ending_in_the_same_library_line_is_a_new_alarm(live, tmp_path) -> None:
    controller, _journal, clock, _log = live
    handler = FaultHandler(tmp_path)
    handler.attach(controller)
    first = raised(message_bug)
    handler.handle(TypeError, first, first.__traceback__)
    fault = controller.view.board.occurrence_for(CONSOLE_FAULT)
    assert fault is not None
    controller.acknowledge(fault.id)
    clock.advance(1)
    second = raised(export_bug)
    handler.handle(TypeError, second, second.__traceback__)
    # the second bug: its own crash file and report, and a sounding alarm
    assert len(handler.faults) == 2, f"second bug taken as a repeat: {handler.repeats}"
    assert len(list(tmp_path.glob("crash-*.txt"))) == 2
    fault = controller.view.board.occurrence_for(CONSOLE_FAULT)
    assert fault is not None and fault.state is not AlarmState.ACKNOWLEDGED
    assert controller.audio(clock.now()).priority is Priority.HIGH
    # each names the console's line that raised it
    assert [summary.rsplit(" in ", 1)[1].split(":")[0] for summary, _ in handler.faults] == \
        ["bus_topics.py", "csv_export.py"]


def test_the_same_bug_again_is_still_one_fault() -> None:
    assert fault_key(raised(message_bug)) == fault_key(raised(message_bug))


def test_a_bug_only_in_a_librarys_code_is_named_by_its_innermost_line() -> None:
    # A library's callback alone: no line of the console's to name, the library's is named.
    exc = raised(lambda: json.dumps({1, 2}))
    tb = exc.__traceback__
    while tb is not None and Path(tb.tb_frame.f_code.co_filename).parent.name != "json":
        tb = tb.tb_next
    assert tb is not None
    exc = exc.with_traceback(tb)
    while tb.tb_next is not None:
        tb = tb.tb_next
    line = f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
    assert line.startswith("encoder.py:")
    assert summary_of(exc).endswith(f" in {line}"), summary_of(exc)
    assert fault_key(exc).endswith(f"json{os.sep}{line}")


def test_a_bug_a_test_plants_is_named_by_its_own_line() -> None:
    # Code that is no library's (a test's planted bug standing for the console's) is its own.
    def planted() -> None:
        json.dumps({"ids": {1, 2}})

    assert summary_of(raised(planted)).endswith(
        f" in {Path(__file__).name}:{planted.__code__.co_firstlineno + 1}")
