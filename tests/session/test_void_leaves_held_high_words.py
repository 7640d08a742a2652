"""An unseen high alarm held high (latching) after its value eased reads the value that stood
at its priority. A typed value taken back (entered in error) counts nowhere: its words go with
it, live as after a restart. Live the row had kept "SpO2 90 %, limit ≤90 · now 92" for the
typed 90 taken back, after a restart "SpO2 89 %" (an alarm review)."""

from __future__ import annotations

from tests.session.helpers import Session
from tests.session.test_correction_alarms import restart

NURSE = "nurse.ana"


def row(s: Session) -> list[tuple[str, str, str, str]]:
    return [(o.priority.label, o.state.value, o.message, o.current_message)
            for o in s.engine.alarms() if o.condition == "spo2_low"]


def test_a_typed_spo2_taken_back_leaves_the_words_of_the_value_before_it() -> None:
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    b = s.now().mono - s.origin
    s.t(b + 1); s.device("spo2", 89)                                  # high, nobody sees it
    s.t(b + 2)
    _, typo = s.engine.enter_manual_row("spo2", 90, NURSE, s.now(), confirmed=True)
    assert typo is not None
    s.t(b + 3); s.device("spo2", 92)                                  # medium: held high
    assert row(s) == [("high", "active", "SpO2 90 %, limit ≤90", "SpO2 92 %, limit ≤93")]
    s.t(b + 4)
    assert s.engine.void(typo, "spo2", NURSE, s.now(), "typed 90 for 96").done
    live = row(s)
    assert live == [("high", "active", "SpO2 89 %, limit ≤90", "SpO2 92 %, limit ≤93")]
    restart(s, 1)
    assert row(s) == live


def test_the_latest_typed_spo2_taken_back_leaves_the_words_of_the_last_at_its_priority() -> None:
    # SpO2 89 (high), 93 (medium: held high), a typed 90 (high) taken back: the 89 is the last
    # value at high that stands, two values before the typed one.
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    b = s.now().mono - s.origin
    s.t(b + 1); s.device("spo2", 89)
    s.t(b + 2); s.device("spo2", 93)
    s.t(b + 3)
    _, typo = s.engine.enter_manual_row("spo2", 90, NURSE, s.now(), confirmed=True)
    assert typo is not None
    s.t(b + 4)
    assert s.engine.void(typo, "spo2", NURSE, s.now(), "typed 90 for 96").done
    live = row(s)
    assert live == [("high", "active", "SpO2 89 %, limit ≤90", "SpO2 93 %, limit ≤93")]
    restart(s, 1)
    assert row(s) == live
