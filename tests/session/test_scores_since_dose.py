"""The discharge gate's scores (MOAA/S, CADSS, modified Aldrete) rule on the patient after the
dose: a score taken before T0 is a baseline, also after a restart that follows a wall-clock step."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from console.clock import Moment
from console.records import SessionOpened
from console.session.engine import SessionEngine
from tests.test_full_sessions import MIN, NURSE
from tests.test_full_sessions import Run as FullRun

HOUR = 3600


class Run(FullRun):
    """A shipped protocol on a real log, driven in minutes from the session start
    (tests/test_full_sessions.py), with NTP's steps and a restart."""

    def now(self) -> Moment:
        return self.clock.now()

    def step_wall(self, seconds: float) -> None:
        """NTP moves the station's wall clock; the monotonic clock runs on."""
        now = self.clock.now()
        self.clock._now = Moment(now.mono, now.wall + timedelta(seconds=seconds))

    def restart(self) -> SessionEngine:
        """Drop the engine and rebuild it from the log, as a restarted console does."""
        row = self.log.session(self.engine.session_id)
        logged = self.log.observations(row.id)
        self.engine = SessionEngine.resume(
            self.protocol, self.log, row.id,
            SessionOpened(row.patient_id, row.protocol_id, row.protocol_version,
                          row.session_number, row.nurse, row.weight_kg, row.started_at, row.demo,
                          row.details),
            [x for _, x in logged], [x for _, x in self.log.events(row.id)],
            [x for _, x in self.log.alarm_events(row.id)], self.clock.now(),
            observation_ids=[i for i, _ in logged])
        return self.engine


def test_pre_dose_moaas_is_not_taken_as_the_post_dose_score_after_step_and_restart(
        tmp_path: Path) -> None:
    r = Run(tmp_path, "iv-ketamine-titration")
    r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)                               # baseline scores, before the dose
    r.tick_required()
    r.at(3)
    r.step_wall(-HOUR)                                     # NTP: clock set back an hour
    r.at(5); r.advance()                                   # T0
    for minute in range(10, 50, 5):
        r.at(minute); r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98)
    live = r.engine.discharge_blockers(r.now())
    assert "No MOAA/S recorded since the dose (needs 5)" in live
    r.restart()
    after = r.engine.discharge_blockers(r.now())
    # The baseline MOAA/S 5 and CADSS 0 had read as scores taken after the dose.
    assert "No MOAA/S recorded since the dose (needs 5)" in after, after
    assert any(b.startswith("No dissociation (CADSS) score recorded since the dose")
               for b in after), after


def test_pre_dose_scores_stay_pre_dose_after_a_small_unlogged_step_and_restart(
        tmp_path: Path) -> None:
    """A step back of a few seconds is no logged clock step: the scores taken 2 s before T0
    then carry a wall time after T0's. The replay places them by the log (before T0), and
    they are judged by that, not by their times."""
    r = Run(tmp_path, "iv-ketamine-titration")
    r.tick_required()
    r.at(5 - 2 / MIN)
    r.manual(moaas=5, dissociation=0)                      # scored 2 s before the dose
    r.step_wall(-4)                                        # the wall clock back 4 s (unlogged)
    r.at(5); r.advance()                                   # T0: its wall time 2 s before theirs
    r.at(10); r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98)
    assert "No MOAA/S recorded since the dose (needs 5)" in r.engine.discharge_blockers(r.now())
    after = r.restart().discharge_blockers(r.now())
    assert "No MOAA/S recorded since the dose (needs 5)" in after, after
    assert any(b.startswith("No dissociation (CADSS) score recorded since the dose")
               for b in after), after


def _titration_to_discharge(r: Run) -> None:
    """T0 at 5 min, infusion to T+40, observation to T+70, the discharge checklist ticked;
    MOAA/S, CADSS and vitals scored after the dose. No Aldrete scored after the dose."""
    r.tick_required()
    r.at(5); r.advance()                                   # T0
    for minute in range(10, 46, 5):
        r.at(minute)
        r.manual(bp_systolic=130, bp_diastolic=80, heart_rate=72, spo2=98)
        if minute % 10 == 5:
            r.manual(resp_rate=14, moaas=5)
    r.tick_required(); r.advance()                         # observation at T+40
    for minute in (60, 75):
        r.at(minute)
        r.manual(bp_systolic=128, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14, moaas=5)
    r.advance()                                            # discharge phase at T+70
    r.manual(dissociation=0)
    r.tick_required()


def test_pre_dose_aldrete_does_not_pass_the_discharge_gate(tmp_path: Path) -> None:
    r = Run(tmp_path, "iv-ketamine-titration")
    r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0, aldrete=10)                   # a pre-sedation baseline Aldrete 10
    _titration_to_discharge(r)
    blockers = r.engine.discharge_blockers(r.now())
    assert blockers == ["No modified Aldrete score recorded since the dose (needs ≥9)"]
    refused = r.engine.discharge(NURSE, r.now())
    assert not refused.done
    assert r.restart().discharge_blockers(r.now()) == blockers   # a restart keeps the rule
    r.manual(aldrete=8)                                    # scored after the dose: it rules
    assert r.engine.discharge_blockers(r.now()) == ["Modified Aldrete 8 (needs ≥9)"]
    r.manual(aldrete=10)
    assert r.engine.discharge_blockers(r.now()) == []
    assert r.engine.discharge(NURSE, r.now()).done


def _row_of(r: Run, metric_name: str) -> int:
    return next(i for i, o in reversed(r.log.observations(r.engine.session_id))
                if o.metric == metric_name)


