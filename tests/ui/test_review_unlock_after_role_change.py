"""The review's roles changed while it was locked, or open (issue 13, the idle lock).

A prescriber's review locked; an administrator then left her the reviewer role only; she
unlocked it with her PIN: the unlock read her account as it is now (reviewer-only), yet the
tabs came back as they were: the session page titled MRN-4711, the identified list, the Course
tab enabled over the patient's course. Now the unlock de-identifies the whole view before it is
shown, and the session she was reading is shown again de-identified (a read, logged).

The other way round (a reviewer given a clinical role) the view stays de-identified until the
review is opened again: it never mixes an identified session into a de-identified list.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from console.identity import Staff
from console.session.lock import DEFAULT_LOCK_AFTER_S
from console.store import EventLog
from tests.ui.test_review_identity import (  # noqa: F401 - fixtures
    ADMIN,
    NOW,
    PRESCRIBER,
    PRESCRIBER_PIN,
    REVIEWER,
    REVIEWER_PIN,
    access_rows,
    built,
    db,
    facts,
    fast,
    open_window,
    protocols,
    signed_in,
)


def give_roles(db, name: str, roles: str) -> None:
    """What an administrator does meanwhile at another station."""
    with EventLog.open(db, "test") as log:
        staff = Staff(log, fast())
        staff.change_roles(staff.find(name), roles, staff.find(ADMIN), "roles changed", NOW)


def texts_on_screen(window) -> list[str]:
    """Every text the window holds for a reader: its title, labels, boxes, tables."""
    found = [window.windowTitle(), window.statusBar().currentMessage()]
    found += [label.text() for label in window.findChildren(QtWidgets.QLabel)]
    for box in window.findChildren(QtWidgets.QComboBox):
        found += [box.itemText(i) for i in range(box.count())]
    for view in window.findChildren(QtWidgets.QAbstractItemView):
        model = view.model()
        if model is None:
            continue
        for row in range(model.rowCount()):
            for column in range(model.columnCount()):
                found.append(str(model.data(model.index(row, column))))
    return found


def lock_and_unlock(qtbot, window, pin: str, meanwhile) -> None:
    window.clock.advance(DEFAULT_LOCK_AFTER_S)
    window.lock.check()
    assert window.lock.locked and not window.tabs.isVisible()
    meanwhile()
    qtbot.keyClicks(window.lock.secret, pin)
    qtbot.keyClick(window.lock.secret, QtCore.Qt.Key.Key_Return)
    assert not window.lock.locked and window.tabs.isVisible(), window.lock.message.text()


def test_an_unlock_after_the_clinical_role_was_taken_shows_de_identified_records_only(
        db, facts, protocols, qtbot, tmp_path):
    window, dialogs = open_window(qtbot, db, protocols,
                                  signed_in(db, PRESCRIBER, PRESCRIBER_PIN), tmp_path)
    window.show()
    qtbot.waitExposed(window)
    surge = facts.ids["surge"]
    # Pat reads the patient's course, then the BP surge session: both identified.
    window.show_course("MRN-4711")
    window.open_session(surge)
    assert any("MRN-4711" in text for text in texts_on_screen(window))
    # Locked; an administrator leaves Pat the reviewer role only; Pat unlocks.
    lock_and_unlock(qtbot, window, PRESCRIBER_PIN,
                    lambda: give_roles(db, PRESCRIBER, "reviewer"))
    assert window.access.deidentified   # the unlock read the account as it is now
    # Nothing identified is in sight or a click away: the session Pat was reading is shown
    # again de-identified, the list is de-identified, the course is gone and its tab off.
    shown = texts_on_screen(window)
    assert not [text for text in shown if "MRN-4711" in text or "MRN-5820" in text], shown
    page = window.detail_page
    assert page.detail is not None and page.detail.summary.patient_id.startswith("anon-")
    assert page.title.text().startswith("anon-")
    assert all(p.startswith("anon-") for p in window.list_page.model.column("Patient"))
    assert not window.tabs.isTabEnabled(2) and not page.course_button.isEnabled()
    assert window.course_page.model.course == []
    assert page.deidentify.isChecked() and not page.deidentify.isEnabled()
    assert window.windowTitle().endswith("(de-identified)")
    assert window.tabs.currentWidget() is page
    # Shown again is read again: logged, de-identified.
    assert access_rows(db)[-1][1:5] == ("read", surge, "review", 1)
    assert dialogs.errors == []
    window.close_log()


def test_a_reviewer_given_a_clinical_role_keeps_the_de_identified_view_until_reopened(
        db, facts, protocols, qtbot, tmp_path):
    window, dialogs = open_window(qtbot, db, protocols, signed_in(db, REVIEWER, REVIEWER_PIN),
                                  tmp_path)
    window.show()
    qtbot.waitExposed(window)
    surge = facts.ids["surge"]
    window.open_session(surge)
    assert window.detail_page.detail.summary.patient_id.startswith("anon-")
    lock_and_unlock(qtbot, window, REVIEWER_PIN,
                    lambda: give_roles(db, REVIEWER, "reviewer,prescriber"))
    assert not window.access.deidentified   # the log says Rui may see identities now ...
    window.open_session(surge)
    # ... and this view stays as it opened: no identified session inside a de-identified list.
    assert window.detail_page.detail.summary.patient_id.startswith("anon-")
    shown = texts_on_screen(window)
    assert not [text for text in shown if "MRN-4711" in text], shown
    assert not window.tabs.isTabEnabled(2)
    assert dialogs.errors == []
    window.close_log()
