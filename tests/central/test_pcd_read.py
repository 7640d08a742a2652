"""Reading the clinic network's messages back: every PCD-04 phase pcd.py builds comes back with
the same facets, ids and text; PCD-01 comes back with its values and who typed them; anything
else is a PcdError, never a half-read message."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.network.pcd import (
    AlertState,
    EventPhase,
    Inactivation,
    PatientShown,
    Station,
    escape,
    pcd01,
    pcd04,
)
from console.network.pcd_read import PcdError, message_type, read_pcd01, read_pcd04, unescape
from console.records import AlarmTransition
from tests.session.helpers import START, Session

STATION = Station("0200000000C0FFEE", facility="Clinic", room="Room 2", bed="chair-3")
PATIENT = PatientShown("K-0042", name="Doe")


def transitions(s: Session) -> list[AlarmTransition]:
    return [r for r in s.recorder.records if isinstance(r, AlarmTransition)]


def test_every_phase_of_one_occurrence_reads_back():
    s = Session()
    s.to_infusion()
    s.t(60)
    # SpO2 92: medium raised; acknowledged; SpO2 89: escalated; SpO2 97: latched; reset.
    s.device("spo2", 92)
    (occurrence,) = s.engine.alarms()
    s.t(65)
    s.engine.acknowledge(occurrence.id, "nurse.ana", s.now())
    s.t(70)
    s.device("spo2", 89)
    s.t(75)
    s.device("spo2", 97)
    raised, acknowledged, escalated, latched = transitions(s)
    s.t(80)
    s.engine.acknowledge(occurrence.id, "nurse.ana", s.now())
    reset, cleared = transitions(s)[4:]
    steps = [raised, acknowledged, escalated, latched, reset, cleared]

    reports = [read_pcd04(pcd04(t, control_id=f"ALM-{i}", sent_at=t.at, station=STATION,
                                patient=PATIENT)) for i, t in enumerate(steps)]

    assert [(r.phase, r.state, r.inactivation, r.priority) for r in reports] == [
        (EventPhase.START, AlertState.ACTIVE, Inactivation.ENABLED, "medium"),
        (EventPhase.UPDATE, AlertState.ACTIVE, Inactivation.ALERT_ACKNOWLEDGED, "medium"),
        (EventPhase.UPDATE, AlertState.ACTIVE, Inactivation.ENABLED, "high"),
        (EventPhase.UPDATE, AlertState.LATCHED, Inactivation.ENABLED, "high"),
        (EventPhase.END, AlertState.INACTIVE, Inactivation.ALERT_ACKNOWLEDGED, "high"),
        (EventPhase.END, AlertState.INACTIVE, Inactivation.ENABLED, "high"),
    ]
    assert [r.control_id for r in reports] == [f"ALM-{i}" for i in range(6)]
    assert {(r.session, r.occurrence) for r in reports} == {(1, occurrence.id)}
    assert [r.at for r in reports] == [t.at for t in steps]
    first = reports[0]
    assert (first.category, first.condition, first.text, first.metric, first.value) == \
        ("physiological", "spo2_low", "SpO2 92 %, limit ≤93", "spo2", 92.0)
    assert (first.header.patient, first.header.room, first.header.chair) == \
        ("K-0042", "Room 2", "chair-3")
    assert first.header.equipment_id == "0200000000C0FFEE"
    assert first.header.sent_at == START.replace(minute=1)
    assert reports[1].acknowledged and reports[5].ended and not reports[0].ended


def test_a_technical_alarm_and_a_prompt_read_back():
    lost = AlarmTransition(4, 7, "device_lost", "technical", "medium", "raised", START,
                           "Monitor connection lost: check the cable")
    due = AlarmTransition(4, 8, "vitals_due:BP and HR", "prompt", "info", "raised", START,
                          "BP and HR due")

    technical = read_pcd04(pcd04(lost, control_id="T", sent_at=START, station=STATION,
                                 patient=PATIENT))
    prompt = read_pcd04(pcd04(due, control_id="P", sent_at=START, station=STATION,
                              patient=PATIENT))

    assert (technical.category, technical.priority, technical.condition, technical.metric,
            technical.value) == ("technical", "medium", "device_lost", "", None)
    assert (prompt.category, prompt.priority, prompt.condition) == \
        ("prompt", "info", "vitals_due:BP and HR")
    assert (technical.session, technical.occurrence) == (4, 7)


@settings(max_examples=300, deadline=None)
@given(text=st.text(min_size=1, max_size=80).filter(lambda t: not any(
    "\ud800" <= c <= "\udfff" for c in t)))
def test_any_alert_text_and_patient_id_come_back_as_they_were(text):
    transition = AlarmTransition(1, 2, "device_lost", "technical", "medium", "raised", START, text)
    report = read_pcd04(pcd04(transition, control_id="X", sent_at=START, station=STATION,
                              patient=PatientShown(text)))
    assert report.text == text
    assert report.header.patient == text


def test_unescape_undoes_escape_and_keeps_escapes_it_does_not_know():
    assert unescape(escape("a|b^c&d~e\\f\rg\x0bh")) == "a|b^c&d~e\\f\rg\x0bh"
    assert unescape("bold \\H\\text\\N\\") == "bold \\H\\text\\N\\"
    assert unescape("caf\\XC3A9\\") == "café"


def test_pcd01_reads_back_values_times_and_who_typed_them():
    s = Session()
    s.to_infusion()   # typed by the nurse: BP 120/80, HR 70
    s.t(61)
    s.device("heart_rate", 72)
    s.device("spo2", 97.5, channel="1.2.1.1")
    s.manual("moaas", 4)   # a scale: no MDC term, the decoder leaves it out
    records = s.recorder.observations()

    report = read_pcd01(pcd01(records, control_id="OBS-1", sent_at=START, station=STATION,
                              patient=PATIENT), START)

    assert report.control_id == "OBS-1"
    assert [(o.metric, o.value, o.manual) for o in report.observations] == [
        ("bp_systolic", 120, True), ("bp_diastolic", 80, True), ("heart_rate", 70, True),
        ("heart_rate", 72, False), ("spo2", 97.5, False)]
    assert report.observations[-1].measured_at == START.replace(minute=1, second=1)
    assert report.observations[-1].channel == "1.2.1.1"
    assert report.dropped == 1


@pytest.mark.parametrize("text, why", [
    ("", "does not start with MSH"),
    ("hello", "does not start with MSH"),
    ("MSH|^~", "too short"),
    ("MSH|^~|A|B|C", "encoding characters"),
    ("MSH|^~\\&|A||||20260302||ORU^R01^ORU_R01|X|P|2.6\r", "not ORU\\^R40"),
    ("MSH|^~\\&|A||||20260302||ORU^R40^ORU_R40||P|2.6\r", "MSH-10"),
    ("MSH|^~\\&|A||||20260302||ORU^R40^ORU_R40|X|P|2.6\rOBR|1||abc\r", "alert id"),
    ("MSH|^~\\&|A||||20260302||ORU^R40^ORU_R40|X|P|2.6\rOBR|1||1-2\r", "facet 1"),
])
def test_what_is_not_a_report_alert_is_refused_with_the_reason(text, why):
    with pytest.raises(PcdError, match=why):
        read_pcd04(text)


def test_a_report_alert_with_an_unknown_phase_is_refused():
    transition = AlarmTransition(1, 2, "device_lost", "technical", "medium", "raised", START, "x")
    message = pcd04(transition, control_id="X", sent_at=START, station=STATION, patient=PATIENT)
    with pytest.raises(PcdError, match="event phase is 'begin'"):
        read_pcd04(message.replace("|start|", "|begin|"))


def test_message_type_sniffs_without_raising():
    transition = AlarmTransition(1, 2, "device_lost", "technical", "medium", "raised", START, "x")
    message = pcd04(transition, control_id="X", sent_at=START, station=STATION, patient=PATIENT)
    assert message_type(message) == "ORU^R40"
    assert message_type("garbage") == ""
    with pytest.raises(PcdError, match="not ORU\\^R01"):
        read_pcd01(message, START)


@pytest.mark.parametrize("written", ["1e999", "-1e999", "NaN", "inf"])
def test_an_alarm_whose_value_is_no_finite_number_stands_without_its_value(written):
    # A value no card or trend can draw (a float's overflow, NaN) must not cost the alarm, nor
    # reach the trend strip's marker: the alarm reads back, its value dropped.
    raised = AlarmTransition(1, 2, "spo2_low", "physiological", "medium", "raised", START,
                             "SpO2 92 %, limit ≤93", value=92.0)
    message = pcd04(raised, control_id="X", sent_at=START, station=STATION, patient=PATIENT)
    assert "|92|" in message
    report = read_pcd04(message.replace("|92|", f"|{written}|"))
    assert (report.condition, report.priority, report.metric, report.value) == (
        "spo2_low", "medium", "spo2", None)
