"""A pre-dose item that attests a value (its `needs`: "Baseline MOAA/S and dissociation (CADSS)
scored", "Baseline BP, HR, SpO2 and RR recorded") is open again when the only value it was ticked
on is entered in error before T0, and dosing waits until it is recorded again and the item ticked
on it (README: a value entered in error counts nowhere; "A checklist item that attests a value
needs the value").

The reviewer's walk: every pre-dose item of the shipped IV protocol ticked on its values, then the
only CADSS (a mis-click on the wrong patient's form), or the only heart rate (typed in the wrong
field), entered in error. Only a gate's own BP was taken back with its tick
(`SessionEngine._untick_attested`): the item stood ticked with nothing behind it and the move to
dosing was allowed, live and after a restart.
"""

from __future__ import annotations

from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.engine import SessionEngine
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import MemoryRecorder, Session, type_attested

IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
NURSE = "nurse.ana"
MIN = 60
SCORED = "baseline-sedation-dissociation"
VITALS = "baseline-vitals"


def restarted(s: Session) -> SessionEngine:
    """The session as "Restart and resume" rebuilds it at this very moment, from a copy of its
    log: the live engine and its log carry on as they are."""
    log = MemoryRecorder()
    log.opened, log.records = list(s.recorder.opened), list(s.recorder.records)
    records = log.records
    return SessionEngine.resume(
        IV, log, 1, log.opened[0],
        [r for r in records if isinstance(r, ObservationRecord)],
        [r for r in records if isinstance(r, EventRecord)],
        [r for r in records if isinstance(r, AlarmTransition)], s.now(),
        observation_ids=[i + 1 for i, r in enumerate(records) if isinstance(r, ObservationRecord)])


def pre_checks_ticked() -> Session:
    """The shipped IV protocol's pre-dose items each ticked on the values it attests, typed
    first (one of each: BP 124/78, HR 70, SpO2 98, RR 14, MOAA/S 5, CADSS 0)."""
    s = Session(IV)
    s.t(1 * MIN)
    for item in s.engine.phase.checklist:
        type_attested(s.engine, item, NURSE, s.now())
        assert s.engine.tick_item(item.id, NURSE, s.now()).done, item.id
    assert s.engine.phase_blockers(s.now()) == []
    return s


def void_last(s: Session, name: str, reason: str) -> None:
    row = s.engine._state.rows[name][-1][0]
    assert s.engine.void(row, name, NURSE, s.now(), reason=reason).done


def test_the_only_cadss_entered_in_error_before_dosing_opens_the_scores_item_again() -> None:
    s = pre_checks_ticked()
    # 09:02: the CADSS was typed on the wrong patient's form; entered in error.
    s.t(2 * MIN)
    void_last(s, "dissociation", "wrong patient")
    assert s.engine.latest("dissociation") is None
    # The item is open, and the move to dosing says why and what to do.
    assert SCORED not in s.engine.ticks("pre")
    why = ("'Baseline MOAA/S and dissociation (CADSS) scored' was ticked on Dissociation "
           "(CADSS) 0, entered in error since: record the value again and tick it")
    assert why in s.engine.phase_blockers(s.now())
    refused = s.engine.advance_phase(NURSE, s.now())
    assert not refused.done and why in refused.reasons
    # The log says which item it took back, so a restart (and the review) reopen it too.
    assert s.recorder.events("entered_in_error")[-1].detail["unticked"] == [
        {"phase": "pre", "item": SCORED}]
    back = restarted(s)
    assert SCORED not in back.ticks("pre")
    assert why in back.phase_blockers(s.now())
    # Her own CADSS scored, the item ticked on it: dosing starts.
    s.t(3 * MIN)
    s.manual("dissociation", 4)
    assert s.engine.tick_item(SCORED, NURSE, s.now()).done
    assert s.engine.phase_blockers(s.now()) == []
    assert restarted(s).phase_blockers(s.now()) == []
    assert s.engine.advance_phase(NURSE, s.now()).done
    assert s.engine.baseline["dissociation"] == 4


def test_the_only_heart_rate_entered_in_error_before_dosing_opens_the_baseline_vitals_again() -> None:
    s = pre_checks_ticked()
    s.t(2 * MIN)
    void_last(s, "heart_rate", "typed in the wrong field")
    assert s.engine.latest("heart_rate") is None and s.engine.latest("pulse_rate") is None
    assert VITALS not in s.engine.ticks("pre")
    why = next(r for r in s.engine.phase_blockers(s.now()) if "Heart rate 70" in r)
    assert why.startswith("'Baseline BP, HR, SpO2 and RR recorded")
    assert why.endswith("was ticked on Heart rate 70 beats/min, entered in error since: record "
                        "the value again and tick it")
    assert not s.engine.advance_phase(NURSE, s.now()).done
    assert why in restarted(s).phase_blockers(s.now())
    # Ticked again it asks for the heart rate, then passes once one is recorded.
    refused = s.engine.tick_item(VITALS, NURSE, s.now())
    assert not refused.done and "Record Heart rate (or Pulse rate)" in refused.message
    s.manual("heart_rate", 72)
    assert s.engine.tick_item(VITALS, NURSE, s.now()).done
    assert s.engine.phase_blockers(s.now()) == []
    assert s.engine.advance_phase(NURSE, s.now()).done


def test_a_heart_rate_entered_in_error_leaves_the_item_ticked_while_another_value_stands() -> None:
    # The item is ticked on what stands: an earlier HR (or the oximeter's pulse rate, its
    # alternative) still attests it, so nothing is reopened.
    s = pre_checks_ticked()
    s.t(2 * MIN)
    s.manual("heart_rate", 74)
    s.t(3 * MIN)
    void_last(s, "heart_rate", "typed twice")
    assert s.engine.latest("heart_rate").reading.value == 70
    assert VITALS in s.engine.ticks("pre")
    assert "unticked" not in s.recorder.events("entered_in_error")[-1].detail
    assert s.engine.phase_blockers(s.now()) == []
