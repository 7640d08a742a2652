"""The alarm row's short form (console/session/alarm_area.py, `compact_row_text`), read off real
engine messages: what a row too narrow for the whole text says. The vital's short name and unit,
the value and its limit whole; nothing a nurse needs dropped."""

from __future__ import annotations

from console.session.alarm_area import compact_row, compact_row_text, row_text
from tests.session.helpers import Session

MIN = 60


def infusing() -> Session:
    s = Session()
    s.to_infusion(systolic=120)
    return s


def only(s: Session, condition: str):
    return next(o for o in s.engine.alarms() if o.condition == condition)


def test_a_respiratory_rate_alarm_says_rr_per_minute_and_keeps_its_limit():
    s = infusing()
    s.t(60); s.device("resp_rate", 5)
    alarm = only(s, "resp_rate_low")
    assert row_text(alarm) == "*** Respiratory rate 5 breaths/min, limit ≤8"
    assert compact_row_text(alarm) == "*** RR 5/min, limit ≤8"


def test_a_baseline_rise_keeps_the_rise_and_the_limit_in_short_words():
    s = infusing()   # baseline systolic 120
    s.t(60); s.device("bp_systolic", 165)
    alarm = only(s, "bp_systolic_high")
    assert "(+45 from baseline 120)" in row_text(alarm)
    assert compact_row_text(alarm) == \
        "** Systolic 165 (+45), limit ≥180 or base +40"


def test_a_confirmed_latched_acknowledged_alarm_says_so_in_short_words():
    s = infusing(); s.engine.baseline["bp_systolic"] = 150
    s.t(60); s.device("bp_systolic", 185)
    s.t(60 + 5 * MIN); s.device("bp_systolic", 184)   # the repeat confirms it: high
    alarm = only(s, "bp_systolic_high")
    assert compact_row_text(alarm).startswith("*** Systolic 184 (+64), limit ≥180")
    assert compact_row_text(alarm).endswith("(confirmed)")
    s.t(60 + 6 * MIN); s.device("bp_systolic", 140)   # back inside: a high alarm latches
    latched = only(s, "bp_systolic_high")
    assert row_text(latched).endswith("(latched: reset to clear)")
    assert compact_row_text(latched).endswith("(confirmed) (latched)")
    s.t(60 + 7 * MIN); s.device("heart_rate", 135)
    s.engine.acknowledge(only(s, "heart_rate_high").id, "nurse.ana", s.now())
    assert compact_row_text(only(s, "heart_rate_high")).endswith("HR 135/min, limit ≥131 · ack.")


def test_an_absent_vital_is_named_short():
    s = infusing()
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("resp_rate", 14)
    s.t(80)
    alarm = only(s, "resp_rate_low")
    assert row_text(alarm) == "*** No respiratory rate for 20 s · limit none for 20 s"
    assert compact_row_text(alarm) == "*** No RR for 20 s · limit none for 20 s"


def test_a_sedation_alarm_is_named_by_its_scale_in_short_words():
    """The alarm audit: "Sedation (MOAA/S) 1 score" took most of a narrow header's room."""
    from console.session.alarm_area import brief_row_text

    s = infusing()
    s.t(60); s.manual("moaas", 1)
    alarm = only(s, "moaas_low")
    assert row_text(alarm).startswith("*** Sedation (MOAA/S) 1")
    assert compact_row_text(alarm).startswith("*** MOAA/S 1")
    assert brief_row_text(alarm) == "MOAA/S 1"


def test_a_vitals_prompt_says_what_is_missing_first_even_when_reminded():
    # The short form leads with the missing vitals; a reminded prompt's row (its text ends
    # "(reminder: still present)", the central card reads it from the PCD-04) had its reminder
    # read as the list of what is missing: "Overdue 7 min: reminder: still present · …".
    from console.session.conditions import short_text

    overdue = "Vitals overdue by 7 min: BP and HR (Systolic BP, Diastolic BP)"
    assert short_text(overdue) == "Overdue 7 min: BP · BP and HR"
    assert short_text(f"{overdue} (reminder: still present)") == (
        "Overdue 7 min: BP · BP and HR (reminder: still present)")
    assert short_text("Vitals due: Sedation and breathing (Sedation: MOAA/S)").startswith(
        "Due: MOAA/S · ")


