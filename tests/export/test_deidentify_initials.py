"""A nurse who signs with initials that are also the console's own words ("RR", "BP", "HR"):
de-identification numbered the nurse everywhere, and rewrote the protocol's and the alarms' words
too ("Vitals due: staff-1 and sedation", "... SpO2 and staff-1 recorded"). Only where the
console names a person in an alarm's words ("…, by <nurse>)") is the name numbered."""

from __future__ import annotations

from datetime import UTC, datetime

from console.export.csv_export import EVENT_COLUMNS, event_rows
from console.export.deidentify import deidentify
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver

KEY = b"k" * 32
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _session(tmp_path, nurse: str, more=None):
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    r = Driver(log, "iv-ketamine", "MRN-1", 72.0, nurse, START, 1)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5)
    r.advance()
    r.at(25)   # the RR check falls due
    if more is not None:
        more(r)
    sid = r.id
    log.close()
    conn = open_readonly(path)
    detail = load_session(conn, sid, with_observations=True)
    conn.close()
    return detail


def test_initials_that_are_console_words_do_not_rewrite_the_record(tmp_path):
    detail = _session(tmp_path, "RR")

    copy = deidentify(detail, key=KEY)

    assert copy.summary.nurse == "staff-1"          # the nurse is numbered
    ticked = [t.text for t in detail.ticks]
    assert any(" RR " in t for t in ticked)         # "... SpO2 and RR recorded"
    # the protocol's words stay the protocol's
    assert [t.text for t in copy.ticks] == ticked
    messages = [s.message for a in detail.alarms for s in a.steps]
    assert any("RR" in m for m in messages)         # "Vitals due: RR and sedation"
    assert [s.message for a in copy.alarms for s in a.steps] == messages
    assert [p.name for p in copy.phases] == [p.name for p in detail.phases]
    texts = [row[EVENT_COLUMNS.index("text")] for row in event_rows(copy)]
    assert not any("staff-1 and sedation" in t or "and staff-1 recorded" in t for t in texts), \
        [t for t in texts if "staff-1" in t][:3]


def test_a_nurse_with_initials_is_still_numbered_where_an_alarm_names_her(tmp_path):
    """The alarm's end names who took its value back: that name is the person's, numbered;
    the alarm's own "RR" beside it stays."""
    def typo_taken_back(r: Driver) -> None:
        now = r.clock.advance(60)
        _, row = r.engine.enter_manual_row("heart_rate", 190, "RR", now, confirmed=True)
        assert row is not None
        assert r.engine.void(row, "heart_rate", "RR", r.clock.advance(30), "wrong box").done

    detail = _session(tmp_path, "RR", typo_taken_back)
    assert any(s.message.endswith("by RR)") for a in detail.alarms for s in a.steps)

    copy = deidentify(detail, key=KEY)

    ends = [s.message for a in copy.alarms for s in a.steps if "entered in error" in s.message]
    assert ends and all(m.endswith("its value was entered in error, by staff-1)") for m in ends)
    assert not any(m.endswith("by RR)") for a in copy.alarms for s in a.steps
                   for m in [s.message])
    assert any("RR and sedation" in s.message for a in copy.alarms for s in a.steps)