def test_a_pre_dose_aldrete_corrected_at_discharge_is_still_pre_dose(tmp_path: Path) -> None:
    # A baseline Aldrete 10 typed as 1, put right at discharge: still the pre-sedation score.
    # A correction had counted as a score taken now, after the dose, and the gate passed (a
    # review of the change).
    r = Run(tmp_path, "iv-ketamine-titration")
    r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0, aldrete=1)
    row = _row_of(r, "aldrete")
    _titration_to_discharge(r)
    verdict = r.engine.correct(row, "aldrete", 10, NURSE, r.now(), reason="typed 1 for 10")
    assert type(verdict).__name__ == "Accepted", verdict
    blocked = ["No modified Aldrete score recorded since the dose (needs ≥9)"]
    assert r.engine.discharge_blockers(r.now()) == blocked
    r.restart()
    assert r.engine.discharge_blockers(r.now()) == blocked


def test_a_post_dose_score_corrected_stays_post_dose(tmp_path: Path) -> None:
    r = Run(tmp_path, "iv-ketamine-titration")
    r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    _titration_to_discharge(r)
    r.manual(aldrete=8)
    verdict = r.engine.correct(_row_of(r, "aldrete"), "aldrete", 9, NURSE, r.now(),
                               reason="typed 8 for 9")
    assert type(verdict).__name__ == "Accepted", verdict
    assert not [b for b in r.engine.discharge_blockers(r.now()) if "Aldrete" in b]
    r.restart()
    assert not [b for b in r.engine.discharge_blockers(r.now()) if "Aldrete" in b]


def _esketamine_scored_before_device_1(r: Run) -> None:
    """Esketamine 56 mg: baseline, T0 (the devices' screen) at 10 min, MOAA/S 5, CADSS 0 and
    Aldrete 10 scored at 18 on that screen, device 1 at 20, device 2 at 25, Observation at 31;
    vitals every 15 min, no score after device 1."""
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10); r.advance()                                  # T0: the devices' phase starts
    r.at(18); r.manual(moaas=5, dissociation=0, aldrete=10)
    r.at(20); assert r.engine.tick_item("device-1", NURSE, r.now(), note="lot A").done
    r.at(25); assert r.engine.tick_item("device-2", NURSE, r.now(), note="lot A").done
    r.at(31); r.advance()                                  # Observation
    for minute in range(35, 141, 15):
        r.at(minute); r.manual(bp_systolic=130, bp_diastolic=82, heart_rate=70, spo2=98,
                               resp_rate=14)
    r.at(141); r.manual(bp_systolic=130, bp_diastolic=82, heart_rate=70)


SINCE_DEVICE_1 = ["No MOAA/S recorded since the dose (needs 5)",
                  "No dissociation (CADSS) score recorded since the dose (needs 4 or less)",
                  "No modified Aldrete score recorded since the dose (needs ≥9)"]


def test_scores_before_the_first_device_are_before_the_dose(tmp_path: Path) -> None:
    # Nasal devices: T0 is the devices' phase start, the dose the first device. Scores taken on
    # that screen before device 1 had passed Observation's "alert" and the discharge gate with
    # nothing scored after the dose (the REMS draft calls them before it: an esketamine review).
    r = Run(tmp_path, "esketamine", chosen_mg=56)
    _esketamine_scored_before_device_1(r)
    assert SINCE_DEVICE_1[0] in r.engine.phase_blockers(r.now())
    assert r.engine.advance_phase(NURSE, r.now(), override_reason="test").done   # Discharge
    r.tick_required()
    live = r.engine.discharge_blockers(r.now())
    assert all(b in live for b in SINCE_DEVICE_1), live
    assert r.restart().discharge_blockers(r.now()) == live   # the log's order, as live
    r.manual(moaas=5, dissociation=0, aldrete=10)           # scored after the dose: they rule
    assert not any(b in r.engine.discharge_blockers(r.now()) for b in SINCE_DEVICE_1)


def test_a_score_just_before_device_1_stays_before_it_after_a_small_step_and_restart(
        tmp_path: Path) -> None:
    """A step back of a few seconds is no logged clock step: the MOAA/S scored 2 s before
    device 1 then carries a wall time after the device's. The replay places it by the log."""
    r = Run(tmp_path, "esketamine", chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10); r.advance()                                  # T0
    r.at(20 - 2 / MIN); r.manual(moaas=5)                  # 2 s before device 1
    r.step_wall(-4)                                        # the wall clock back 4 s (unlogged)
    r.at(20); assert r.engine.tick_item("device-1", NURSE, r.now(), note="lot A").done
    assert SINCE_DEVICE_1[0] in r.engine.discharge_blockers(r.now())
    after = r.restart().discharge_blockers(r.now())
    assert SINCE_DEVICE_1[0] in after, after


def test_with_no_device_ticked_the_scores_count_from_t0(tmp_path: Path) -> None:
    # The devices' phase left with no device ticked (a reason given): the dose is T0, as for
    # the checks timed after it, and a score taken after T0 rules.
    r = Run(tmp_path, "esketamine", chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10); r.advance()                                  # T0
    r.at(15); r.manual(moaas=5, dissociation=0, aldrete=10)
    assert r.engine.advance_phase(NURSE, r.now(), override_reason="patient declined").done
    assert not any(b in r.engine.discharge_blockers(r.now()) for b in SINCE_DEVICE_1)
    assert not any(b in r.restart().discharge_blockers(r.now()) for b in SINCE_DEVICE_1)
