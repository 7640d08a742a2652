"""Text from the log shown as it is stored, never as markup.

QLabel's default (AutoText) renders a text that looks like HTML as rich text. A note edited with
sqlite3 to `Prescriber informed, <b>BP 130/80</b> <!-- `: the banner meant to expose that edit
drew "BP 130/80" in bold, and the HTML comment hid the rest of the warning (what the page may
not show, and the `verify` command to run). A nurse's typed override reason, a patient
identifier (any visible character is allowed) do the same in the discharge banner and the titles.
Every label of the review that shows log text is plain text.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6 import QtWidgets

from console.store import EventLog
from tests.drawn_text import drawn
from tests.review.scenarios import Driver
from tests.review.test_damaged_and_edited_log import (  # noqa: F401 - fixtures
    built,
    copy,
    edit_outside,
    protocols,
    window_over,
)

EDITED = "Prescriber informed, <b>BP 130/80</b> <!-- "
PATIENT = "MRN-<i>77</i>"   # visible characters only: start_checks allows it
REASON = "walk: <!-- no -->family waiting, <b>asked</b>"


def test_an_edited_note_holding_markup_is_shown_as_stored_with_the_whole_warning(
        qtbot, copy, protocols):
    path, facts = copy
    surge = facts.ids["surge"]
    edit_outside(path, "UPDATE events SET detail = ? WHERE session_id = ? AND kind = 'note'",
                 '{"text":"' + EDITED + '"}', surge, trigger="events_no_update")
    window, _ = window_over(qtbot, path, protocols)
    window.resize(1366, 768)
    window.open_session(surge)
    banner = window.detail_page.integrity_banner
    assert banner.isVisible() and EDITED in banner.text()
    seen = drawn(banner)
    window.close_log()
    assert EDITED in seen, seen   # the row as stored, its tags to be read
    assert "What this page shows may not be what was recorded" in seen, seen
    assert "infusion-console verify" in seen, seen


def test_a_reason_and_an_identifier_holding_markup_are_shown_as_typed(qtbot, protocols,
                                                                     tmp_path):
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", PATIENT, 70.0, "nurse.ana",
                   datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
        r.tick_required()
        r.at(5); r.advance()
        r.at(20)   # before the observation time: discharged against the gate, with a reason
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason=REASON).done
        session = r.id
    window, _ = window_over(qtbot, path, protocols)
    window.resize(1366, 768)
    window.open_session(session)
    page = window.detail_page
    banner, title = page.discharge_banner, page.title
    assert banner.isVisible() and REASON in banner.text()
    said = {"discharge banner": drawn(banner), "session title": drawn(title)}
    window.show_course(PATIENT)
    said["course title"] = drawn(window.course_page.title)
    # Every label of the window holding the patient's identifier or the reason draws it as
    # it is (the trend's legends are markup of the console's own, their texts escaped).
    rendered = {label.text()[:60]: drawn(label)
                for label in window.findChildren(QtWidgets.QLabel)
                if (PATIENT in label.text() or REASON in label.text())
                and drawn(label) != label.text()}
    window.close_log()
    assert REASON in said["discharge banner"], said
    assert said["session title"].startswith(f"{PATIENT} · session 1"), said
    assert PATIENT in said["course title"], said
    assert rendered == {}, rendered
