"""Tab leaves the session list (review 45); it walked its cells (and, every nine presses, selected the next session)
and never leaves it: a keyboard user cannot reach Reload, Open session or Course of this
patient, and Tab (as everywhere else) silently changes which session is selected."""

from PySide6 import QtCore, QtWidgets

from tests.ui.test_review_window import (  # noqa: F401 - fixtures
    built_log, log_copy, protocols, review)


def test_tab_from_the_session_list_reaches_its_buttons(review, qtbot):
    window, _, _, _ = review
    page = window.list_page
    page.table.selectRow(0)
    page.table.setFocus()
    reached = []
    for _ in range(6):   # the list, then Reload / Open session / Course of this patient
        qtbot.keyClick(QtWidgets.QApplication.focusWidget(), QtCore.Qt.Key.Key_Tab)
        reached.append(QtWidgets.QApplication.focusWidget())
        assert page._selected_row() == 0, "Tab changed the selected session"
    assert page.open_button in reached, [type(w).__name__ for w in reached]
