"""De-identified exports hold no identifier, yet keep the clinical story (values and intervals)."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from console.export.csv_export import (
    EVENT_COLUMNS,
    OBSERVATION_COLUMNS,
    event_rows,
    observation_rows,
    write_session_csv,
)
from console.export.deidentify import (
    HANDLED,
    REDACTED,
    deidentify,
    pseudonym,
    shift_for,
)
from console.export.fhir import write_session_fhir
from console.export.rems import write_rems
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from devices.reading import Reading
from protocols.vitals import metric
from tests.review.logged_session import logged_session

KEY = b"clinic secret for tests"
# Everything that identifies a person, a device or a date in the scenario sessions.
IDENTIFIERS = ("MRN-4711", "MRN-5820", "mrn-9999", "nurse.ana", "nurse.ben",
               "AcmeInc", "ACDE48234567ABCD", "2026-03-0", "2026-03-1", "Dr Lee",
               "typed 250", "Prescriber informed", "lot 4711A", "Dr Kim")


@pytest.fixture
def loaded(scenario_log):
    conn = open_readonly(scenario_log.path)
    details = {label: load_session(conn, sid, with_observations=True)
               for label, sid in scenario_log.facts.ids.items()}
    conn.close()
    return details


def everything(obj) -> str:
    """Every value inside a read-model object, as text (datetimes in ISO form)."""
    if dataclasses.is_dataclass(obj):
        return " ".join(everything(getattr(obj, f.name)) for f in dataclasses.fields(obj))
    if isinstance(obj, dict):
        return " ".join(f"{everything(k)} {everything(v)}" for k, v in obj.items())
    if isinstance(obj, list | tuple):
        return " ".join(everything(v) for v in obj)
    return obj.isoformat() if hasattr(obj, "isoformat") else str(obj)


def assert_clean(text: str) -> None:
    found = [i for i in IDENTIFIERS if i.lower() in text.lower()]
    assert found == []


@pytest.mark.parametrize("label", ["surge", "esketamine", "open"])
def test_the_deidentified_detail_holds_no_identifier(loaded, label):
    original = loaded[label]
    assert_clean(everything(deidentify(original, KEY)))
    assert "MRN" in everything(original).upper()          # the check can fail


def test_every_export_of_a_deidentified_session_is_clean(loaded, tmp_path):
    for label in ("surge", "esketamine"):
        clean = deidentify(loaded[label], KEY)
        paths = list(write_session_csv(clean, tmp_path / label).values())
        write_session_fhir(clean, tmp_path / f"{label}.json", pseudonymised=True)
        paths.append(tmp_path / f"{label}.json")
        if label == "esketamine":   # the form goes under the patient's identity: none written
            with pytest.raises(ValueError, match="would be a wrong form"):
                write_rems(clean, tmp_path / "rems.txt")
            assert not (tmp_path / "rems.txt").exists()
        for path in paths:
            assert_clean(path.read_text(encoding="utf-8-sig"))
    bundle = json.loads((tmp_path / "surge.json").read_text(encoding="utf-8"))
    assert bundle["meta"]["security"][0]["code"] == "PSEUDED"


def test_values_and_intervals_stay_true(loaded):
    original = loaded["surge"]
    clean = deidentify(original, KEY)
    shift = shift_for(KEY)
    assert shift <= -timedelta(weeks=52) and shift.days % 7 == 0 and shift.seconds == 0
    s, c = original.summary, clean.summary
    assert c.started_at == s.started_at + shift
    assert c.started_at.weekday() == s.started_at.weekday()
    assert c.started_at.time() == s.started_at.time()
    assert c.duration == s.duration and c.ended_at - c.started_at == s.ended_at - s.started_at
    assert clean.t0 - c.started_at == original.t0 - s.started_at
    for name, series in original.vitals.items():
        assert clean.vitals[name].values == series.values
        assert clean.vitals[name].seconds == series.seconds
    assert [(a.condition, a.priority, a.seconds_to_acknowledge) for a in clean.alarms] == [
        (a.condition, a.priority, a.seconds_to_acknowledge) for a in original.alarms]
    assert clean.details["dose_mg"] == original.details["dose_mg"]
    assert [o.value for o in clean.observations] == [o.value for o in original.observations]


def test_people_devices_and_free_text_are_replaced_consistently(loaded):
    clean = deidentify(loaded["surge"], KEY)
    assert clean.summary.nurse == "staff-1"
    assert {t.who for t in clean.ticks} == {"staff-1"}
    assert {o.entered_by for o in clean.observations} == {"staff-1", "engine"}
    assert {o.source for o in clean.observations} == {"manual", "device-1"}
    assert [n.text for n in clean.notes] == [REDACTED]
    assert [o.reason for o in clean.overrides] == [REDACTED]
    assert [g.decision for g in clean.gate_decisions] == [REDACTED]
    assert [c.reason for c in clean.corrections] == [REDACTED]
    # Console texts that name no one stay readable.
    assert clean.overrides[0].blockers == ("Observation must last 5:00 min more",)
    assert clean.alarms[0].message == loaded["surge"].alarms[0].message
    # A ticked item's text is the protocol's (the events CSV's "Ticked: ..."); a note's is not.
    original = {e.id: e for e in loaded["surge"].events}
    ticked = [e for e in clean.events if e.kind == "checklist_ticked"]
    assert ticked and all(e.detail["text"] == original[e.id].detail["text"] != REDACTED
                          for e in ticked)
    assert all(e.detail["text"] == REDACTED for e in clean.events if e.kind == "note")


def test_the_pseudonym_is_keyed(loaded):
    a = deidentify(loaded["surge"], KEY).summary.patient_id
    again = deidentify(loaded["quiet"], KEY).summary.patient_id
    other_key = deidentify(loaded["surge"], b"another clinic").summary.patient_id
    unkeyed = deidentify(loaded["surge"]).summary.patient_id
    assert a == again == pseudonym("MRN-4711", KEY)      # one patient's course stays linked
    assert a.startswith("anon-") and len(a) == 15
    assert len({a, other_key, unkeyed}) == 3


def test_every_record_type_of_the_read_model_is_handled():
    # A record type added to SessionDetail needs a de-identification rule.
    from console.review import model

    used = {f.type for f in dataclasses.fields(SessionDetail)}
    names = {cls.__name__ for cls in HANDLED}
    for cls in vars(model).values():
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__name__ in " ".join(
                map(str, used)):
            assert cls.__name__ in names, f"deidentify does not handle {cls.__name__}"


def test_a_handover_a_central_nurse_and_a_monitor_port_are_not_in_a_deidentified_export(tmp_path):
    """The list of keys to remove let through a handover's two nurses, the central station's
    nurse and station, and a monitor's port (its adapter's serial number) into the events CSV
    (the data-path audit). Only the console's own words are kept now."""
    from datetime import UTC, datetime

    from console.clock import ManualClock
    from console.session.engine import Patient, SessionEngine
    from console.store import EventLog
    from devices.reading import Reading
    from protocols.loader import builtin_protocols_dir, load_protocol

    port = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A9K3QX7T-if00-port0"
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"), log,
                                Patient("MRN-4711", 72.0), "Margarethe Oppenheimer", clock.now())

    def monitor(name: str, value: float) -> Reading:
        now = clock.now()
        return Reading(name, value, "beats/min" if name == "heart_rate" else "%", now.wall,
                       now.wall, "hl7:ACME^0001^EUI-64")

    engine.ingest_message([monitor("heart_rate", 70)], clock.advance(60),
                          dropped={"unknown-code": 1}, example="OBX|1|NM|999^X", device=port)
    assert engine.hand_over("Bartholomew Quist", clock.advance(60)).done
    engine.ingest_message([monitor("spo2", 84)], clock.advance(60))
    occurrence = next(o for o in engine.alarms() if o.condition == "spo2_low")
    assert engine.acknowledge_from_central(occurrence.id, "Cordelia Vantongeren", "desk-2",
                                           "desk-2-abc-1", clock.advance(5)).done
    session = engine.session_id
    log.close()
    conn = open_readonly(tmp_path / "log.sqlite3")
    clean = deidentify(load_session(conn, session, with_observations=True), KEY)
    conn.close()
    paths = list(write_session_csv(clean, tmp_path / "csv").values())
    write_session_fhir(clean, tmp_path / "session.json", pseudonymised=True)
    text = " ".join(p.read_text(encoding="utf-8-sig")
                    for p in [*paths, tmp_path / "session.json"])
    for name in ("Margarethe", "Bartholomew", "Cordelia", "A9K3QX7T", "desk-2", "MRN-4711"):
        assert name not in text, name
    events = next(p for p in paths if "events" in p.name).read_text(encoding="utf-8-sig")
    assert "handed_over" in events and "staff-" in events   # the story stays, the names go


