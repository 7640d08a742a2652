"""The annotation dialog by keyboard, as a signed-in reviewer opens it (its real dialog).

The author is the signed-in account, filled in and read-only; yet the focus started in that
field, so a note typed at once went nowhere (lost), and Tab in the note box wrote a tab into the
note instead of moving on to OK. Now the note box has the focus when the author is given, and
Tab moves between the dialog's controls. Without a sign-in, the focus starts in the author.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from console.ui.review_window import AnnotationDialog, QtReviewDialogs

LABEL = "session 2 of MRN-4711 (05 Mar 2026)"
Key = QtCore.Qt.Key


def answer_with_keys(qtbot, author: str, keys: list[str | Key]):
    """`QtReviewDialogs.annotation` answered from the keyboard: `keys` typed into whatever has
    the focus as the dialog opens; Return then presses OK. Returns (the answer, the class of
    the control that had the focus first)."""
    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    dialogs = QtReviewDialogs(parent)
    dialogs.author = author
    seen: dict[str, str] = {}

    def type_keys() -> None:
        dialog = next(w for w in QtWidgets.QApplication.topLevelWidgets()
                      if isinstance(w, AnnotationDialog) and w.isVisible())
        qtbot.waitUntil(dialog.isActiveWindow)
        seen["first"] = type(QtWidgets.QApplication.focusWidget()).__name__
        for key in keys:
            target = QtWidgets.QApplication.focusWidget()
            if isinstance(key, str):
                qtbot.keyClicks(target, key)
            else:
                qtbot.keyClick(target, key)
        if dialog.isVisible():   # not answered by the keys: OK, as a mouse would
            dialog.findChild(QtWidgets.QDialogButtonBox).button(
                QtWidgets.QDialogButtonBox.StandardButton.Ok).click()

    QtCore.QTimer.singleShot(0, type_keys)   # once the dialog's own event loop runs
    return dialogs.annotation(LABEL), seen["first"]


def test_a_signed_in_reviewer_types_the_note_as_the_dialog_opens(qtbot):
    answer, first = answer_with_keys(qtbot, "Pat Prescriber", ["BP settled by 10:00"])
    assert first == "QPlainTextEdit"
    assert answer == ("Pat Prescriber", "BP settled by 10:00")


def test_tab_in_the_note_moves_to_the_buttons_and_writes_no_tab(qtbot):
    answer, _ = answer_with_keys(qtbot, "Pat Prescriber",
                                 ["Reviewed", Key.Key_Tab, Key.Key_Return])
    # Tab left the note for the buttons, where Return is OK (the default button).
    assert answer == ("Pat Prescriber", "Reviewed")


def test_without_a_sign_in_the_author_is_typed_first_then_tab_to_the_note(qtbot):
    answer, first = answer_with_keys(qtbot, "", ["Dr Lee", Key.Key_Tab, "Reviewed"])
    assert first == "QLineEdit"
    assert answer == ("Dr Lee", "Reviewed")
