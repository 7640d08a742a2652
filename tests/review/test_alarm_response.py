"""How the review and its PDF say what the nurse did about an alarm: acknowledged or, for a
latched alarm, reset (QA: a reset read as "not acknowledged"), and how long it took, with its unit
(QA: "10:30" to acknowledge read as a time of day between the clock columns).

The surge session of tests/review/scenarios.py: a mistyped systolic 250 at 09:50 raised a high
alarm; the correction cleared it before anyone acknowledged it, so it latched, and the nurse's
acknowledge at 09:50 reset it. The "RR and sedation" check due at 09:20 escalated to medium at
09:25 (the nurse scored sedation then but took no RR) and cleared with the RR at 09:35, before the
nurse's acknowledge at 09:35:30: never acknowledged. Systolic 182 at 09:35 raised a medium alarm,
acknowledged at 09:35:30; the repeat 186 at 09:40 escalated it to HIGH, acknowledged at 09:40:20.

The time to acknowledge runs from when the alarm reached its highest priority to the first
acknowledgement after that (QA: the high alarm read "To ack 30 s", its medium phase's answer).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from console.review.model import AlarmEpisode, AlarmStep
from console.review.queries import load_session, open_readonly
from console.review.content import ALARM_COLUMN_TIPS, ALARM_COLUMNS, _response, alarm_rows
from devices.reading import Reading
from tests.review.logged_session import logged_session


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, second, tzinfo=UTC)


@pytest.fixture(scope="module")
def surge(scenario_log):
    conn = open_readonly(scenario_log.path)
    try:
        return load_session(conn, scenario_log.facts.ids["surge"], with_observations=True)
    finally:
        conn.close()


def row_of(detail, text: str) -> dict[str, str]:
    [row] = [r.cells for r in alarm_rows(detail, UTC) if text in r.cells[1]]
    return dict(zip(ALARM_COLUMNS, row, strict=True))


def test_the_alarm_of_a_typed_value_corrected_ends_with_the_correction(surge):
    # A typed 250 for the cuff's 150, corrected at once: its alarm ends with the correction as
    # a value entered in error does (it had latched, and the nurse reset an alarm for a value
    # that never existed); the nurse's correction is the answer, not a missed alarm.
    row = row_of(surge, "Systolic BP 250")
    assert (row["Priority"], row["Raised"], row["Acknowledged"], row["To ack"],
            row["Cleared"]) == ("HIGH", "09:50:00", "—", "none: its value was taken back",
                                "09:50:00")
    assert "[value corrected to 150 mmHg]" in row["Alarm"]


def test_a_high_alarm_is_timed_from_its_escalation_to_the_acknowledgement_after_it(surge):
    row = row_of(surge, "Systolic BP 182")
    assert (row["Priority"], row["Raised"], row["Acknowledged"], row["To ack"]) == (
        "HIGH", "09:35:00", "09:40:20 nurse.ana · at medium 09:35:30 nurse.ana", "20 s")
    [episode] = [r.episode for r in alarm_rows(surge, UTC) if "Systolic BP 182" in r.cells[1]]
    assert (episode.highest_at, episode.response.at, episode.response_seconds) == (
        at(9, 40), at(9, 40, 20), 20.0)
    # The `alarms` view's own figure (raised to first acknowledgement) is left as it was.
    assert episode.seconds_to_acknowledge == 30.0


def test_an_escalated_prompt_cleared_before_any_acknowledgement_says_not_acknowledged(surge):
    row = row_of(surge, "Vitals due: RR and sedation")
    assert (row["Priority"], row["Alarm"].split(" → ")[1], row["Raised"], row["Acknowledged"],
            row["To ack"], row["Cleared"]) == (
        "medium", "MEDIUM at 09:25:00", "09:20:00", "—", "not acknowledged", "09:35:00")


def test_an_escalated_prompt_is_timed_from_its_escalation(surge):
    # The scenario's overdue RR prompt as if the nurse had acknowledged it at 09:25:30: 30 s after
    # it became an alarm (09:25), not 5:30 min after the info prompt at 09:20.
    [episode] = [r.episode for r in alarm_rows(surge, UTC) if "RR and sedation" in r.cells[1]]
    assert [(s.at, s.transition) for s in episode.steps] == [
        (at(9, 20), "raised"), (at(9, 25), "escalated"), (at(9, 35), "cleared")]
    acknowledged = dataclasses.replace(
        episode, acknowledged_at=at(9, 25, 30), seconds_to_acknowledge=330.0,
        steps=(*episode.steps[:2], AlarmStep(at(9, 25, 30), "acknowledged", "medium", "nurse.ana"),
               *episode.steps[2:]))
    row = row_of(dataclasses.replace(surge, alarms=(acknowledged,), audio_pauses=()),
                 "RR and sedation")
    assert (row["Raised"], row["Acknowledged"], row["To ack"]) == (
        "09:20:00", "09:25:30 nurse.ana", "30 s")


def test_an_acknowledgement_stamped_before_its_alarm_gives_no_negative_time(surge):
    # The station's clock stepped back (a time-sync correction) between the escalation at 09:25
    # and the acknowledgement, stamped 09:24:30: "-30 s" read as a response; it says why none.
    [episode] = [r.episode for r in alarm_rows(surge, UTC) if "RR and sedation" in r.cells[1]]
    stepped_back = dataclasses.replace(
        episode, acknowledged_at=at(9, 24, 30), seconds_to_acknowledge=270.0,
        steps=(*episode.steps[:2], AlarmStep(at(9, 24, 30), "acknowledged", "medium", "nurse.ana"),
               *episode.steps[2:]))
    row = row_of(dataclasses.replace(surge, alarms=(stepped_back,), audio_pauses=()),
                 "RR and sedation")
    assert row["To ack"] == "unknown: the station's clock was set back"


def test_a_time_to_acknowledge_of_minutes_carries_its_unit(surge):
    # Raised medium at 09:00, acknowledged at 09:01, HIGH at 09:02, acknowledged 10:30 min later.
    episode = AlarmEpisode(
        occurrence=99, condition="spo2_low", category="physiological", priority="high",
        raised_at=at(9, 0), acknowledged_at=at(9, 1), cleared_at=at(9, 20),
        seconds_to_acknowledge=60.0, value=90.0, threshold="≤90", message="SpO2 90 %",
        steps=(AlarmStep(at(9, 0), "raised", "medium", "engine"),
               AlarmStep(at(9, 1), "acknowledged", "medium", "nurse.ana"),
               AlarmStep(at(9, 2), "escalated", "high", "engine"),
               AlarmStep(at(9, 12, 30), "acknowledged", "high", "nurse.ben"),
               AlarmStep(at(9, 14), "acknowledged", "high", "nurse.ana"),
               AlarmStep(at(9, 20), "cleared", "high", "engine")))
    detail = dataclasses.replace(surge, alarms=(episode,), audio_pauses=())
    [row] = [dict(zip(ALARM_COLUMNS, r.cells, strict=True)) for r in alarm_rows(detail, UTC)]
    assert (row["Acknowledged"], row["To ack"]) == (
        "09:12:30 nurse.ben (+1 more) · at medium 09:01:00 nurse.ana", "10:30 min")


def test_high_at_names_when_it_first_became_high_the_time_to_ack_counts_from(surge):
    # HIGH at 09:02, down to medium at 09:04, HIGH again at 09:06, acknowledged at 09:07.
    episode = AlarmEpisode(
        occurrence=98, condition="rr_low", category="physiological", priority="high",
        raised_at=at(9, 0), acknowledged_at=at(9, 7), cleared_at=at(9, 20),
        seconds_to_acknowledge=300.0, value=9.0, threshold="≤8", message="RR 9 /min",
        steps=(AlarmStep(at(9, 0), "raised", "medium", "engine"),
               AlarmStep(at(9, 2), "escalated", "high", "engine"),
               AlarmStep(at(9, 4), "deescalated", "medium", "engine"),
               AlarmStep(at(9, 6), "escalated", "high", "engine"),
               AlarmStep(at(9, 7), "acknowledged", "high", "nurse.ana"),
               AlarmStep(at(9, 20), "cleared", "high", "engine")))
    detail = dataclasses.replace(surge, alarms=(episode,), audio_pauses=())
    [row] = [dict(zip(ALARM_COLUMNS, r.cells, strict=True)) for r in alarm_rows(detail, UTC)]
    assert "→ HIGH at 09:02:00" in row["Alarm"] and row["To ack"] == "5:00 min"


def test_an_alarm_answered_only_before_it_escalated_says_so():
    episode = AlarmEpisode(
        occurrence=7, condition="spo2_low", category="physiological", priority="high",
        raised_at=at(9, 0), acknowledged_at=at(9, 1), cleared_at=at(9, 5),
        seconds_to_acknowledge=60.0, value=90.0, threshold="≤90", message="SpO2 90 %",
        steps=(AlarmStep(at(9, 0), "raised", "medium", "engine"),
               AlarmStep(at(9, 1), "acknowledged", "medium", "nurse.ana"),
               AlarmStep(at(9, 2), "escalated", "high", "engine"),
               AlarmStep(at(9, 5), "cleared", "high", "engine")))
    assert _response(episode, UTC) == ("at medium 09:01:00 nurse.ana", "not acknowledged at HIGH")


def test_an_information_prompt_needs_no_acknowledgement_and_does_not_read_as_missed():
    episode = AlarmEpisode(
        occurrence=3, condition="vitals_due:BP and HR", category="prompt", priority="info",
        raised_at=at(9, 10), acknowledged_at=None, cleared_at=at(9, 12),
        seconds_to_acknowledge=None, value=None, threshold="", message="Vitals due: BP and HR",
        steps=(AlarmStep(at(9, 10), "raised", "info", "engine"),
               AlarmStep(at(9, 12), "cleared", "info", "engine")))
    assert _response(episode, UTC) == ("—", "none needed (prompt)")
    # One that rose to an alarm (overdue: medium) is an alarm like any other.
    overdue = dataclasses.replace(episode, priority="medium", steps=(
        *episode.steps[:1], AlarmStep(at(9, 11), "escalated", "medium", "engine"),
        *episode.steps[1:]))
    assert _response(overdue, UTC)[1] == "not acknowledged"


def test_the_to_ack_column_says_how_it_is_measured():
    assert ALARM_COLUMN_TIPS["To ack"].startswith(
        "Time to acknowledge: from when the alarm reached its highest priority")


@pytest.fixture(scope="module")
def pdf_text(surge, tmp_path_factory) -> str:
    """The surge session's PDF report as its words in reading order, cell by cell (no -layout:
    cells wrap across lines)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    from console.export.pdf import write_session_pdf

    pdf = tmp_path_factory.mktemp("pdf") / "surge.pdf"
    write_session_pdf(surge, pdf, tz=UTC)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return " ".join(text.split())


