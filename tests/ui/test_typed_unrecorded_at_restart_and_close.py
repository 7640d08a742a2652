"""Typing left in the vitals form at "Restart and resume" or at a close of the window: "132/84"
typed without Return was dropped by the new process's empty form, and nothing said it was not
recorded (the fault bar had even promised "nothing is lost"). As at a lock, a hand-over and the
discharge, the question names what goes; the restart's default, "Not yet", loses nothing."""

from __future__ import annotations

import sqlite3

from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture

SESSION = ("--protocol", "iv-ketamine", "--patient", "MRN-1", "--weight", "80", "--nurse", "ana")


def _observations(tmp_path) -> int:
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        return conn.execute("SELECT count(*) FROM observations").fetchone()[0]


def test_restart_and_resume_asks_before_dropping_a_bp_typed_and_not_recorded(started, tmp_path,
                                                                            qtbot):
    window = started(options(tmp_path, *SESSION))
    bp = window.live.entry.fields["bp"]
    qtbot.keyClicks(bp, "132/84")   # no Return
    window.asker.yes = False   # "Not yet": she goes back to press Return
    window.restart_and_resume()
    assert "BP 132/84 typed and not recorded will be lost" in window.asker.asked[-1]
    assert window.restart_argv == [] and bp.text() == "132/84"   # nothing restarted, nothing lost

    window.asker.yes = True   # she means it: the restart goes on, the BP knowingly left
    window.restart_and_resume()
    assert window.restart_argv[-2:] == ["--resume", str(window.controller.view.session_id)]
    assert _observations(tmp_path) == 0


def test_restart_and_resume_with_nothing_typed_asks_nothing(started, tmp_path):
    window = started(options(tmp_path, *SESSION))
    window.restart_and_resume()
    assert window.asker.asked == [] and window.restart_argv


def test_closing_the_window_names_the_bp_typed_and_not_recorded(started, tmp_path, qtbot):
    window = started(options(tmp_path, *SESSION))
    qtbot.keyClicks(window.live.entry.fields["bp"], "132/84")
    qtbot.keyClicks(window.live.entry.fields["heart_rate"], "72")
    assert window.may_close()   # the nurse answers "Close the console"
    assert "BP 132/84, HR 72 typed and not recorded will be lost" in window.asker.asked[-1]


def test_the_fault_bar_promises_only_what_is_recorded(started, tmp_path):
    window = started(options(tmp_path, *SESSION))
    window._on_fault("RuntimeError: redraw failed", "")
    said = window.fault_label.full_text()
    assert "nothing is lost" not in said   # typing not yet recorded is lost by a restart
    assert "the session resumes from its log: what is recorded is kept" in said
