"""An `ElidedLabel` draws its text as written, and its tooltip shows it as written: what it
shows comes from people and devices. QLabel's AutoText took a text that looks like HTML for
markup: a room "Bay <B>" was drawn "Bay " (its letter a bold tag), on the label and on hover."""

from __future__ import annotations

import pytest

from console.ui.elided_label import ElidedLabel, GivesWay
from tests.drawn_text import drawn, hovered

WRITTEN = ["Bay <B>", "<b>Smith</b>", "Room &lt;1&gt;", "a & b", "<!-- 3 -->", "1 < 2 > 0"]


@pytest.mark.parametrize("text", WRITTEN)
def test_a_text_that_looks_like_markup_is_drawn_and_hovered_as_written(qtbot, text):
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.resize(400, 30)
    label.setText(text)
    label.show()
    qtbot.waitExposed(label)
    assert drawn(label) == text
    assert hovered(label) == text


def test_parts_that_look_like_markup_are_drawn_and_hovered_as_written(qtbot):
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.resize(400, 30)
    label.set_parts("*** ", GivesWay("Bay <B>"), ": SpO2 <b>84</b> %")
    label.show()
    qtbot.waitExposed(label)
    assert drawn(label) == "*** Bay <B>: SpO2 <b>84</b> %"
    assert hovered(label) == "*** Bay <B>: SpO2 <b>84</b> %"


def test_a_cut_text_keeps_its_angle_brackets(qtbot):
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.setText("<b>Infusion suite, north wing, bay 3</b>")
    label.resize(label.fontMetrics().horizontalAdvance("<b>Infusion suite") + 8, 30)
    label.show()
    qtbot.waitExposed(label)
    assert label.is_cut()
    assert drawn(label).startswith("<b>Infusion") and drawn(label).endswith("…")
    assert hovered(label) == "<b>Infusion suite, north wing, bay 3</b>"
