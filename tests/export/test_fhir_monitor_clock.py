"""The FHIR export dates a monitor's readings as the trend places them: a monitor whose clock is
more than 60 s off has its values dated when the console received them, its own time in a note.

Review: the Bundle dated each reading by the monitor's measured time whatever it was: a monitor
2 h behind filed the patient's heart rate and SpO2 at 07:10, before the Encounter began at 09:00;
one whose clock was reset filed them in 2000. The review, the PDF and every trend place them at
their arrival (console/session/trend_feed.py, README "A cuff reading delivered late ...").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

fhir_resources = pytest.importorskip("fhir.resources")
from fhir.resources.bundle import Bundle  # noqa: E402

from console.export.fhir import build_bundle  # noqa: E402
from console.review.queries import load_session, open_readonly  # noqa: E402
from console.store import EventLog  # noqa: E402
from devices.reading import Reading  # noqa: E402
from protocols.vitals import metric  # noqa: E402
from tests.review.scenarios import MONITOR, Driver  # noqa: E402

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RESET = datetime(2000, 1, 1, tzinfo=UTC)


def _bundle(path: Path, stamp, nibp_late: timedelta = timedelta(0),
            corrected: float | None = None) -> dict:
    """A session whose monitor sends HR and SpO2 at 09:10-09:12 and a cuff BP at 09:20, each
    stamped `stamp(received)` (the cuff's minus `nibp_late`: delivered after it was taken), and
    a respiratory rate at 09:15 that the nurse corrects to `corrected` at 09:30 (when given)."""
    with EventLog.open(path, "t", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", "MRN-CLK", 72.0, "nurse.ana", START, 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
        r.tick_required()
        r.at(5)
        r.advance()

        def send(values, late=timedelta(0)):
            now = r.clock.now()
            assert r.engine.ingest_message(
                [Reading(name, value, metric(name).unit, stamp(now.wall) - late, now.wall,
                         MONITOR, "") for name, value in values], now)

        for minute in (10, 11, 12):
            r.at(minute)
            send((("heart_rate", 82), ("spo2", 96)))
        if corrected is not None:
            r.at(15)
            now = r.clock.now()
            row = r.engine.ingest(Reading("resp_rate", 9, metric("resp_rate").unit,
                                          stamp(now.wall), now.wall, MONITOR, ""), now)
            assert row is not None
        r.at(20)
        send((("bp_systolic", 131), ("bp_diastolic", 83)), nibp_late)
        if corrected is not None:
            r.at(30)
            assert r.engine.correct(row, "resp_rate", corrected, r.nurse, r.clock.now(),
                                    reason="counted by hand")
        r.at(50)
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="test").done
        session = r.id
    conn = open_readonly(path)
    try:
        return build_bundle(load_session(conn, session, with_observations=True))
    finally:
        conn.close()


def _from_monitor(bundle: dict) -> list[dict]:
    return [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Observation" and "device" in e["resource"]]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(("stamp", "said"), [
    (lambda at: at - timedelta(hours=2), "Monitor clock 2 h behind the console's"),
    (lambda at: RESET + (at - START), "Monitor clock 9557 days behind the console's"),
    (lambda at: at + timedelta(minutes=8), "Monitor clock 8 min ahead of the console's"),
], ids=["2 h behind", "reset to 2000", "8 min ahead"])
def test_a_monitor_whose_clock_is_off_has_its_readings_dated_when_they_arrived(
        tmp_path, stamp, said):
    bundle = _bundle(tmp_path / "s.sqlite3", stamp)
    Bundle.parse_obj(bundle)
    (encounter,) = [e["resource"] for e in bundle["entry"]
                    if e["resource"]["resourceType"] == "Encounter"]
    start, end = _at(encounter["period"]["start"]), _at(encounter["period"]["end"])
    readings = _from_monitor(bundle)
    # HR and SpO2 three times, and the cuff's panel.
    assert len(readings) == 7
    for o in readings:
        # Within the Encounter, at the time the console received it (`issued`) ...
        assert start <= _at(o["effectiveDateTime"]) <= end, o
        assert o["effectiveDateTime"] == o["issued"]
        # ... and the monitor's own time is kept, said in words an EHR shows.
        (note,) = o["note"]
        monitor_time = stamp(_at(o["issued"]))
        assert note["text"] == (f"{said}: dated when the console received it (the monitor's "
                                f"time {monitor_time.isoformat(timespec='milliseconds')})")
    panel = next(o for o in readings if "component" in o)
    assert panel["effectiveDateTime"].startswith("2026-03-02T09:20:00")


def test_a_monitor_with_a_right_clock_keeps_its_cuff_time_and_no_clock_note(tmp_path):
    """A cuff measurement delivered 2 minutes after it was taken (its clock right: HR and SpO2
    arrive when measured) stays at its measured time, as the trend draws it."""
    bundle = _bundle(tmp_path / "s.sqlite3", lambda at: at, nibp_late=timedelta(minutes=2))
    readings = _from_monitor(bundle)
    assert len(readings) == 7
    assert not [o for o in readings if "note" in o]
    panel = next(o for o in readings if "component" in o)
    assert panel["effectiveDateTime"] == "2026-03-02T09:18:00.000+00:00"
    assert panel["issued"] == "2026-03-02T09:20:00.000+00:00"


def test_a_correction_of_such_a_reading_stands_where_the_reading_is_dated(tmp_path):
    """The nurse's correction stands for the measurement it corrects: at the monitor's value's
    arrival too, not at the monitor's wrong time."""
    bundle = _bundle(tmp_path / "s.sqlite3", lambda at: at - timedelta(hours=2), corrected=14)
    Bundle.parse_obj(bundle)
    rr = [o for o in bundle["entry"] if o["resource"]["resourceType"] == "Observation"
          and o["resource"]["code"]["coding"][0]["code"] == "9279-1"
          and o["resource"]["effectiveDateTime"] > "2026-03-02T09:05"]
    wrong, right = (o["resource"] for o in rr)
    assert (wrong["status"], right["status"]) == ("entered-in-error", "corrected")
    assert wrong["effectiveDateTime"] == right["effectiveDateTime"] == (
        "2026-03-02T09:15:00.000+00:00")
    assert right["issued"] == "2026-03-02T09:30:00.000+00:00"
