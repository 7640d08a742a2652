"""A mis-clicked "Vomiting" is taken back with the same 10-second Undo as a scale (a review).

Vomiting sits beside the Nausea buttons. A nurse who meant "Nausea moderate" and hit Vomiting got
"Recorded: Vomiting" and "1× · 09:00", but no Undo (every other observation button offers one
for 10 s) and no Correct… in the Events tab: a vomiting episode that never happened stayed in the
count, the review and the report. The Undo now logs the episode entered in error (an
`entered_in_error` event naming its event), and it leaves the count; the Events tab says so.
The restart: tests/session/test_vomiting_taken_back.py; the review and the exports:
tests/review/test_vomiting_taken_back_in_review.py.
"""

from __future__ import annotations

from console.ui.entry_panel import UNDO_REASON
from console.ui.event_list import EventList
from tests.ui.conftest import live, shown_live_window  # noqa: F401 - the fixture
from tests.ui.test_entry_observations import LEFT, hhmm, panel_for, record_button, rows
from tests.ui.test_lock_screen import ANA, ANA_PIN
from tests.ui.test_signatures_at_chair import WRONG, SignedChair, count


def test_a_mis_clicked_vomiting_is_taken_back_with_undo(qtbot, live):  # noqa: F811
    controller, journal, clock, log = live
    panel = panel_for(qtbot, controller)
    vomiting = record_button(panel, "obs_vomiting")
    # 09:00: the patient vomits, noted.
    qtbot.mouseClick(vomiting, LEFT)
    first = hhmm(clock)
    # Two minutes later the nurse means "Nausea moderate" and hits Vomiting.
    clock.advance(120)
    qtbot.mouseClick(vomiting, LEFT)
    mistaken_at = clock.now().wall.astimezone().strftime("%H:%M:%S")
    assert panel.message.text() == "Recorded: Vomiting"
    assert panel.vomited.text() == f"2× · {hhmm(clock)}"
    assert panel.undo_button.isVisibleTo(panel) and panel.undo_button.text() == "Undo (10 s)"
    assert panel.undo_button.toolTip() == "Take back Vomiting: marked entered in error"
    # Three seconds later (the tick redraws the countdown) she takes it back.
    clock.advance(3)
    controller.tick()
    assert panel.undo_button.text() == "Undo (7 s)"
    qtbot.mouseClick(panel.undo_button, LEFT)
    # The log keeps both episodes; an event names the mistaken one entered in error.
    (mistake,) = rows(log, "SELECT id FROM events WHERE kind = 'observation' ORDER BY id DESC "
                           "LIMIT 1")
    assert rows(log, "SELECT json_extract(detail, '$.event'), json_extract(detail, '$.text'), "
                     "json_extract(detail, '$.reason'), actor FROM events "
                     "WHERE kind = 'entered_in_error'") == [(mistake[0], "Vomiting", UNDO_REASON,
                                                             "ana")]
    assert rows(log, "SELECT count(*) FROM events WHERE kind = 'observation'") == [(2,)]
    # The count is the one real episode again, at its own time.
    assert panel.vomited.text() == f"1× · {first}"
    assert panel.vomited.toolTip() == f"Vomiting noted 1 time, last at {first}"
    assert controller.view.observed("Vomiting")[0] == 1
    assert panel.message.text() == ("Undone: Vomiting taken back (logged as entered in error); "
                                    f"vomiting noted 1× now, last at {first}.")
    assert not panel.undo_button.isVisibleTo(panel) and panel.undo_offered() is None
    # The Events tab says what was taken back, by its time, as it says a scale's.
    events = EventList(journal)
    qtbot.addWidget(events)
    events.refresh()
    shown = [events.item(i).text().split("  ", 1)[1] for i in range(events.count())]
    assert f"Vomiting of {mistaken_at} entered in error: {UNDO_REASON} — ana" in shown, shown


def test_the_only_vomiting_taken_back_leaves_none_noted(qtbot, live):  # noqa: F811
    controller, journal, clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    entry = window.entry
    qtbot.mouseClick(record_button(entry, "obs_vomiting"), LEFT)
    assert entry.vomited.text().startswith("1×")
    assert entry.undo_offered() is not None
    qtbot.mouseClick(entry.undo_button, LEFT)
    assert entry.vomited.text() == "—"
    assert entry.vomited.toolTip() == "No vomiting noted this session"
    assert entry.message.text() == ("Undone: Vomiting taken back (logged as entered in error); "
                                    "no vomiting noted now.")
    assert controller.view.observed("Vomiting") is None


def test_vomiting_is_not_undone_after_ten_seconds(qtbot, live):  # noqa: F811
    controller, journal, clock, log = live
    panel = panel_for(qtbot, controller)
    qtbot.mouseClick(record_button(panel, "obs_vomiting"), LEFT)
    clock.advance(10.5)   # clicked before a tick hid the button
    qtbot.mouseClick(panel.undo_button, LEFT)
    assert panel.message.text() == ("Too late to undo (more than 10 s): Vomiting stays noted; "
                                    "write a note saying it was noted by mistake.")
    assert rows(log, "SELECT count(*) FROM events WHERE kind = 'entered_in_error'") == [(0,)]
    assert panel.vomited.text().startswith("1×")


def test_on_a_log_with_accounts_the_vomiting_undo_is_signed_as_an_entered_in_error(tmp_path, qtbot):
    chair = SignedChair(tmp_path, qtbot)
    try:
        panel = panel_for(qtbot, chair.controller)
        vomiting = record_button(panel, "obs_vomiting")
        # A wrong PIN: nothing is taken back, and the Undo says so (and goes, as a scale's).
        qtbot.mouseClick(vomiting, LEFT)
        chair.signer.answers = [(ANA, WRONG)]
        qtbot.mouseClick(panel.undo_button, LEFT)
        assert panel.message.text().startswith("Not undone: ")
        assert chair.controller.view.observed("Vomiting")[0] == 1
        assert count(chair, "entered_in_error") == 0
        # The next episode taken back with the right one: signed as an entered in error.
        chair.clock.advance(60)
        qtbot.mouseClick(vomiting, LEFT)
        noted_at = chair.clock.now().wall.astimezone().strftime("%H:%M:%S")
        chair.signer.answers = [(ANA, ANA_PIN)]
        qtbot.mouseClick(panel.undo_button, LEFT)
        assert chair.controller.view.observed("Vomiting")[0] == 1
        assert chair.signer.requests[-1].title == (
            f"Sign: correction — Vomiting of {noted_at} entered in error")
        event_id, event_hash = chair.event("entered_in_error")
        assert chair.signatures() == [(chair.account(ANA), ANA, "correction", "events",
                                       event_id, event_hash, chair.engine.session_id)]
    finally:
        chair.close()
