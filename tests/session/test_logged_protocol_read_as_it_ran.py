"""A session logged under a clinic protocol text accepted before d375acd (an absence rule on the
cuff's BP, which simply never fired) could not be resumed, reviewed or exported with its protocol
after the update: the stricter authoring rules were applied to the text the session ran, so the
log's copy read as "no copy" and the installed file (the same text) was refused too. The text a
session ran is now read without the authoring advice (protocols/loader.py `authoring=False`), and
a logged text that still cannot be read is named as such, not as missing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from console.export.protocol_file import find_protocol
from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.engine import SessionEngine
from console.session.protocol_record import PROTOCOL_IN_FORCE, ProtocolMissing, logged_protocol
from protocols.loader import ProtocolError, load_protocol, protocol_from_text
from tests.session.helpers import HIGH, Session

IV_FILE = Path(__file__).parents[2] / "protocols" / "iv-ketamine.toml"
BP_ABSENCE = '''
[[alarms]]
metric = "bp_systolic"
priority = "medium"
direction = "low"
absent_seconds = 900
source = "clinic: no BP for 15 min"
'''


def clinic_text() -> str:
    """A clinic copy of the IV file that loaded before d375acd (`absent_seconds` on a cuff's BP
    was then accepted, and never fired)."""
    text = IV_FILE.read_text("utf-8").replace('id = "iv-ketamine"', 'id = "clinic-iv"', 1)
    return text + BP_ABSENCE


def clinic_session() -> Session:
    shipped = load_protocol(IV_FILE)
    # The protocol object as yesterday's console built it from the clinic file.
    protocol = replace(shipped, id="clinic-iv", text=clinic_text())
    s = Session(protocol)
    s.t(60); s.device("spo2", 89)
    assert s.shown() == [("spo2_low", "high", "active")]
    return s


def resume(s: Session) -> SessionEngine:
    """The restart, with the clinic file refused at load: nothing installed under its id."""
    now = s.clock.advance(30)
    records = s.recorder.records
    return SessionEngine.resume(
        None, s.recorder, 1, s.recorder.opened[0],
        [r for r in records if isinstance(r, ObservationRecord)],
        [r for r in records if isinstance(r, EventRecord)],
        [r for r in records if isinstance(r, AlarmTransition)], now)


def test_the_clinic_text_is_refused_as_a_new_file_today() -> None:
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(clinic_text(), "clinic-iv.toml")
    assert refused.value.key.endswith(".absent_seconds")


def test_an_open_session_under_yesterdays_clinic_file_resumes_under_its_logged_copy() -> None:
    s = clinic_session()
    try:
        engine = resume(s)
    except ProtocolMissing as exc:
        pytest.fail(f"resume refused: {exc}")
    assert engine.protocol.text == clinic_text()
    assert [(o.condition, o.priority) for o in engine.alarms()] == [("spo2_low", HIGH)]


def test_the_review_and_exports_find_the_protocol_the_session_ran() -> None:
    s = clinic_session()
    logged = s.recorder.events(PROTOCOL_IN_FORCE)
    ran = logged_protocol(logged, 1)
    assert ran is not None and ran.text == clinic_text()
    found = find_protocol("clinic-iv", logged, 1)
    assert found is not None


def test_a_logged_text_this_console_cannot_read_is_named_not_called_missing() -> None:
    s = clinic_session()
    # A text no reading builds a protocol from (a limit written as text), as a newer console's
    # key would be: the log holds a copy, which this console cannot read.
    s.recorder.records = [
        replace(r, detail={**r.detail, "text": r.detail["text"].replace(
            "at_or_below = 90", 'at_or_below = "90"', 1)})
        if isinstance(r, EventRecord) and r.kind == PROTOCOL_IN_FORCE else r
        for r in s.recorder.records]
    with pytest.raises(ProtocolMissing) as refused:
        resume(s)
    said = str(refused.value)
    assert said.startswith(
        "session 1 cannot be resumed on this console: its protocol 'clinic-iv' is not installed"
        " here, and its logged protocol text cannot be read by this console: session 1's logged"
        " protocol: alarms[")
    assert "expected a number" in said or "got text" in said, said
    assert "holds no copy" not in said
    assert said.endswith("; install that protocol file and start the console again")
