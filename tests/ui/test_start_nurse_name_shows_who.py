"""A nurse's name that shows nothing or hides a character stops the start, on the start screen
and on the command line, with the field's message: before, Start was enabled with no word, and
the session was logged under a name nobody can read."""

from __future__ import annotations

import sqlite3

import pytest

from console.cli import gui_parser
from console.ui.app import StartError, build
from console.ui.audio import RecordingAudioOut
from console.ui.start_screen import StartScreen
from protocols.loader import builtin_protocols_dir, load_protocols
from tests.ui.conftest import Answers

PROTOCOLS = load_protocols([builtin_protocols_dir()]).protocols


@pytest.fixture
def screen(qtbot):
    shown = StartScreen(PROTOCOLS, [], lambda pid: [], port_lister=lambda: [])
    qtbot.addWidget(shown)
    shown.show()
    qtbot.keyClicks(shown.patient_edit, "MRN-1042")
    qtbot.keyClicks(shown.weight_edit, "72")
    shown.protocol_combo.setCurrentIndex(shown.protocol_combo.findData("iv-ketamine"))
    yield shown
    shown.stop_test()   # never leave a reader thread behind


def test_a_pasted_zero_width_space_leaves_start_disabled_and_says_so(screen):
    screen.nurse_edit.insert("\u200b")   # pasted from a form: looks empty
    assert not screen.start_button.isEnabled()
    assert screen.nurse_message.text() == (
        "The name shows nothing: it holds only invisible characters (U+200B at position 1). "
        "Type the name of the nurse running this session.")
    assert screen.missing_label.text() == "Start needs: nurse."


def test_a_pasted_tab_in_the_name_leaves_start_disabled_naming_it(screen):
    screen.nurse_edit.insert("Ana\tLima")
    assert not screen.start_button.isEnabled()
    assert screen.nurse_message.text() == (
        "The name contains a control character (U+0009 at position 4). Type the nurse's name "
        "again without it.")
    screen.nurse_edit.setText("Ana Lima")
    assert screen.start_button.isEnabled() and screen.nurse_message.text() == ""


@pytest.mark.parametrize(("nurse", "said"), [
    ("\u200b", "--nurse: The name shows nothing: it holds only invisible characters "
               "(U+200B at position 1). Type the name of the nurse running this session."),
    ("Ana\x01", "--nurse: The name contains a control character (U+0001 at position 4). "
                "Type the nurse's name again without it."),
])
def test_the_command_line_refuses_it_and_logs_no_session(tmp_path, qtbot, nurse, said):
    db = tmp_path / "log.sqlite3"
    args = gui_parser().parse_args(["--db", str(db), "--protocol", "iv-ketamine", "--patient",
                                    "MRN-5", "--weight", "72", "--nurse", nurse])
    cleanups: list = []
    try:
        with pytest.raises(StartError) as refused:
            window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
                           asker=Answers())
            qtbot.addWidget(window)
        assert str(refused.value) == said
        if db.exists():   # refused before anything was logged
            with sqlite3.connect(db) as conn:
                assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sessions'"
                                    ).fetchone()[0] == 0 or conn.execute(
                    "SELECT count(*) FROM sessions").fetchone()[0] == 0
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_the_demo_refuses_a_nurse_that_shows_nothing(tmp_path, qtbot):
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), "--demo", "--nurse",
                                    "\u200b"])
    cleanups: list = []
    try:
        with pytest.raises(StartError) as refused:
            window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
                           asker=Answers())
            qtbot.addWidget(window)
        assert str(refused.value).startswith("--nurse: The name shows nothing")
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
