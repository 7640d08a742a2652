"""A chair without connection is a grey card at the central station: the colour tells the
nurse across the room that its values are not current; the tests had read only its words
(a review)."""
from __future__ import annotations

from console.ui import theme
from tests.central.clinic import busy_clinic
from tests.central.helpers import Central, MemoryLog
from tests.central.test_window import window_for


def test_a_chair_without_connection_is_a_grey_card(qtbot):
    central = Central(MemoryLog())
    busy_clinic(central)
    window = window_for(qtbot, central)
    offline, live = window.cards["chair-8"], window.cards["chair-2"]
    assert offline.offline_title.isVisible()
    t = theme.current()
    assert f"background:{t.stale_bg}" in offline.styleSheet()
    assert f"background:{t.stale_bg}" not in live.styleSheet()
    # And drawn so: the card's middle pixel is the grey, not the live card's background.
    image = offline.grab().toImage()
    colour = image.pixelColor(image.width() // 2, image.height() - 6).name()
    assert colour == t.stale_bg.lower(), (colour, t.stale_bg, t.tile_bg)