def test_a_vitals_prompt_names_a_vitals_alternatives_in_short_words():
    # "BP at T+40" takes the heart rate or the oximeter's pulse rate (esketamine 1.8).
    from console.session.conditions import short_text

    assert short_text("Vitals overdue by 6 min: BP at T+40 (Diastolic BP, Heart rate or pulse "
                      "rate)") == "Overdue 6 min: Diastolic, HR/PR · BP at T+40"


def test_a_narrow_row_gives_way_in_its_words_never_in_its_state():
    """At 1366x768 a latched confirmed systolic, the pressure back to 140, was cut before its
    state: "*** Systolic 184 (+64), limit ≥180 or base +40 (c…", a pressure of 184 now. The
    row's words give way (their detail, then their limit in fewer words, then without it); its
    state is apart, never among them."""
    s = infusing(); s.engine.baseline["bp_systolic"] = 120
    s.t(60); s.device("bp_systolic", 185)
    s.t(60 + 5 * MIN); s.device("bp_systolic", 184)   # confirmed: high
    s.t(60 + 6 * MIN); s.device("bp_systolic", 140)   # back inside: latched
    row = compact_row(only(s, "bp_systolic_high"))
    assert row.state == " (latched)"
    assert row.words == "*** Systolic 184 (+64), limit ≥180 or base +40 (confirmed)"
    assert row.shorter == ("*** Systolic 184 (+64), limit ≥180 or base +40",
                           "*** Systolic 184 (+64), limit ≥180 or +40",
                           "*** Systolic 184 (+64), ≥180 or +40",
                           "*** Systolic 184 (+64)")
    assert row.words + row.state == compact_row_text(only(s, "bp_systolic_high"))


def test_a_short_row_has_only_the_shorter_words_it_can_give():
    s = infusing()
    s.t(60); s.device("resp_rate", 5)
    s.engine.acknowledge(only(s, "resp_rate_low").id, "nurse.ana", s.now())
    row = compact_row(only(s, "resp_rate_low"))
    assert (row.words, row.state) == ("*** RR 5/min, limit ≤8", " · ack.")
    assert row.shorter == ("*** RR 5/min, ≤8", "*** RR 5/min")
    s = infusing()
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("resp_rate", 14)
    s.t(80)
    absent = compact_row(only(s, "resp_rate_low"))
    assert (absent.words, absent.state) == ("*** No RR for 20 s · limit none for 20 s", "")
    assert absent.shorter == ("*** No RR for 20 s",)


def test_the_move_on_and_the_clock_behind_say_what_to_do_first_in_short_words(tmp_path):
    """At 1366x768 esketamine's "move on" alarm was cut before what it asks ("** Nasal devices:
    all 2 devices given; move to the…"), its prompt before "next phase", a clock behind the log
    before what to check. A reminded row keeps its reminder at the end."""
    from console.session.conditions import short_text
    from tests.session.test_esketamine_checks_from_t0 import MOVE_ON, _devices_given
    from tests.session.test_scores_since_dose import HOUR

    r = _devices_given(tmp_path)   # device 2 at 15 min: rested at 20 (a prompt), medium at 25
    r.at(20)
    assert compact_row_text(only(r, MOVE_ON)) == "Move to next phase: all 2 devices given, rested"
    r.at(25)
    assert compact_row_text(only(r, MOVE_ON)) == "** Move to next phase: vitals checks not started"
    assert short_text(f"{only(r, MOVE_ON).message} (reminder: still present)") == (
        "Move to next phase: vitals checks not started (reminder: still present)")
    r.step_wall(-HOUR)
    r.restart()
    assert compact_row_text(only(r, "clock_behind")) == (
        "* Station clock behind: check its date and time")


def test_a_device_due_says_which_and_what_to_do_first_in_short_words(tmp_path):
    """84 mg, device 3 open after the rest: at 1366x768 "Device 3 due: tick it when given, or
    move on wit…", and its alarm was cut before why it is one."""
    from console.session.conditions import short_text
    from tests.session.test_esketamine_checks_from_t0 import MOVE_ON, _devices_given

    r = _devices_given(tmp_path, mg=84)   # device 2 at 15 min: rested at 20, medium at 25
    r.at(20)
    assert compact_row_text(only(r, MOVE_ON)) == "Device 3 due: tick it or move on with reason"
    r.at(25)
    assert compact_row_text(only(r, MOVE_ON)) == "** Device 3 due: vitals checks not started"
    assert short_text(f"{only(r, MOVE_ON).message} (reminder: still present)") == (
        "Device 3 due: vitals checks not started (reminder: still present)")
