"""An alarm judged again against the baseline that stands once the value the baseline was taken
from is entered in error after T0 reads alike live and after a restart (README: "A restart
restores every alarm as it was"; a baseline logged at T0 entered in error "gives the baseline
back to the value that stands (the last before T0, else the first after it …), the limits
judging the standing value again at once").

The pre-dose systolic T0 fixed as the baseline was the next chair's, taken back after T0: the
baseline is the first systolic after T0, and the standing 185 reads against it, live. After a
restart, once a later BP had come, the alarm read against the systolic taken back, as its last
alarm row (the acknowledgement, before the take-back) had it: "+47 from baseline 138" for
"+61 from baseline 124" (a differential fuzzer, seed 36).
"""

from __future__ import annotations

from console.clock import ManualClock
from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.engine import Patient, SessionEngine
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import START, MemoryRecorder, Session

IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
NURSE = "nurse.ana"
MIN = 60


class IvSession(Session):
    """A `Session` of the shipped IV protocol, timed in minutes from T0 once dosing starts."""

    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.recorder = MemoryRecorder()
        self.engine = SessionEngine.open(IV, self.recorder, Patient("P-001", 70.0), NURSE,
                                         self.clock.now())
        self.origin = self.clock.now().mono
        self.t0 = 0.0

    def at(self, minutes: float) -> None:
        """Move the clock to T+`minutes` and tick the engine."""
        self.t(self.t0 + minutes * MIN)

    def restarted(self) -> SessionEngine:
        """The session as "Restart and resume" rebuilds it at this very moment, from a copy of
        its log: the live engine and its log carry on as they are."""
        log = MemoryRecorder()
        log.opened, log.records = list(self.recorder.opened), list(self.recorder.records)
        return SessionEngine.resume(
            IV, log, 1, log.opened[0],
            [r for r in log.records if isinstance(r, ObservationRecord)],
            [r for r in log.records if isinstance(r, EventRecord)],
            [r for r in log.records if isinstance(r, AlarmTransition)], self.now(),
            observation_ids=[i + 1 for i, r in enumerate(log.records)
                             if isinstance(r, ObservationRecord)])


def words(engine: SessionEngine, condition: str) -> str:
    return next(o.message for o in engine.alarms() if o.condition == condition)


def test_a_systolic_alarm_reads_against_the_baseline_that_stands_after_a_restart() -> None:
    s = IvSession()
    s.t(1 * MIN)
    s.bp(138, 70)   # the next chair's BP, typed into this session
    s.t(2 * MIN)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="ticked on paper").done   # T0
    s.t0 = s.now().mono - s.origin
    assert s.engine.baseline["bp_systolic"] == 138
    s.at(10)
    s.bp(124, 112)
    s.at(15)
    s.bp(185, 95)   # medium: at or above 180
    s.at(26)
    s.engine.acknowledge_all(NURSE, s.now())
    # T+27: the pre-dose systolic is found to be the next chair's: entered in error. The
    # baseline is the first systolic after T0, and the standing 185 is judged against it.
    s.at(27)
    row = s.engine._state.rows["bp_systolic"][0][0]
    assert s.engine.void(row, "bp_systolic", NURSE, s.now(), reason="the next chair's").done
    assert s.engine.baseline["bp_systolic"] == 124
    expected = ("Systolic BP 185 mmHg (+61 from baseline 124), limit ≥180 or ≥40 above "
                "baseline")
    assert words(s.engine, "bp_systolic_high") == expected
    assert words(s.restarted(), "bp_systolic_high") == expected
    # T+28: her BP is back down; the acknowledged alarm reads as it did, live and after a
    # restart (it had read "+47 from baseline 138" after one).
    s.at(28)
    s.bp(138, 78)
    assert words(s.engine, "bp_systolic_high") == expected
    back = s.restarted()
    assert back.baseline["bp_systolic"] == 124
    assert words(back, "bp_systolic_high") == expected
