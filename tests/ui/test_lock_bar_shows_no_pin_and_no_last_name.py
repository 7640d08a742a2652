"""The lock bar stands in a treatment room: the PIN typed there is hidden (it signs records),
and after a sign-in its name field is emptied, so the next lock neither says who worked at
the chair nor takes the next nurse's PIN under the last one's name. No test held either (a
review)."""
from __future__ import annotations

from PySide6 import QtWidgets

from tests.ui.test_lock_screen import BEN_BADGE, BEN_PIN, LOCK_AFTER_S, chair, sign_in  # noqa: F401


def test_the_lock_bars_pin_is_not_shown(chair):  # noqa: F811
    chair.t(LOCK_AFTER_S)
    bar = chair.window.lock_bar
    assert bar.isVisible()
    assert bar.secret.echoMode() == QtWidgets.QLineEdit.EchoMode.Password


def test_the_next_lock_does_not_offer_the_last_nurses_badge(chair):  # noqa: F811
    chair.t(LOCK_AFTER_S)
    assert sign_in(chair, BEN_BADGE, BEN_PIN).startswith("Signed in as Ben Nurse")
    chair.t(LOCK_AFTER_S)   # Ben leaves the chair: locked again
    bar = chair.window.lock_bar
    assert bar.isVisible()
    assert bar.name.text() == ""
