"""A score typed with a character a score cannot hold (review 45): the CADSS and Aldrete boxes
dropped "." and "," without a word, so CADSS "4.5" was recorded as 45 (ten times the score,
over the discharge cut-off) and Aldrete "9.5" was refused as "95". What was typed is refused,
named, as a vital's "72.5" is; nothing is recorded; the nurse types the score again."""

from PySide6 import QtCore

from tests.ui.conftest import live, shown_live_window  # noqa: F401 - the fixture

Key = QtCore.Qt.Key


def recorded(log, metric: str) -> list[float]:
    return [v for (v,) in log.conn.execute(
        "SELECT value FROM observations WHERE metric = ? ORDER BY id", [metric])]


def type_in(qtbot, box, text: str, enter: bool = True) -> None:
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)
    if enter:
        qtbot.keyClick(box.lineEdit(), Key.Key_Return)


def test_cadss_typed_with_a_decimal_is_refused_naming_it(live, qtbot):  # noqa: F811
    _controller, _journal, _clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    entry = window.entry
    for typed in ("4.5", "4,5", "-3", "7a"):
        type_in(qtbot, entry.dissociation, typed)
        assert recorded(log, "dissociation") == [], f"{typed!r} recorded: {entry.message.text()!r}"
        message = entry.message.text()
        assert message.startswith("Not recorded: Dissociation (CADSS)") and typed in message, (
            f"typed {typed!r}, the panel said {message!r}")
    # The nurse types the score again: recorded as typed.
    type_in(qtbot, entry.dissociation, "4")
    assert recorded(log, "dissociation") == [4.0]


def test_a_score_left_by_a_click_on_record_is_refused_too(live, qtbot):  # noqa: F811
    """Typed "9.5", then a click on Record: the focus leaving the box puts its last value back
    before the click is seen; the refusal names 9.5, not 95, and records nothing."""
    _controller, _journal, _clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    entry = window.entry
    type_in(qtbot, entry.aldrete, "9.5", enter=False)
    record = window.findChild(type(entry.undo_button), "obs_aldrete_record")
    assert record is not None
    qtbot.mouseClick(record, QtCore.Qt.MouseButton.LeftButton)
    assert recorded(log, "aldrete") == []
    assert "9.5" in entry.message.text() and "95" not in entry.message.text()
