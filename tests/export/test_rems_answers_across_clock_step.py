"""The REMS draft's adverse-event answers and prescribers' decisions across a station clock set
back (NTP correcting a fast clock): each score, alarm, reading and decision is set against the
dose as the console's timers ran, as the blood pressures are (review 45), never by its wall time
alone. By wall time, a MOAA/S 3 and an SpO2-low alarm 20 real minutes after the dose, logged
with times before the dose's after a step back of 30 min, were left out: "Sedation: No",
"Respiratory depression: No" to the regulator. Where the log cannot tell the side of the dose,
the answer says UNCERTAIN, never "No"."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

from console.cli import main
from console.clock import Moment
from console.export.rems import RemsForm, rems_form, render_text
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.session.engine import ALARM_ROWS_BEFORE, OBSERVATIONS_BEFORE
from console.store import EventLog
from tests.export.test_rems import at, dosed
from tests.identity.accounts import ensure_account, sign_in_args
from tests.export.test_rems_pre_dose_bp import DECISION, dose, start


def _stepped(r, minutes: float) -> None:
    """The station's clock set `minutes` (negative: back) while the console runs."""
    now = r.clock.now()
    r.clock._now = Moment(now.mono, now.wall + timedelta(minutes=minutes))


def _older(detail: SessionDetail) -> SessionDetail:
    """The session as a console before f0d39d0 logged it: its clock steps and restarts do not
    count the rows before them, so its records are placed by their times alone."""
    events = tuple(replace(e, detail={k: v for k, v in e.detail.items()
                                      if k not in (OBSERVATIONS_BEFORE, ALARM_ROWS_BEFORE)})
                   for e in detail.events)
    return replace(detail, events=events)


def _form(path, session: int, rows: bool = True, older: bool = False) -> RemsForm:
    """The draft as `infusion-console export --rems` makes it (the session read with its rows);
    `rows=False`: a session read without them, its scores placed by their times alone;
    `older`: the log as an older console wrote it (`_older`)."""
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session, with_observations=rows)
    finally:
        conn.close()
    return rems_form(_older(detail) if older else detail, tz=UTC)


def _sedated_after_a_step_back(tmp_path) -> int:
    # Device 1 at 10:10 on a clock 30 min fast; NTP sets it back 30 min at T+5: the MOAA/S 3
    # and the SpO2 88 of real T+20 are logged at 10:00, before the dose's 10:10 (the time the
    # baseline MOAA/S 5 was logged at).
    log, r = dosed(tmp_path, "MRN-STEP")
    r.at(15)
    _stepped(r, -30)
    r.at(16)                                     # logged: clock_stepped -30 min
    r.at(30)                                     # real 10:30, logged 10:00
    r.manual(moaas=3, resp_rate=14)
    r.device(heart_rate=80, spo2=88)             # SpO2 88: a low alarm
    r.ack_all()
    for minute in (31, 32):                      # the oximeter, good again
        r.at(minute)
        r.device(heart_rate=80, spo2=97)
        r.ack_all()
    r.at(100)                                    # real T+90, logged 11:10
    r.manual(moaas=5, resp_rate=14)
    r.at(131)
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="for the test").done
    session = r.id
    log.close()
    return session


def test_sedation_after_the_dose_is_yes_across_a_clock_set_back(tmp_path):
    form = _form(tmp_path / "s.sqlite3", _sedated_after_a_step_back(tmp_path))
    text = render_text(form, tz=UTC)
    assert (form.sedation, form.lowest_moaas) == (True, 3.0), text
    assert "Sedation: Yes (lowest MOAA/S 3)\n" in text
    assert "MOAA/S 3 at 10:00" in text


def test_an_spo2_alarm_after_the_dose_is_respiratory_depression_across_a_clock_set_back(
        tmp_path):
    form = _form(tmp_path / "s.sqlite3", _sedated_after_a_step_back(tmp_path))
    text = render_text(form, tz=UTC)
    assert form.respiratory_depression is True, text
    assert "Respiratory depression: Yes\n" in text


def test_the_blood_pressure_before_the_dose_is_placed_by_the_log_order(tmp_path):
    # The 132/84 of 10:00 is 10 min before the dose; by its time alone it was UNCERTAIN (the
    # clock read 09:45 to 10:15 twice).
    form = _form(tmp_path / "s.sqlite3", _sedated_after_a_step_back(tmp_path))
    assert form.bp_before_dose is not None
    assert form.bp_before_dose.minutes_after_dose == -10.0, render_text(form, tz=UTC)


def test_a_score_whose_side_of_the_dose_is_unknown_is_uncertain_never_no(tmp_path):
    # Read without its rows, the MOAA/S 3 of 10:00 is placed by its time alone: 10:00 came
    # twice, before the dose and after it. The answer says so; "No" would be a guess.
    form = _form(tmp_path / "s.sqlite3", _sedated_after_a_step_back(tmp_path), rows=False)
    text = render_text(form, tz=UTC)
    assert form.sedation is None, text
    (line,) = [x for x in text.splitlines() if x.startswith("Sedation:")]
    assert line.startswith("Sedation: UNCERTAIN"), line
    assert "MOAA/S 3 at 10:00" in line and "station clock was set back" in line, line
    assert "sedation_uncertain" in form.missing
    assert "No" not in line


