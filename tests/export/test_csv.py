"""CSV export read back with the csv module and compared with the log and the session's story."""

from __future__ import annotations

import csv
import sqlite3

import pytest

from console.export.csv_export import EVENT_COLUMNS, OBSERVATION_COLUMNS, write_session_csv
from console.review.queries import load_session, open_readonly

BOM = "\ufeff".encode()   # UTF-8's byte-order mark, EF BB BF


@pytest.fixture
def exported(scenario_log, tmp_path):
    conn = open_readonly(scenario_log.path)
    detail = load_session(conn, scenario_log.facts.ids["surge"], with_observations=True)
    conn.close()
    return write_session_csv(detail, tmp_path / "out" / "csv")


def read(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def as_excel_opens(raw: bytes) -> str:
    """A CSV as Excel opens it on a double click: UTF-8 after a byte-order mark, else in the
    Windows code page (cp1252 in Western Europe and the US)."""
    if raw.startswith(BOM):
        return raw.removeprefix(BOM).decode()
    return raw.decode("cp1252", "replace")


def test_files_are_named_by_session_and_rfc4180_with_a_header(exported, scenario_log):
    sid = scenario_log.facts.ids["surge"]
    assert exported["observations"].name == f"session-{sid}-observations.csv"
    assert exported["events"].name == f"session-{sid}-events.csv"
    raw = exported["observations"].read_bytes()
    # A byte-order mark: Excel reads a CSV without one in the Windows code page ("≥180" read
    # "â‰¥180", "Zoë" "ZoÃ«").
    assert raw.startswith(BOM)
    assert raw.split(b"\r\n")[0].decode("utf-8-sig") == ",".join(OBSERVATION_COLUMNS)
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    events = exported["events"].read_bytes()
    assert events.startswith(BOM)
    assert events.split(b"\r\n")[0].decode("utf-8-sig") == ",".join(EVENT_COLUMNS)


def test_a_spreadsheet_reads_the_alarms_thresholds_as_written(exported):
    # Every alarm row's threshold has a "≥"; without a byte-order mark it read "â‰¥180".
    text = as_excel_opens(exported["events"].read_bytes())
    assert "≥180 or ≥40 above baseline" in text
    assert "\ufeff" not in text                       # the mark is read as one, not shown


def test_every_row_says_whose_it_is_and_which_session_of_the_course(exported):
    # A CSV opened alone (a spreadsheet, a study's import) must not need its folder's name.
    for kind in ("observations", "events"):
        rows = read(exported[kind])
        assert rows and {(r["patient_id"], r["session_number"]) for r in rows} == {("MRN-4711", "1")}


def test_one_row_per_stored_observation_with_units_sources_and_times(exported, scenario_log):
    sid = scenario_log.facts.ids["surge"]
    rows = read(exported["observations"])
    stored = sqlite3.connect(scenario_log.path).execute(
        "SELECT id, metric, value, unit, source, entered_by, measured_at, received_at "
        "FROM observations WHERE session_id = ? ORDER BY id", [sid]).fetchall()
    assert [(int(r["observation_id"]), r["metric"], float(r["value"]), r["unit"], r["source"],
             r["entered_by"], r["measured_at"] or None, r["received_at"]) for r in rows] == stored
    device_hr = next(r for r in rows if r["metric"] == "heart_rate" and r["source"] != "manual")
    assert (device_hr["label"], device_hr["unit"], device_hr["channel"], device_hr["entered_by"]) == (
        "Heart rate", "beats/min", "147842", "engine")
    assert device_hr["source"] == "hl7:AcmeInc^ACDE48234567ABCD^EUI-64"   # a comma-free ^ field
    assert device_hr["received_at"] == "2026-03-02T09:00:00.000Z"


def test_a_corrected_value_and_its_correction_are_both_there_and_flagged(exported, scenario_log):
    rows = {int(r["observation_id"]): r for r in read(exported["observations"])}
    wrong = rows[scenario_log.facts.corrected_id]
    assert (wrong["value"], wrong["corrected"], wrong["corrects"]) == ("250", "1", "")
    [fix] = [r for r in rows.values() if r["corrects"] == str(scenario_log.facts.corrected_id)]
    assert (fix["value"], fix["corrected"], fix["entered_by"]) == ("150", "0", "nurse.ana")
    assert sum(r["corrected"] == "1" for r in rows.values()) == 1
    assert {r["entered_in_error"] for r in rows.values()} == {"0"}   # replaced, not taken back


def test_a_value_taken_back_is_marked_entered_in_error(tmp_path):
    """A clinician's audit: HR 190 taken back as entered in error read `corrected` = 1 with no
    row correcting it, against the file's own definition."""
    from tests.review.logged_session import logged_session

    s = logged_session(tmp_path)
    _, row = s.engine.enter_manual_row("heart_rate", 190, "ana", s.clock.advance(60),
                                       confirmed=True)
    assert row is not None
    assert s.engine.void(row, "heart_rate", "ana", s.clock.advance(10), "wrong box").done
    rows = read(write_session_csv(s.detail(with_observations=True), tmp_path / "csv")[
        "observations"])
    (taken_back,) = [r for r in rows if r["observation_id"] == str(row)]
    assert (taken_back["corrected"], taken_back["entered_in_error"]) == ("1", "1")
    assert not [r for r in rows if r["corrects"] == str(row)]


def test_events_file_holds_events_and_alarm_steps_in_time_order(exported, scenario_log):
    sid = scenario_log.facts.ids["surge"]
    rows = read(exported["events"])
    db = sqlite3.connect(scenario_log.path)
    events, steps = (db.execute(f"SELECT count(*) FROM {t} WHERE session_id = ?", [sid]).fetchone()[0]
                     for t in ("events", "alarm_events"))
    assert len(rows) == events + steps
    assert sum(r["source"] == "event" for r in rows) == events
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    surge = [(r["at"], r["transition"], r["priority"], r["actor"]) for r in rows
             if r["condition"] == "bp_systolic_high" and r["value"] in ("182", "186")]
    assert surge == [
        ("2026-03-02T09:35:00.000Z", "raised", "medium", "engine"),
        ("2026-03-02T09:35:30.000Z", "acknowledged", "medium", "nurse.ana"),
        ("2026-03-02T09:40:00.000Z", "reminded", "medium", "engine"),
        ("2026-03-02T09:40:00.000Z", "escalated", "high", "engine"),
        ("2026-03-02T09:40:20.000Z", "acknowledged", "high", "nurse.ana"),
        ("2026-03-02T09:45:00.000Z", "reminded", "high", "engine"),
        ("2026-03-02T09:45:10.000Z", "cleared", "high", "engine"),   # back inside 10 s
    ]
    raised = next(r for r in rows if r["transition"] == "raised" and r["value"] == "182")
    assert raised["threshold"] == "≥180 or ≥40 above baseline"          # UTF-8 round trip
    # Every row names its row in the log, alarm steps too: "alarm_events row 35" in verify's
    # words is found in the file (QA: the alarm rows' row column was empty).
    logged = {r[0]: (r[1], r[2]) for r in db.execute(
        "SELECT id, transition, at FROM alarm_events WHERE session_id = ?", [sid])}
    alarm_rows = [r for r in rows if r["source"] == "alarm"]
    assert sorted(int(r["row"]) for r in alarm_rows) == sorted(logged)
    assert all(logged[int(r["row"])][0] == r["transition"] for r in alarm_rows)
    note = next(r for r in rows if r["kind"] == "note")
    # The text has a comma: quoted on disk, whole when read back.
    assert note["text"] == "Note: Prescriber informed of BP 186/100, infusion continued"
    assert '"Note: Prescriber informed of BP 186/100, infusion continued"' in \
        exported["events"].read_text(encoding="utf-8-sig")
    override = next(r for r in rows if r["kind"] == "override")
    assert '"reason":"Dr Lee reviewed: BP settled, patient alert"' in override["detail"]


def test_export_needs_the_observations_loaded(scenario_log, tmp_path):
    conn = open_readonly(scenario_log.path)
    detail = load_session(conn, scenario_log.facts.ids["surge"])
    with pytest.raises(ValueError, match="with_observations=True"):
        write_session_csv(detail, tmp_path)
