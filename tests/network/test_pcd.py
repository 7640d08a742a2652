"""The clinic network's messages: IHE PCD-01 observations and IHE PCD-04 alarm phases.

Records come from a real session engine (tests/session/helpers.py); PCD-01 is read back with the
console's own HL7 decoder, so a wrong MDC code or unit fails here as it would at a receiver.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from functools import cache

import hl7
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.network.pcd import (
    AlertState,
    Inactivation,
    PatientShown,
    Station,
    escape,
    mllp_frame,
    pcd01,
    pcd04,
    segments,
    sent_observation,
)
from console.clock import ManualClock
from console.network.composer import PcdComposer
from console.records import AlarmTransition, EventRecord, ObservationRecord
from devices.framing import split_mllp
from devices.hl7 import HL7Decoder, decode_message
from devices.reading import NIBP_PULSE
from protocols.vitals import VITALS
from tests.session.helpers import START, Session

STATION = Station("0200000000C0FFEE", facility="Clinic", room="Room 2", bed="Chair 3")
PATIENT = PatientShown("K-0042", name="Doe")
SENT = START + timedelta(minutes=5)

# Field counts of every segment type (fields after the segment id): fixed whatever the content.
MSH_FIELDS, PID_FIELDS, PV1_FIELDS, OBR_FIELDS, OBX_FIELDS = 20, 5, 3, 8, 18
HEADER = [("MSH", 1 + MSH_FIELDS), ("PID", 1 + PID_FIELDS), ("PV1", 1 + PV1_FIELDS),
          ("OBR", 1 + OBR_FIELDS)]


def observations(session: Session) -> list[ObservationRecord]:
    return session.recorder.observations()


def vital_count(records: list[ObservationRecord]) -> int:
    return sum(r.metric in VITALS for r in records)


def transitions(session: Session) -> list[AlarmTransition]:
    return [r for r in session.recorder.records if isinstance(r, AlarmTransition)]


def obx_rows(message: str) -> list[list[str]]:
    return [fields for fields in segments(message) if fields[0] == "OBX"]


def facets(message: str) -> dict[str, str]:
    """PCD-04 facet values by the MDC reference id in OBX-3 (`MDC_ATTR_EVENT_PHASE` -> `start`)."""
    return {row[3].split("^")[1]: row[5] for row in obx_rows(message)}


def alert_id(message: str) -> str:
    (obr,) = [fields for fields in segments(message) if fields[0] == "OBR"]
    return obr[3]


@cache
def monitored_session() -> Session:
    """A session with every vital from a monitor, a typed BP and a typed scale."""
    s = Session()
    # Baseline typed by the nurse, infusion started.
    s.to_infusion()
    s.t(61.25)
    # One monitor message: every vital, one with the monitor's own OBX-4 path, ms in the time.
    for name, value in (("bp_systolic", 131), ("bp_diastolic", 84), ("bp_mean", 99),
                        ("heart_rate", 72), ("pulse_rate", 73), ("resp_rate", 14)):
        s.device(name, value)
    s.device("spo2", 97.5, channel="1.2.1.1")
    # A scale typed by the nurse.
    s.manual("moaas", 4)
    return s


# ---------------------------------------------------------------------------------------------
# PCD-01


def test_the_cuffs_pulse_goes_to_the_engine_as_the_cuffs_not_the_oximeters():
    # A cuff's pulse (logged with the NIBP flag) was sent as MDC_PULS_OXIM_PULS_RATE: the EHR
    # filed a spot value taken with a BP as the oximeter's continuous pulse.
    records = [r for r in observations(monitored_session()) if r.metric == "pulse_rate"]
    cuff = replace(records[0], flags=frozenset({NIBP_PULSE}), value=78)
    message = pcd01([records[0], cuff], control_id="OBS-1", sent_at=SENT, station=STATION,
                    patient=PATIENT)
    obx = [fields for fields in segments(message) if fields[0] == "OBX"]
    assert [(o[3].split("^")[1], o[5]) for o in obx] == [
        ("MDC_PULS_OXIM_PULS_RATE", "73"), ("MDC_PULS_RATE_NON_INV", "78")]
    # The console's own decoder reads it back as the cuff's pulse.
    result = decode_message(message.encode("utf-8"), SENT)
    assert [(r.value, NIBP_PULSE in r.flags) for r in result.readings] == [(73, False),
                                                                           (78, True)]


def test_pcd01_is_read_back_by_the_console_decoder_with_the_same_metrics_and_values():
    records = observations(monitored_session())
    message = pcd01(records, control_id="OBS-1", sent_at=SENT, station=STATION, patient=PATIENT)

    result = decode_message(message.encode("utf-8"), SENT)

    vitals = [r for r in records if r.metric in VITALS]
    assert [(r.metric, r.value, r.unit, r.measured_at) for r in result.readings] == \
        [(r.metric, r.value, r.unit, r.measured_at) for r in vitals]
    assert {r.metric for r in vitals} == set(VITALS)
    # The monitor's own containment path is kept; values typed here get a path of their own.
    assert [r.channel for r in result.readings if r.metric == "spo2"] == ["1.2.1.1"]
    assert len({r.channel for r in result.readings}) == len(result.readings)
    # Only the scale is left out, as an unknown code (it has no MDC term).
    assert [(d.reason, "moaas" in d.detail) for d in result.dropped] == [("unknown-code", True)]
    assert result.readings[0].source == "hl7:INFUSION_CONSOLE^0200000000C0FFEE^EUI-64"


def test_pcd01_in_mllp_is_framed_decoded_and_acknowledged():
    records = observations(monitored_session())
    message = pcd01(records, control_id="OBS-2", sent_at=SENT, station=STATION, patient=PATIENT)
    decoder = HL7Decoder()

    result = decoder.feed(mllp_frame(message), SENT)

    assert len(result.readings) == vital_count(records)
    (reply,) = result.replies
    assert reply.after_commit is not None
    ack = reply.after_commit(True)
    assert ack.startswith(b"\x0b") and ack.endswith(b"\x1c\r")
    assert b"MSA|AA|OBS-2\r" in ack


def test_pcd01_header_and_segments_follow_the_ihe_samples():
    records = observations(monitored_session())
    message = pcd01(records, control_id="OBS-3", sent_at=SENT, station=STATION, patient=PATIENT)
    msh, pid, pv1, obr, *obx = segments(message)

    assert msh[:2] == ["MSH", "^~\\&"]
    assert msh[8] == "ORU^R01^ORU_R01"          # MSH-9
    assert msh[9] == "OBS-3"                    # MSH-10 as given
    assert msh[10:12] == ["P", "2.6"]           # MSH-11, MSH-12
    assert msh[14:16] == ["NE", "AL"]           # MSH-15, MSH-16
    assert msh[17] == "UNICODE UTF-8"           # MSH-18
    assert msh[20] == "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO"   # MSH-21
    assert msh[6] == "20260302090500+0000"      # MSH-7: the send time passed in
    assert pid[3] == "K-0042^^^^PI" and pid[5] == "Doe"
    assert pv1[2:4] == ["O", "^Room 2^Chair 3^Clinic"]
    assert obr[3] == "OBS-3^INFUSION_CONSOLE^0200000000C0FFEE^EUI-64"
    assert obr[7] == "20260302090000+0000"      # the first value's time
    spo2 = next(row for row in obx if row[3].startswith("150456^"))
    assert spo2[2] == "NM" and spo2[5] == "97.5"
    assert spo2[6] == "262688^MDC_DIM_PERCENT^MDC^%^%^UCUM"
    assert spo2[11] == "F"
    assert spo2[14] == "20260302090101.250+0000"   # OBX-14 to the millisecond
    assert spo2[17] == "AMEAS^auto-measurement^MDC"
    assert spo2[18] == "0200000000C0FFEE^^0200000000C0FFEE^EUI-64"
    typed = next(row for row in obx if row[3].startswith("150021^") and row[5] == "120")
    assert typed[16] == "nurse.ana" and typed[17] == "MMEAS^manual-measurement^MDC"
    moaas = next(row for row in obx if row[3].startswith("moaas^"))
    assert moaas[3] == "moaas^Sedation (MOAA/S)^99ICN" and moaas[6] == "{score}^{score}^UCUM"


def test_every_segment_ends_with_cr_and_nothing_else_ends_a_line():
    records = observations(monitored_session())
    message = pcd01(records, control_id="OBS-4", sent_at=SENT, station=STATION, patient=PATIENT)

    assert message.endswith("\r") and "\n" not in message
    lines = message.split("\r")
    assert lines[-1] == ""
    assert [line[:3] for line in lines[:-1]] == \
        ["MSH", "PID", "PV1", "OBR"] + ["OBX"] * len(records)


def test_a_patient_not_shown_sends_an_empty_pid_3_not_a_bare_identifier_type():
    # HL7 v2.6 CX: CX.1 (the ID) is required in a CX that is sent; with the clinic showing no
    # patient (network.toml patient_shown = "none") "^^^^PI" named a patient-internal id of
    # nothing, which an engine's patient matching reads as an id type without an id.
    records = observations(monitored_session())

    message = pcd01(records, control_id="OBS-6", sent_at=SENT, station=STATION,
                    patient=PatientShown(""))

    pid = segments(message)[1]
    assert len(pid) == 1 + PID_FIELDS
    assert pid[3] == "" and pid[5] == ""


def test_patient_id_with_field_and_component_separators_is_escaped():
    shown = PatientShown("A|B^C&D~E\\F", name="O'Neil^Mary|x")
    records = observations(monitored_session())

    message = pcd01(records, control_id="OBS-5", sent_at=SENT, station=STATION, patient=shown)

    pid = segments(message)[1]
    assert len(pid) == 1 + PID_FIELDS
    assert pid[3] == "A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F^^^^PI"
    assert pid[3].count("^") == 4
    parsed = hl7.parse(message)
    assert parsed.unescape(pid[3].split("^")[0]) == "A|B^C&D~E\\F"
    assert parsed.unescape(pid[5]) == "O'Neil^Mary|x"
    # The decoder still reads every vital.
    assert len(decode_message(message.encode(), SENT).readings) == vital_count(records)


def test_a_corrected_value_goes_as_obx11_c_where_the_value_it_corrects_went():
    s = Session()
    s.to_infusion()
    s.t(120)
    # The nurse types a systolic of 188 by mistake; it goes out...
    _, wrong_id = s.engine.enter_manual_row("bp_systolic", 188, "nurse.ana", s.now(),
                                            confirmed=True)
    assert wrong_id is not None
    s.t(150)
    # ... and she corrects it: the cuff read 138.
    s.engine.correct(wrong_id, "bp_systolic", 138, "nurse.ana", s.now(),
                     reason="typed 188, cuff read 138")
    wrong, corrected = observations(s)[-2:]
    assert corrected.corrects == wrong_id
    first = pcd01([wrong], control_id="OBS-5", sent_at=SENT, station=STATION, patient=PATIENT)
    sent = sent_observation(wrong, [first])
    assert sent is not None

    message = pcd01([corrected], control_id="OBS-6", sent_at=SENT, station=STATION,
                    patient=PATIENT, replaces=sent)

    ((row,), (first_row,)) = obx_rows(message), obx_rows(first)
    assert (row[5], row[11], first_row[11]) == ("138", "C", "F")
    # HL7 table 0085: C replaces the result of the same order (OBR-3), OBX-3 and OBX-4; dated
    # at the measurement it stands for.
    assert (segments(message)[3][3], row[3], row[4], row[14]) == \
        (segments(first)[3][3], first_row[3], first_row[4], first_row[14])
    # C is a valid result for the decoder.
    assert [r.value for r in decode_message(message.encode(), SENT).readings] == [138]
    # With no result sent to replace, a correction is a final result of its own.
    alone = pcd01([corrected], control_id="OBS-7", sent_at=SENT, station=STATION,
                  patient=PATIENT)
    assert obx_rows(alone)[0][11] == "F"
    with pytest.raises(ValueError, match="only a correction"):
        pcd01([wrong], control_id="OBS-8", sent_at=SENT, station=STATION, patient=PATIENT,
              replaces=sent)


def test_reference_range_only_where_limits_are_given():
    records = [r for r in observations(monitored_session())
               if r.metric in ("spo2", "heart_rate", "resp_rate") and r.source != "manual"]
    ranges = {"spo2": (94.0, None), "heart_rate": (50.0, 110.0), "resp_rate": (None, 25.0)}

    message = pcd01(records, control_id="OBS-7", sent_at=SENT, station=STATION, patient=PATIENT,
                    ranges=ranges)

    assert [row[7] for row in obx_rows(message)] == ["50-110", "<25", ">94"]


def test_demo_or_test_records_go_as_training_messages():
    record = replace(observations(monitored_session())[-2], flags=frozenset({"TEST"}))

    message = pcd01([record], control_id="OBS-8", sent_at=SENT, station=STATION, patient=PATIENT)

    assert segments(message)[0][10] == "T"     # MSH-11
    (reading,) = decode_message(message.encode(), SENT).readings
    assert "TEST" in reading.flags


def test_a_monitors_eui64_is_the_equipment_of_its_values():
    record = replace(observations(monitored_session())[-2],
                     source="hl7:MON^0012210000000000^EUI-64", flags=frozenset({"H"}))

    message = pcd01([record], control_id="OBS-9", sent_at=SENT, station=STATION, patient=PATIENT)

    (row,) = obx_rows(message)
    assert row[18] == "0012210000000000^^0012210000000000^EUI-64"
    assert row[8] == "H"     # the device's abnormal flag passed on


def test_pcd01_refuses_what_it_cannot_say():
    records = observations(monitored_session())
    build = dict(sent_at=SENT, station=STATION, patient=PATIENT)
    with pytest.raises(ValueError, match="at least one observation"):
        pcd01([], control_id="X", **build)
    with pytest.raises(ValueError, match="sessions \\[1, 2\\]"):
        pcd01([records[0], replace(records[1], session_id=2)], control_id="X", **build)
    with pytest.raises(ValueError, match="recorded in 'kPa'"):
        pcd01([replace(records[0], unit="kPa")], control_id="X", **build)
    with pytest.raises(ValueError, match="no zone"):
        pcd01([replace(records[0], measured_at=datetime(2026, 3, 2, 9))], control_id="X", **build)
    for bad in ("", "A|B", "A^B", "A\rB", " A", "X" * 200):
        with pytest.raises(ValueError, match="control id"):
            pcd01(records, control_id=bad, **build)


# ---------------------------------------------------------------------------------------------
# PCD-04


def test_one_occurrence_raised_acknowledged_escalated_latched_reset_cleared():
    s = Session()
    s.to_infusion()
    s.t(60)
    # SpO2 92: medium low-SpO2 alarm raised.
    s.device("spo2", 92)
    s.t(65)
    # The nurse acknowledges it.
    (occurrence,) = s.engine.alarms()
    s.engine.acknowledge(occurrence.id, "nurse.ana", s.now())
    s.t(70)
    # SpO2 89: escalates to high, sounding again.
    s.device("spo2", 89)
    s.t(75)
    # SpO2 97: the condition ends before anyone acknowledged the high alarm: it latches (its own record).
    s.device("spo2", 97)
    assert s.shown() == [("spo2_low", "high", "latched")]
    raised, acknowledged, escalated, latched = transitions(s)
    s.t(80)
    # The nurse resets the latched alarm: reset, then cleared.
    s.engine.acknowledge(occurrence.id, "nurse.ana", s.now())
    reset, cleared = transitions(s)[4:]
    assert [t.transition for t in (raised, acknowledged, escalated, latched, reset, cleared)] == \
        ["raised", "acknowledged", "escalated", "latched", "reset", "cleared"]

    steps = [raised, acknowledged, escalated, latched, reset, cleared]
    messages = [pcd04(t, control_id=f"ALM-{i}", sent_at=t.at, station=STATION, patient=PATIENT)
                for i, t in enumerate(steps)]

    seen = [facets(m) for m in messages]
    assert [(f["MDC_ATTR_EVENT_PHASE"], f["MDC_ATTR_ALARM_STATE"],
             f["MDC_ATTR_ALARM_INACTIVATION_STATE"], f["MDC_ATTR_ALARM_PRIORITY"],
             f["MDC_ATTR_ALERT_TYPE"]) for f in seen] == [
        ("start", "active", "enabled", "PM", "SP"),
        ("update", "active", "alert-acknowledged", "PM", "SP"),
        ("update", "active", "enabled", "PH", "SP"),
        ("update", "latched", "enabled", "PH", "SP"),
        ("end", "inactive", "alert-acknowledged", "PH", "SP"),
        ("end", "inactive", "enabled", "PH", "SP"),
    ]
    # One alert id, session and occurrence, in every phase.
    assert {alert_id(m) for m in messages} == {"1-1^INFUSION_CONSOLE^0200000000C0FFEE^EUI-64"}
    # MSH-10 as given, one per phase.
    assert [segments(m)[0][9] for m in messages] == [f"ALM-{i}" for i in range(6)]
    # Facet 1: low-limit event, the banner text, abnormality ~ priority ~ type in OBX-8.
    first = obx_rows(messages[0])[0]
    assert first[3] == "196670^MDC_EVT_LO^MDC^spo2_low^^99ICN"
    assert first[5] == "SpO2 92 %, limit ≤93"
    assert first[8] == "L~PM~SP"
    assert obx_rows(messages[2])[0][8] == "L~PH~SP"
    # Facet 2: the vital itself with its value and MDC unit.
    source = obx_rows(messages[2])[1]
    assert source[2:7] == ["NM", "150456^MDC_PULS_OXIM_SAT_O2^MDC", "1.0.0.0.2", "89",
                           "262688^MDC_DIM_PERCENT^MDC^%^%^UCUM"]


def test_pcd04_header_and_facet_layout():
    s = Session()
    s.to_infusion()
    s.t(60)
    # Systolic 205: high BP alarm.
    s.bp(205, 90)
    (raised,) = [t for t in transitions(s) if t.condition == "bp_systolic_high"]

    message = pcd04(raised, control_id="ALM-H", sent_at=SENT, station=STATION, patient=PATIENT)

    msh, pid, pv1, obr, *obx = segments(message)
    assert msh[8:10] == ["ORU^R40^ORU_R40", "ALM-H"]
    assert msh[14:16] == ["AL", "NE"]
    assert msh[20] == "IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4^ISO"
    assert obr[4] == "196616^MDC_EVT_ALARM^MDC" and obr[7] == "20260302090100+0000"
    assert [(row[1], row[3].split("^")[0], row[4]) for row in obx] == [
        ("1", "196648", "1.0.0.0.1"), ("2", "150021", "1.0.0.0.2"),
        ("3", "68481", "1.0.0.0.3"), ("4", "68482", "1.0.0.0.4"), ("5", "68483", "1.0.0.0.5"),
        ("6", "68484", "1.0.0.0.6"), ("7", "68485", "1.0.0.0.7"),
    ]
    assert obx[0][8] == "H~PH~SP"
    assert all(row[11] == "F" for row in obx)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def test_technical_alarm_is_st_with_the_condition_as_its_source():
    lost = AlarmTransition(1, 7, "device_lost", "technical", "medium", "raised", at(30),
                           "Monitor connection lost: check the cable")

    message = pcd04(lost, control_id="ALM-T", sent_at=SENT, station=STATION, patient=PATIENT)

    first, source = obx_rows(message)[:2]
    assert first[3] == "196616^MDC_EVT_ALARM^MDC^device_lost^^99ICN"
    assert first[8] == "PM~ST"
    assert source[2:6] == ["CWE", "68480^MDC_ATTR_ALERT_SOURCE^MDC", "1.0.0.0.2",
                           "device_lost^^99ICN"]
    assert facets(message)["MDC_ATTR_ALERT_TYPE"] == "ST"


def test_prompt_at_info_is_an_advisory_with_no_priority():
    due = AlarmTransition(1, 3, "vitals_due:BP and HR", "prompt", "info", "raised", at(600),
                          "BP and HR due")

    message = pcd04(due, control_id="ALM-P", sent_at=SENT, station=STATION, patient=PATIENT)

    assert facets(message)["MDC_ATTR_ALARM_PRIORITY"] == "PN"
    assert facets(message)["MDC_ATTR_ALERT_TYPE"] == "SA"
    assert obx_rows(message)[0][8] == "PN~SA"


def test_the_boards_state_wins_over_what_the_transition_implies():
    # A de-escalation that follows an acknowledgement: the alarm is still acknowledged.
    down = AlarmTransition(1, 2, "heart_rate_high", "physiological", "medium", "deescalated",
                           at(90), "HR 115, limit >110", value=115)

    implied = facets(pcd04(down, control_id="A", sent_at=SENT, station=STATION, patient=PATIENT))
    told = facets(pcd04(down, control_id="B", sent_at=SENT, station=STATION, patient=PATIENT,
                        inactivation=Inactivation.ALERT_ACKNOWLEDGED, state=AlertState.ACTIVE))

    assert implied["MDC_ATTR_ALARM_INACTIVATION_STATE"] == "enabled"
    assert told["MDC_ATTR_ALARM_INACTIVATION_STATE"] == "alert-acknowledged"
    assert told["MDC_ATTR_EVENT_PHASE"] == "update"


def test_audio_pause_and_reminder_are_updates():
    base = AlarmTransition(1, 4, "resp_rate_low", "physiological", "high", "audio_paused", at(10),
                           "RR 7, limit ≤8", value=7)

    paused = facets(pcd04(base, control_id="A", sent_at=SENT, station=STATION, patient=PATIENT))
    reminded = facets(pcd04(replace(base, transition="reminded"), control_id="B", sent_at=SENT,
                            station=STATION, patient=PATIENT))

    assert (paused["MDC_ATTR_EVENT_PHASE"], paused["MDC_ATTR_ALARM_INACTIVATION_STATE"]) == \
        ("update", "audio-paused")
    assert (reminded["MDC_ATTR_EVENT_PHASE"], reminded["MDC_ATTR_ALARM_INACTIVATION_STATE"]) == \
        ("update", "enabled")


def test_pcd04_refuses_unknown_transition_priority_or_category():
    good = AlarmTransition(1, 1, "spo2_low", "physiological", "high", "raised", at(0), "SpO2 88")
    build = dict(control_id="X", sent_at=SENT, station=STATION, patient=PATIENT)
    with pytest.raises(ValueError, match="transition 'silenced' has no ACM phase"):
        pcd04(replace(good, transition="silenced"), **build)
    with pytest.raises(ValueError, match="priority 'urgent'"):
        pcd04(replace(good, priority="urgent"), **build)
    with pytest.raises(ValueError, match="category 'clinical'"):
        pcd04(replace(good, category="clinical"), **build)


# ---------------------------------------------------------------------------------------------
# MLLP and escaping


def test_mllp_frame_uses_the_framing_bytes_and_the_console_framer_takes_it_whole():
    message = "MSH|^~\\&|A\rPID|||é\r"

    framed = mllp_frame(message)

    assert framed == b"\x0b" + message.encode("utf-8") + b"\x1c\r"
    split = split_mllp(framed + framed)
    assert [f.data for f in split.frames] == [message.encode("utf-8")] * 2
    assert all(f.mllp for f in split.frames) and not split.dropped
    with pytest.raises(ValueError, match="MLLP envelope byte"):
        mllp_frame("MSH|\x1c|")


def test_escape_writes_every_delimiter_and_control_character_as_an_escape():
    assert escape("a|b^c&d~e\\f") == "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f"
    assert escape("x\ry\nz\x0b\x1c\x00") == "x\\X0D\\y\\X0A\\z\\X0B\\\\X1C\\\\X00\\"
    assert escape("SpO2 ≤93 %") == "SpO2 ≤93 %"
    # A lone surrogate is no character and cannot be UTF-8: the message still goes.
    assert escape("Ana\ud800") == "Ana\ufffd"


def test_network_messages_do_not_import_qt():
    code = (
        "import sys, console.network.pcd; "
        "print(','.join(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


# ---------------------------------------------------------------------------------------------
# Any text, same structure

# Free text with the characters that could break a message weighted in.
TEXT = st.text(st.one_of(st.sampled_from(list("|^&~\\\r\n\x0b\x1c\x00 \"'é≤")), st.characters()),
               max_size=40)


def sent(text: str) -> str:
    """What a receiver reads back: the text, with a lone surrogate (not UTF-8) as U+FFFD."""
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


def structure(message: str) -> list[tuple[str, int]]:
    return [(fields[0], len(fields)) for fields in segments(message)]


@settings(max_examples=150, deadline=None)
@given(patient_id=TEXT, name=TEXT, facility=TEXT, room=TEXT, chair=TEXT, nurse=TEXT,
       channel=TEXT, alert=TEXT, condition=TEXT)
def test_free_text_never_breaks_segments_or_fields(patient_id, name, facility, room, chair, nurse,
                                                   channel, alert, condition):
    records = [replace(r, channel=channel, entered_by=nurse)
               for r in observations(monitored_session())]
    station = replace(STATION, facility=facility, room=room, bed=chair)
    patient = PatientShown(patient_id, name=name)
    transition = AlarmTransition(1, 9, condition, "technical", "low", "raised", at(5), alert)

    obs = pcd01(records, control_id="OBS", sent_at=SENT, station=station, patient=patient)
    alarm = pcd04(transition, control_id="ALM", sent_at=SENT, station=station, patient=patient)

    # The same segments with the same number of fields as with plain text.
    assert structure(obs) == HEADER + [("OBX", 1 + OBX_FIELDS)] * len(records)
    assert structure(alarm) == HEADER + [("OBX", 1 + OBX_FIELDS)] * 7
    for message in (obs, alarm):
        # No line end or control character inside a segment; the MLLP envelope holds.
        assert all(c == "\r" or c >= " " for c in message if ord(c) < 0x20 or c == "\x7f")
        assert mllp_frame(message).count(b"\x1c") == 1
        # Components of the free-text fields are where they should be, and the text comes back.
        parsed = hl7.parse(message)
        pid, pv1 = segments(message)[1:3]
        assert pid[3].count("^") == (4 if patient_id else 0) and pv1[3].count("^") == 3
        assert parsed.unescape(pid[3].split("^")[0]) == sent(patient_id)
        assert parsed.unescape(pid[5]) == sent(name)
        assert [parsed.unescape(p) for p in pv1[3].split("^")[1:]] == [sent(room), sent(chair),
                                                                        sent(facility)]
    first = obx_rows(alarm)[0]
    assert hl7.parse(alarm).unescape(first[5]) == sent(alert)
    assert first[3].count("^") == 5
    # The decoder still reads every vital of the observation message.
    assert [r.value for r in decode_message(obs.encode("utf-8"), SENT).readings] == \
        [r.value for r in records if r.metric in VITALS]


# ---------------------------------------------------------------------------------------------
# Byte for byte


MONITOR = "hl7:MONITOR^0200000000ABCDEF^EUI-64"
# One commit's messages as the console built them before their headers were cached (P12):
# observations of three sessions (several metrics, a monitor's path kept and a repeated one
# replaced, an abnormal flag passed on and an unknown one dropped, no measured time, another
# zone, a typed correction with a delimiter in the nurse's name (of a value the composer finds
# nowhere sent: a final result), two demo sessions (a TEST flag in one: a real session's is not
# the patient's and is left out), two alarm phases, and an event, which sends nothing.
PINNED = [
    (1, 'c0ffee-41', 'pcd01', [
        'MSH|^~\\&|INFUSION_CONSOLE^0200000000C0FFEE^EUI-64|Clinic|||20260302090005.004+0000||ORU^R01^ORU_R01|c0ffee-41|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
        'PID|||K-0042^^^^PI||Doe',
        'PV1||O|^Room 2^Chair 3^Clinic',
        'OBR|1||c0ffee-41^INFUSION_CONSOLE^0200000000C0FFEE^EUI-64|182777000^monitoring of patient^SNOMED-CT|||20260302090000.500+0000|20260302090001.250+0000',
        'OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.2|72|264864^MDC_DIM_BEAT_PER_MIN^MDC^/min^/min^UCUM|||||F|||20260302090001.250+0000|||AMEAS^auto-measurement^MDC|0200000000ABCDEF^^0200000000ABCDEF^EUI-64',
        'OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.0.0.2|97.5|262688^MDC_DIM_PERCENT^MDC^%^%^UCUM||L|||F||||||AMEAS^auto-measurement^MDC|0200000000ABCDEF^^0200000000ABCDEF^EUI-64',
        'OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.0.3|120|266016^MDC_DIM_MMHG^MDC^mm[Hg]^mm[Hg]^UCUM|||||F|||20260302090000.500+0000||Kim\\F\\Nurse|MMEAS^manual-measurement^MDC|0200000000C0FFEE^^0200000000C0FFEE^EUI-64',
    ]),
    (2, 'c0ffee-42', 'pcd01', [
        'MSH|^~\\&|INFUSION_CONSOLE^0200000000C0FFEE^EUI-64|Clinic|||20260302090005.004+0000||ORU^R01^ORU_R01|c0ffee-42|T|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
        'PID|||||',
        'PV1||O|^Room 2^Chair 3^Clinic',
        'OBR|1||c0ffee-42^INFUSION_CONSOLE^0200000000C0FFEE^EUI-64|182777000^monitoring of patient^SNOMED-CT|||20260302090003+0000|20260302090003+0000',
        'OBX|1|NM|moaas^Sedation (MOAA/S)^99ICN|1.0.0.1|4|{score}^{score}^UCUM|||||F|||20260302090003+0000||Nurse Lee|MMEAS^manual-measurement^MDC|0200000000C0FFEE^^0200000000C0FFEE^EUI-64',
    ]),
    (3, 'c0ffee-43', 'pcd01', [
        'MSH|^~\\&|INFUSION_CONSOLE^0200000000C0FFEE^EUI-64|Clinic|||20260302090005.004+0000||ORU^R01^ORU_R01|c0ffee-43|T|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
        'PID|||K-7^^^Clinic^MR||',
        'PV1||O|^Room 2^Chair 3^Clinic',
        'OBR|1||c0ffee-43^INFUSION_CONSOLE^0200000000C0FFEE^EUI-64|182777000^monitoring of patient^SNOMED-CT|||20260302090002.999+0000|20260302090002.999+0000',
        'OBX|1|NM|151562^MDC_RESP_RATE^MDC|1.1.1.9|14|264928^MDC_DIM_RESP_PER_MIN^MDC^/min^/min^UCUM||HH|||F|||20260302090002.999+0000|||AMEAS^auto-measurement^MDC|0200000000C0FFEE^^0200000000C0FFEE^EUI-64',
    ]),
    (1, 'c0ffee-44', 'pcd04', [
        'MSH|^~\\&|INFUSION_CONSOLE^0200000000C0FFEE^EUI-64|Clinic|||20260302090005.004+0000||ORU^R40^ORU_R40|c0ffee-44|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4^ISO',
        'PID|||K-0042^^^^PI||Doe',
        'PV1||O|^Room 2^Chair 3^Clinic',
        'OBR|1||1-3^INFUSION_CONSOLE^0200000000C0FFEE^EUI-64|196616^MDC_EVT_ALARM^MDC|||20260302090001.500+0000|',
        'OBX|1|ST|196670^MDC_EVT_LO^MDC^spo2_low^^99ICN|1.0.0.0.1|SpO2 low: 89 %|||L~PM~SP|||F|||20260302090001.500+0000||||0200000000C0FFEE^^0200000000C0FFEE^EUI-64',
        'OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.0.0.0.2|89|262688^MDC_DIM_PERCENT^MDC^%^%^UCUM|||||F|||20260302090001.500+0000||||',
        'OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.0.0.0.3|start||||||F|||||||',
        'OBX|4|ST|68482^MDC_ATTR_ALARM_STATE^MDC|1.0.0.0.4|active||||||F|||||||',
        'OBX|5|ST|68483^MDC_ATTR_ALARM_INACTIVATION_STATE^MDC|1.0.0.0.5|enabled||||||F|||||||',
        'OBX|6|ST|68484^MDC_ATTR_ALARM_PRIORITY^MDC|1.0.0.0.6|PM||||||F|||||||',
        'OBX|7|ST|68485^MDC_ATTR_ALERT_TYPE^MDC|1.0.0.0.7|SP||||||F|||||||',
    ]),
    (2, 'c0ffee-45', 'pcd04', [
        'MSH|^~\\&|INFUSION_CONSOLE^0200000000C0FFEE^EUI-64|Clinic|||20260302090005.004+0000||ORU^R40^ORU_R40|c0ffee-45|T|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4^ISO',
        'PID|||||',
        'PV1||O|^Room 2^Chair 3^Clinic',
        'OBR|1||2-1^INFUSION_CONSOLE^0200000000C0FFEE^EUI-64|196616^MDC_EVT_ALARM^MDC|||20260302090004+0000|',
        'OBX|1|ST|196616^MDC_EVT_ALARM^MDC^device_lost^^99ICN|1.0.0.0.1|Monitor lost|||PL~ST|||F|||20260302090004+0000||||0200000000C0FFEE^^0200000000C0FFEE^EUI-64',
        'OBX|2|CWE|68480^MDC_ATTR_ALERT_SOURCE^MDC|1.0.0.0.2|device_lost^^99ICN||||||F|||20260302090004+0000||||',
        'OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.0.0.0.3|update||||||F|||||||',
        'OBX|4|ST|68482^MDC_ATTR_ALARM_STATE^MDC|1.0.0.0.4|active||||||F|||||||',
        'OBX|5|ST|68483^MDC_ATTR_ALARM_INACTIVATION_STATE^MDC|1.0.0.0.5|alert-acknowledged||||||F|||||||',
        'OBX|6|ST|68484^MDC_ATTR_ALARM_PRIORITY^MDC|1.0.0.0.6|PL||||||F|||||||',
        'OBX|7|ST|68485^MDC_ATTR_ALERT_TYPE^MDC|1.0.0.0.7|ST||||||F|||||||',
    ]),
]


def test_a_commit_is_composed_byte_for_byte_as_pinned():
    records = [
        ObservationRecord(1, "heart_rate", 72.0, "beats/min", MONITOR, at(1.25), at(1.5), "engine",
                          channel="1.2.1.2"),
        ObservationRecord(1, "spo2", 97.5, "%", MONITOR, None, at(1.5), "engine",
                          channel="1.2.1.2", flags=frozenset({"L", "X"})),
        EventRecord(1, at(2), "note", "Nurse Kim", {"text": "fine"}),
        ObservationRecord(1, "bp_systolic", 120.0, "mmHg", "manual",
                          at(0.5).astimezone(timezone(timedelta(hours=2))), at(2), "Kim|Nurse",
                          corrects=7),
        AlarmTransition(1, 3, "spo2_low", "physiological", "medium", "raised", at(1.5),
                        "SpO2 low: 89 %", 89.0, "≤90"),
        ObservationRecord(2, "moaas", 4.0, "score", "manual", at(3), at(3), "Nurse Lee",
                          flags=frozenset({"DEMO"})),
        ObservationRecord(3, "resp_rate", 14.0, "breaths/min", "sim", at(2.999), at(3), "engine",
                          channel=" 1.1.1.9 ", flags=frozenset({"TEST", "HH"})),
        AlarmTransition(2, 1, "device_lost", "technical", "low", "acknowledged", at(4),
                        "Monitor lost", None, "", "Nurse Lee"),
    ]
    patients = {1: PatientShown("K-0042", name="Doe"), 2: PatientShown(""),
                3: PatientShown("K-7", "", "Clinic", "MR")}
    composer = PcdComposer(STATION, patients.__getitem__, frozenset({"bus", "engine"}),
                           ManualClock(at(5.004)), {1: False, 2: True, 3: True}.__getitem__)
    expected = [(session, control, kind, "".join(s + "\r" for s in segs))
                for session, control, kind, segs in PINNED]
    for _ in range(2):   # the second time from the cached headers
        ids = iter(range(41, 50))
        got = composer.compose(records, lambda: f"c0ffee-{next(ids)}")
        assert [(m.session_id, m.control_id, m.kind, m.message) for m in got] == expected
    # Another patient shown for the same session: another PID, nothing else changes.
    patients[1] = PatientShown("K-0043")
    ids = iter(range(41, 50))
    got = composer.compose(records, lambda: f"c0ffee-{next(ids)}")
    assert [m.message for m in got] == [
        text.replace("\rPID|||K-0042^^^^PI||Doe\r", "\rPID|||K-0043^^^^PI||\r")
        for _, _, _, text in expected]
