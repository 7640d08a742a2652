"""The nurse's PIN leaves the start form once Start is pressed: the window keeps the form on
screen when it refuses a start (the form changed, the log unreadable, a dose to choose, a
"new session beside ..." declined), and a PIN left there lets anybody at the console start as
that nurse; no test held it (a review)."""

from __future__ import annotations

from tests.ui.test_start_screen import fill, make_screen, protocols  # noqa: F401 (fixtures)


def test_the_pin_leaves_the_form_when_start_is_pressed(qtbot, make_screen):  # noqa: F811
    screen = make_screen()
    screen.require_sign_in(True)   # a log with staff accounts
    fill(qtbot, screen, nurse="B-0042")
    qtbot.keyClicks(screen.secret_edit, "61829305")
    assert screen.start_button.isEnabled()
    sent = []
    screen.start_requested.connect(sent.append)
    screen.start_button.click()
    assert len(sent) == 1 and sent[0].secret == "61829305"   # the request carries it
    assert screen.secret_edit.text() == ""   # and the form no longer holds it