def test_the_pdf_prints_the_corrected_values_alarm_as_taken_back(pdf_text):
    # The typed 250 was corrected to 150: the alarm it raised says so on paper too.
    assert ("HIGH Systolic BP 250 mmHg, limit ≥200 [value corrected to 150 mmHg] 09:50:00 — "
            "none: its value was taken back") in pdf_text


def test_the_pdf_prints_the_time_to_acknowledge_at_the_highest_priority(pdf_text):
    # The PDF draws the same rows (content.alarm_rows): one rule on screen and paper.
    # (The alarm's text wraps in its cell: the times are read around it.)
    # The row's cells in reading order; a page break may put the table's header repeated
    # between them (it did until a caption above the vitals moved the break), its words in
    # the order pdftotext reads them (the vitals' row of the check asked in Discharge put the
    # table at a page's top: "Raised" after the alarm's text).
    header = r"(?:(?:Priority|Alarm|Raised|Acknowledged|To ack|Audio paused|Cleared) )*"
    assert re.search(rf"→ MEDIUM at 09:25:00 {header}— not acknowledged — 09:35:00",
                     pdf_text), pdf_text
    assert "09:35:00 09:40:20 nurse.ana · at medium 09:35:30 nurse.ana 20 s" in pdf_text


def test_a_latched_alarm_is_cleared_when_its_condition_ended_not_at_its_reset(tmp_path):
    # SpO2 87 for 4 minutes, unseen, back to 96; reset 21 minutes after it began. The record
    # had no row when the desaturation ended, so the review, its PDF and CSV read 21 minutes.
    s = logged_session(tmp_path, at(9, 20))
    engine, clock = s.engine, s.clock

    def spo2(value: float, minutes: float) -> None:
        clock.advance(minutes * 60)
        now = clock.now()
        assert engine.ingest_message([Reading("spo2", value, "%", now.wall, now.wall, "hl7:MON")], now)

    spo2(97, 0); spo2(87, 4); spo2(96, 4)
    [alarm] = engine.alarms()
    assert alarm.state.value == "latched"
    clock.advance(17 * 60)
    assert engine.acknowledge(alarm.id, "nurse.ana", clock.now()).done
    row = row_of(s.detail(), "SpO2 87")
    assert (row["Raised"], row["Acknowledged"], row["To ack"], row["Cleared"]) == (
        "09:24:00", "reset 09:45:00 nurse.ana", "21:00 min (reset)", "09:28:00")
    assert "latched" in ALARM_COLUMN_TIPS["Cleared"]


