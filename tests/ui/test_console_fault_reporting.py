"""The fault handler reports every bug once, whatever its message holds.

- A message naming a path that is not UTF-8 (a Latin-1 folder on Linux: surrogate escapes) made
  writing the crash file raise inside the handler: no alarm, no fault bar, an empty crash file,
  and the bug counted as seen, so it stayed silent for the rest of the session.
- The same bug raising at every tick with a value in its message (`KeyError: 1001`, `1002`, ...)
  was new each time: a crash file fsynced on the GUI thread and a log row twice a second."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.test_console_faults import assert_fault_alarm, console, logged  # noqa: F401

pytestmark = [pytest.mark.qt_no_exception_capture, pytest.mark.faults]

NOT_UTF8 = Path(b"/srv/consoles/caf\xe9".decode("utf-8", "surrogateescape"))


def test_a_fault_naming_a_path_that_is_not_utf8_raises_the_console_fault(console, tmp_path,  # noqa: F811
                                                                         monkeypatch) -> None:
    window, handler, audio = console

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError(f"cannot read {NOT_UTF8 / 'notes.txt'}")

    monkeypatch.setattr(window.controller, "note", broken)
    live = window.live
    assert live is not None
    live.entry.note.setText("feels floaty")
    live.entry.note.returnPressed.emit()
    assert_fault_alarm(window, audio, tmp_path, "cannot read /srv/consoles/caf")
    # The byte UTF-8 cannot hold is written escaped, in the alarm and in the crash file.
    escaped = r"cannot read /srv/consoles/caf\udce9/notes.txt"
    assert escaped in window.fault_label.text()
    [crash] = tmp_path.glob("crash-*.txt")
    assert escaped in crash.read_text(encoding="utf-8")


def test_the_same_bug_every_tick_with_a_changing_message_is_one_fault(console, tmp_path,  # noqa: F811
                                                                      monkeypatch) -> None:
    window, handler, audio = console
    controller = window.controller
    ticks = iter(range(1001, 2000))

    def broken(now: object) -> list[object]:
        return {}[next(ticks)]   # KeyError: 1001, 1002, ... raised at the same line

    monkeypatch.setattr(controller._engine, "_time_records", broken)
    for _ in range(40):   # 20 s of ticks
        controller.timer.timeout.emit()
    assert_fault_alarm(window, audio, tmp_path, "KeyError: 1001")   # one crash file, one row
    assert list(handler.repeats.values()) == [39]
    assert len(logged(tmp_path, "SELECT id FROM events WHERE kind = 'console_fault'")) == 1


def test_a_private_file_with_text_that_is_not_utf8_is_written_escaped(tmp_path) -> None:
    # Any writer of a crash or holding file, not only the fault handler: nothing lost, no raise.
    from console.paths import write_private_file

    path = write_private_file([tmp_path], "crash.txt", f"cannot read {NOT_UTF8}\n")
    assert path == tmp_path / "crash.txt"
    assert path.read_text(encoding="utf-8") == "cannot read /srv/consoles/caf\\udce9\n"