def test_a_prescribers_decision_before_the_dose_is_kept_across_a_clock_set_back(tmp_path):
    # BP 152/96 at 10:05 reaches the threshold: the prescriber's decision with the gate item's
    # tick at 10:05. NTP sets the clock back 30 min at 10:07; device 1 at real 10:10 is logged
    # 09:40. By wall time the decision came after the dose and the draft said none was logged.
    path = tmp_path / "decided.sqlite3"
    with EventLog.open(path, "t") as log:
        r = start(log, "MRN-7003")
        r.at(5)
        r.manual(bp_systolic=152, bp_diastolic=96)
        r.tick_required(gate_decision=DECISION)
        r.at(7)
        _stepped(r, -30)
        r.at(8)                                  # logged: clock_stepped -30 min
        dose(r)
        session = r.id
    form = _form(path, session)
    text = render_text(form, tz=UTC)
    pre = form.pre_dose_bp
    assert pre is not None
    assert [(b.systolic, b.diastolic) for b in pre.readings] == [(136, 86), (152, 96)], text
    assert [d.at for d in pre.decisions] == [at(10, 5)], text
    assert pre.decided and "bp_decision" not in form.missing
    assert ("Prescriber's decision on the blood pressure before dose: logged (the last before "
            "the dose, 152/96 mmHg at 10:05, reached the threshold)") in text


def test_the_exported_draft_places_the_scores_by_the_log_order(tmp_path, capsys):
    # `export --rems` reads the session with its rows, so its draft says what the review's does.
    session = _sedated_after_a_step_back(tmp_path)
    path = tmp_path / "s.sqlite3"
    ensure_account(path)
    target = tmp_path / "rems.txt"
    assert main(["export", str(session), "--rems", str(target), "--db", str(path),
                 *sign_in_args()]) == 0, capsys.readouterr().err
    text = target.read_text(encoding="utf-8")
    assert "Sedation: Yes (lowest MOAA/S 3)\n" in text, text
    assert "Respiratory depression: Yes\n" in text, text


def _small_step_back_an_hour_after_the_dose(tmp_path, **values: float) -> int:
    # Device 1 at 10:10; NTP sets the clock 8 s back at real T+60 and `values` are logged
    # right then: on either side of the step, about 60 minutes after the dose. An SpO2 among
    # them is the oximeter's, good again a second later: its alarm's rows all lie where the clock
    # read the same times twice.
    log, r = dosed(tmp_path, "MRN-OLD")
    r.at(70)
    _stepped(r, -8 / 60)
    spo2 = values.pop("spo2", None)
    if spo2 is not None:
        r.device(heart_rate=80, spo2=spo2)       # logs clock_stepped, then the reading
        r.ack_all()
        for minute in (70.02, 70.1, 70.2):       # its alarm cleared 12 s after the step
            r.at(minute)
            r.device(heart_rate=80, spo2=97)
    r.manual(**values)                           # logs clock_stepped, then the values
    r.at(131)
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="for the test").done
    session = r.id
    log.close()
    return session


def test_a_small_step_back_an_hour_after_the_dose_leaves_sedation_yes(tmp_path):
    # An older log places the MOAA/S 3 by its time alone, inside the step's 8 s read twice:
    # both readings are an hour after the dose, so the answer is known (it said UNCERTAIN).
    session = _small_step_back_an_hour_after_the_dose(tmp_path, moaas=3, resp_rate=14)
    form = _form(tmp_path / "s.sqlite3", session, older=True)
    text = render_text(form, tz=UTC)
    (line,) = [x for x in text.splitlines() if x.startswith("Sedation:")]
    assert form.sedation is True, line
    assert line == "Sedation: Yes (lowest MOAA/S 3)", line


def test_a_small_step_back_an_hour_after_the_dose_leaves_respiratory_depression_yes(tmp_path):
    # The SpO2-low alarm's rows, placed by their times alone, likewise.
    session = _small_step_back_an_hour_after_the_dose(tmp_path, spo2=88, resp_rate=14)
    form = _form(tmp_path / "s.sqlite3", session, older=True)
    text = render_text(form, tz=UTC)
    assert form.respiratory_depression is True, text
    assert "Respiratory depression: Yes\n" in text, text


def test_a_bp_a_small_step_back_leaves_unplaced_is_after_the_dose_its_minutes_uncertain(
        tmp_path):
    # The only BP after the dose lies in the step's 8 s read twice: after the dose either way,
    # so it assesses the pressure (it said UNCERTAIN); its minutes are one of two readings 8 s
    # apart, and no number is printed for them.
    session = _small_step_back_an_hour_after_the_dose(tmp_path, bp_systolic=128,
                                                      bp_diastolic=82)
    form = _form(tmp_path / "s.sqlite3", session, older=True)
    text = render_text(form, tz=UTC)
    (line,) = [x for x in text.splitlines()
               if x.startswith("  Increased blood pressure (BP high alarm):")]
    assert line.startswith("  Increased blood pressure (BP high alarm): No"), line
    assert "highest after the dose 128/82 mmHg at 11:09" in line, line
    assert form.bp_pre_discharge is not None, text
    assert form.bp_pre_discharge.minutes_after_dose is None, text
    assert "time after the dose UNCERTAIN" in text, text