def events_csv(detail: SessionDetail) -> list[dict[str, str]]:
    """The events CSV's rows, by column name."""
    return [dict(zip(EVENT_COLUMNS, row)) for row in event_rows(detail)]


def observations_csv(detail: SessionDetail) -> list[dict[str, str]]:
    """The observations CSV's rows, by column name."""
    return [dict(zip(OBSERVATION_COLUMNS, row)) for row in observation_rows(detail)]


def monitor_reading(clock, name: str, value: float, source: str) -> Reading:
    now = clock.now()
    return Reading(name, value, metric(name).unit, now.wall, now.wall, source)


def test_a_monitor_change_names_its_monitors_as_the_observations_do(tmp_path):
    # Before: `from` and `to` were person keys in every event, so the events CSV read the change
    # from staff-2 to staff-3 while the observations named the monitors device-1 and device-2,
    # and the nurse taking over afterwards was staff-4.
    s = logged_session(tmp_path, nurse="nurse.ana")
    s.engine.ingest(monitor_reading(s.clock, "heart_rate", 72, "hl7:AcmeInc^ACDE48234567ABCD"),
                    s.clock.advance(60))
    s.engine.ingest(monitor_reading(s.clock, "heart_rate", 118, "hl7:OtherCo^0011223344556677"),
                    s.clock.advance(2))
    assert s.engine.hand_over("nurse.ben", s.clock.advance(60)).done
    clean = deidentify(s.detail(with_observations=True), KEY)
    sources = {row["source"] for row in observations_csv(clean)}
    details = {row["kind"]: json.loads(row["detail"]) for row in events_csv(clean)
               if row["kind"] in ("monitor_changed", "handed_over")}
    assert sources == {"device-1", "device-2"}
    assert details == {"monitor_changed": {"from": "device-1", "to": "device-2"},
                       "handed_over": {"from": "staff-1", "to": "staff-2"}}