def test_a_latched_alarm_whose_condition_came_back_is_not_read_as_ended(tmp_path):
    # SpO2 86, back to 96 unseen (latched), then 92: the same alarm stands again. The log said
    # only "latched", so the review read "09:22:00, latched at end of log" and the last PCD-04
    # sent said latched (code review).
    s = logged_session(tmp_path, at(9, 20))
    engine, clock = s.engine, s.clock
    for value in (97, 86, 96, 92):
        now = clock.advance(60)
        assert engine.ingest_message([Reading("spo2", value, "%", now.wall, now.wall, "hl7:MON")],
                                     now)
    [alarm] = engine.alarms()
    assert (alarm.priority.label, alarm.state.value) == ("high", "active")
    detail = s.detail()
    row = row_of(detail, "SpO2 86")
    assert row["Cleared"] == "still active at end of log"
    assert [s.transition for s in detail.alarms[0].steps] == ["raised", "latched", "returned"]


def test_an_alarm_raised_while_audio_paused_reads_silent_under_that_pause(tmp_path):
    """A medium alarm raised under a running audio pause that holds a medium one does not break
    through it: it is silent until the pause ends. Its "Audio paused" cell was empty (it listed
    only pauses pressed after the raise), read as an alarm that sounded from its raise. A high
    alarm breaks through (the pause ends at its raise): it sounded, and reads so."""
    s = logged_session(tmp_path, nurse="nurse.ana")
    engine, clock = s.engine, s.clock
    # 09:01:00 systolic 185 typed: a medium BP alarm sounds.
    engine.enter_manual("bp_systolic", 185, "nurse.ana", clock.advance(60))
    assert engine.audio(clock.now()).priority is not None
    # 09:01:10 the nurse pauses alarm audio (120 s, to 09:03:10).
    assert engine.pause_audio("nurse.ana", clock.advance(10)).done
    # 09:02:00 HR 115 typed: a medium HR alarm, held silent by the pause.
    engine.enter_manual("heart_rate", 115, "nurse.ana", clock.advance(50))
    assert engine.audio(clock.now()).priority is None
    # 09:02:30 the monitor's SpO2 86: a high alarm breaks through the pause and sounds.
    now = clock.advance(30)
    assert engine.ingest_message([Reading("spo2", 86, "%", now.wall, now.wall, "hl7:MON")], now)
    assert engine.audio(clock.now()).priority is not None
    detail = s.detail()
    paused = {row.cells[1].split(",")[0]: row.cells[5] for row in alarm_rows(detail, UTC)}
    assert paused == {
        "Systolic BP 185 mmHg": "09:01:10 nurse.ana",   # pressed while it sounded
        "Heart rate 115 beats/min": "silent under pause of 09:01:10 nurse.ana until 09:02:30",
        "SpO2 86 %": "—",                               # it broke through: it sounded
    }
    assert "silent under pause" in ALARM_COLUMN_TIPS["Audio paused"]
