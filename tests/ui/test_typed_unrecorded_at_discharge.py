"""Typing left in the form when the session is discharged (review 46): "132/84" and "72", typed
without Return, stayed greyed on the ended record's form, looking entered, and nothing said
they were not recorded. As at a lock or a hand-over, they are cleared and the form says what
was not recorded."""

from console.ui.entry_panel import UNSAVED_AT_DISCHARGE
from tests.ui.conftest import live, shown_live_window  # noqa: F401 - the fixture


def test_typing_left_at_discharge_is_cleared_and_named(qtbot, live):  # noqa: F811
    controller, _journal, clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    for _ in range(3):
        assert controller.advance_phase(override_reason="test").done
    entry = window.entry
    qtbot.keyClicks(entry.fields["bp"], "132/84")
    qtbot.keyClicks(entry.fields["heart_rate"], "72")   # no Return
    entry.aldrete.setFocus()
    qtbot.keyClicks(entry.aldrete, "9")
    qtbot.keyClicks(entry.note, "slept")
    assert controller.discharge(override_reason="test: transfer").done
    assert not entry.isEnabled()
    assert log.conn.execute("SELECT count(*) FROM observations").fetchone()[0] == 0
    assert {k: e.text() for k, e in entry.fields.items() if e.text()} == {}
    assert (entry.aldrete.text(), entry.note.text()) == ("—", "")
    assert entry.message.text() == UNSAVED_AT_DISCHARGE.format(
        what="BP 132/84, HR 72, Aldrete 9, the note “slept”")
    assert entry.message.text().startswith("Not recorded, cleared at the discharge: BP 132/84")
    clock.advance(600)   # the ended record's last word stands
    controller.tick()
    assert entry.message.text().startswith("Not recorded, cleared at the discharge:")


def test_an_empty_form_at_discharge_says_nothing_of_it(qtbot, live):  # noqa: F811
    controller, _journal, _clock, _log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    for _ in range(3):
        assert controller.advance_phase(override_reason="test").done
    assert controller.discharge(override_reason="test: transfer").done
    assert "Unsaved" not in window.entry.message.text()
