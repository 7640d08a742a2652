"""The Events tab of an ended session says "Session ended" once: the nurse's session_ended
event ("Session ended — ana") and the log's end-of-session record beside it had read as two
endings of one session at the same second (a review)."""

from __future__ import annotations

from console.ui.event_list import EventsTab
from tests.ui.conftest import Answers


def test_the_events_tab_says_the_session_ended_once(qtbot, live):
    controller, journal, clock, log = live
    tab = EventsTab(journal, controller, Answers(), Answers())
    qtbot.addWidget(tab)
    for _ in range(3):
        assert controller.advance_phase(override_reason="test: straight on").done
    assert controller.discharge(override_reason="test: transfer").done
    tab.refresh()
    rows = [tab.list.item(i).text().split("  ", 1)[1] for i in range(tab.list.count())]
    assert [r for r in rows if "Session ended" in r] == ["Session ended — ana"]
    assert rows[1].startswith("Discharged")   # the ending, then what came before it
