"""The alarm area's header in the fewest letters (console/session/alarm_area.py,
`hidden_high_fewest`): each hidden high alarm's vital and value, no marks, no commas, the
shortest names. Six high alarms at 1366x768 read "+4 more: 4 high · *** SpO2 86, RR 5, HR 138,
Sy…": the systolic of 212 counted, never read."""

from __future__ import annotations

from console.session.alarm_area import arrange, fewest_row_text
from tests.session.helpers import Session


def only(s: Session, condition: str):
    return next(o for o in s.engine.alarms() if o.condition == condition)


def test_six_high_alarms_name_the_four_hidden_by_vital_and_value_oldest_first():
    s = Session()
    s.to_infusion()
    for seconds, (name, value) in enumerate((("spo2", 86), ("resp_rate", 5), ("heart_rate", 138),
                                             ("bp_systolic", 212), ("bp_diastolic", 124),
                                             ("moaas", 1)), start=1):
        s.t(60 + 2 * seconds); s.manual(name, value, confirmed=True)
    patient, _ = arrange(s.engine.alarms())
    assert patient.more() == "+4 more: 4 high"
    assert patient.hidden_high_fewest() == "SpO2 86 RR 5 HR 138 Sys 212"
    assert patient.hidden_high_brief() == "*** SpO2 86, RR 5, HR 138, Systolic 212"


def test_the_fewest_words_keep_the_vital_and_its_value_only():
    s = Session()
    s.to_infusion(systolic=120)
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("bp_systolic", 165); s.device("bp_diastolic", 124)
    assert fewest_row_text(only(s, "bp_systolic_high")) == "Sys 165"   # not "(+45)"
    assert fewest_row_text(only(s, "bp_diastolic_high")) == "Dia 124"
    s.t(61); s.device("resp_rate", 14)
    s.t(90)   # no respiratory rate for 29 s while the monitor sends the others
    s.device("heart_rate", 72)
    assert fewest_row_text(only(s, "resp_rate_low")) == "No RR"


def test_a_hidden_high_systolic_and_diastolic_read_as_one_bp_and_the_count_in_fewer_letters():
    # Nine high alarms at 1366x768 had cut the header at "Dia 12…", a MOAA/S of 1 only counted.
    s = Session()
    s.to_infusion()
    for seconds, (name, value) in enumerate((("spo2", 86), ("resp_rate", 5),
                                             ("bp_systolic", 212), ("bp_diastolic", 124),
                                             ("moaas", 1), ("heart_rate", 138)), start=1):
        s.t(60 + 2 * seconds); s.manual(name, value, confirmed=True)
    patient, _ = arrange(s.engine.alarms())
    assert patient.hidden_high_fewest() == "SpO2 86 RR 5 BP 212/124"
    assert patient.more_brief() == "+4 high"


def _bp_pair_hidden(s: Session, second_systolic: int) -> str:
    s.to_infusion()
    s.t(62); s.manual("spo2", 86, confirmed=True)
    s.t(64); s.manual("resp_rate", 5, confirmed=True)
    s.t(66); s.manual("bp_systolic", 212, confirmed=True); s.manual("bp_diastolic", 95)
    s.t(68); s.manual("bp_systolic", second_systolic); s.manual("bp_diastolic", 124, confirmed=True)
    s.t(70); s.manual("heart_rate", 138, confirmed=True)
    s.t(72); s.manual("moaas", 1, confirmed=True)
    patient, _ = arrange(s.engine.alarms())
    return patient.hidden_high_fewest()


def test_halves_of_two_cuffs_are_not_joined_into_one_bp():
    # Cuffs 212/95 then 150/124 (the systolic latched at 212), or 185/124 (its unseen high held):
    # no cuff read 212/124, and the header must not say so.
    assert _bp_pair_hidden(Session(), 150) == "SpO2 86 RR 5 Sys 212 Dia 124"
    assert "BP 212/124" not in _bp_pair_hidden(Session(), 185)