def test_a_nurse_acknowledging_at_a_central_station_is_one_staff_member(tmp_path):
    # Before: the alarm's step named "Bo Central (at central Station 3)" staff-2 and the event's
    # `by` "Bo Central" staff-3: the CSV's alarm row and event row disagreed on who acknowledged.
    s = logged_session(tmp_path, nurse="nurse.ana")
    s.engine.ingest(monitor_reading(s.clock, "spo2", 80, "hl7:MON"), s.clock.advance(60))
    alarm = next(a for a in s.engine.alarms() if a.condition == "spo2_low")
    assert s.engine.acknowledge_from_central(alarm.id, "Bo Central", "Station 3", "C-1",
                                             s.clock.advance(5)).done
    rows = events_csv(deidentify(s.detail(), KEY))
    (event,) = [r for r in rows if r["kind"] == "acknowledged_at_central"]
    (step,) = [r for r in rows if r["kind"] == "alarm_acknowledged"]
    # The station's name is removed from both, as from every event's detail.
    assert json.loads(event["detail"])["by"] == "staff-2"
    assert step["actor"] == f"staff-2 (at central {REDACTED})"
    assert "Bo Central" not in str(rows) and "Station 3" not in str(rows)


def test_a_name_inside_an_alarm_message_is_numbered_in_a_deidentified_export(tmp_path):
    """An alarm ended by taking its value back says who did: "(its value was entered in error,
    by Ben Okafor, RN)" stood in a de-identified events CSV (a clinician's audit)."""
    from datetime import UTC, datetime

    from console.clock import ManualClock
    from console.session.engine import Patient, SessionEngine
    from console.store import EventLog
    from protocols.loader import builtin_protocols_dir, load_protocol

    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"), log,
                                Patient("MRN-4711", 72.0), "Ben Okafor, RN", clock.now())
    engine.enter_manual("heart_rate", 72, "Ben Okafor, RN", clock.advance(60))
    _, row = engine.enter_manual_row("heart_rate", 190, "Ben Okafor, RN", clock.advance(60),
                                     confirmed=True)
    assert row is not None and engine.alarms()
    assert engine.void(row, "heart_rate", "Ben Okafor, RN", clock.advance(30), "wrong box").done
    session = engine.session_id
    log.close()
    conn = open_readonly(tmp_path / "log.sqlite3")
    loaded_detail = load_session(conn, session, with_observations=True)
    conn.close()
    assert any("by Ben Okafor, RN" in s.message for a in loaded_detail.alarms for s in a.steps)
    clean = deidentify(loaded_detail, KEY)
    paths = list(write_session_csv(clean, tmp_path / "csv").values())
    text = " ".join(p.read_text(encoding="utf-8-sig") for p in paths)
    assert "Okafor" not in text
    assert "its value was entered in error, by staff-1" in text


def test_the_local_time_of_day_is_kept_across_a_change_of_summer_time(loaded):
    # A records audit: a Friday 09:30 CET session exported as "Fri 23 Aug 2024 10:30": whole
    # weeks keep the UTC time, and its summer date is an hour ahead locally.
    from zoneinfo import ZoneInfo

    from console.review import content as rc

    berlin = ZoneInfo("Europe/Berlin")
    original = loaded["surge"]
    start = original.summary.started_at
    winter = start.astimezone(berlin).utcoffset()
    weeks = next(-timedelta(weeks=w) for w in range(52, 160)
                 if (start - timedelta(weeks=w)).astimezone(berlin).utcoffset() != winter)
    clean = deidentify(original, KEY, shift=weeks, tz=berlin)
    was, now = rc.local(start, berlin), rc.local(clean.summary.started_at, berlin)
    assert (now.weekday(), now.time()) == (was.weekday(), was.time())
    assert clean.t0 - clean.summary.started_at == original.t0 - start
