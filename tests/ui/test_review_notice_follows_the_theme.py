"""The console's notice banner (Ctrl+R's "Opening the review…", "The review could not start…")
is drawn in the look of the moment (console/ui/theme.py): it was styled once, when first shown,
and kept, so after Ctrl+D dimmed the room it came up in pure white 14-pt text on the light
theme's slate box, where the dim theme never writes white (a theme review)."""

from __future__ import annotations

from PySide6 import QtWidgets

from console.ui import theme
from console.ui.review_launcher import MessageNotice
from tests.ui.test_theme import app  # noqa: F401 - the fixture


def notice_in(qtbot) -> MessageNotice:
    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    parent.resize(1366, 768)
    parent.show()
    return MessageNotice(parent)


def drawn_in(notice: MessageNotice, look: theme.Theme) -> bool:
    assert notice.label is not None
    sheet = notice.label.styleSheet()
    return f"background:{look.dark_bg};color:{look.dark_text};" in sheet


def test_the_notice_shown_again_after_ctrl_d_is_in_the_dim_look(app, qtbot):  # noqa: F811
    theme.apply(app, theme.LIGHT)
    notice = notice_in(qtbot)
    notice("Opening the review of past sessions in its own window; this session goes on here.")
    assert drawn_in(notice, theme.LIGHT)
    notice.label.hide()
    theme.apply(app, theme.DIM)   # Ctrl+D: the lights go down
    notice("The review of past sessions is already open in its own window.")   # Ctrl+R again
    assert drawn_in(notice, theme.DIM), notice.label.styleSheet()
    assert theme.LIGHT.dark_text not in notice.label.styleSheet()   # no white in a dim room


def test_a_notice_on_screen_when_the_theme_changes_takes_the_new_look(app, qtbot):  # noqa: F811
    theme.apply(app, theme.DIM)
    notice = notice_in(qtbot)
    notice("Opening the review of past sessions in its own window; this session goes on here.")
    assert drawn_in(notice, theme.DIM)
    theme.apply(app, theme.LIGHT)   # Ctrl+D while it is up
    assert notice.label.isVisible() and drawn_in(notice, theme.LIGHT)
    theme.apply(app, theme.DIM)
    assert drawn_in(notice, theme.DIM)
