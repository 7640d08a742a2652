"""The review's "Vitals at each check" (screen and PDF) left out the monitor's cuff that met a
scheduled check when the nurse typed something else within 10 minutes after it: a high 196/104,
whose alarm the session raised, was in no row because an RR and a MOAA/S typed at 09:45 (for the
"RR and sedation" check) counted as answering the infusion's "BP, HR and SpO2" check due at
09:35 (a clinician's review). A check is answered only by typed values of what it asks for."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.review import content as rc
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.vitals import metric
from tests.review.scenarios import CHANNELS, MONITOR, Driver

IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")


def _session(path: Path) -> int:
    """T0 09:05; the monitor's HR and SpO2 each minute and its cuff every 10 min from 09:15
    (196/104 at 09:35); the nurse types RR and MOAA/S at 09:15, 09:30 and 09:45."""
    log = EventLog.open(path, "test")
    try:
        r = Driver(log, "iv-ketamine", "MRN-V1", 72.0, "nurse.ana",
                   datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)

        def cuff(systolic: float, diastolic: float) -> None:
            now = r.clock.now()
            for name, value in (("bp_systolic", systolic), ("bp_diastolic", diastolic)):
                r.engine.ingest(Reading(name, value, metric(name).unit, now.wall, now.wall,
                                        MONITOR, CHANNELS[name], flags=frozenset({"NIBP"})), now)

        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()                                   # T0 09:05
        cuffs = {15: (145, 85), 25: (150, 86), 35: (196, 104), 45: (150, 84)}
        for minute in range(6, 46):
            r.at(minute)
            r.device(heart_rate=74, spo2=97)                   # the monitor's HR and SpO2
            if minute in cuffs:
                cuff(*cuffs[minute])                           # the monitor's cuff
            if minute in (15, 30, 45):
                r.manual(resp_rate=14, moaas=5)                # "RR and sedation", typed
        return r.id
    finally:
        log.close()


def test_a_checks_cuff_stands_in_the_vitals_table_beside_other_typed_values(
        tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    sid = _session(path)
    conn = open_readonly(path)
    try:
        detail = load_session(conn, sid)
    finally:
        conn.close()
    # The session's own record has the 196/104 of 09:35, and its alarm.
    assert 196.0 in detail.vitals["bp_systolic"].values
    assert any(a.condition.startswith("bp_systolic") for a in detail.alarms)
    rows = [(r[0], r[2], r[-1]) for r in rc.vital_rows(detail, UTC, IV)]
    # The "BP, HR and SpO2" check due at 09:35 has its row, with the cuff that met it; the
    # typed RR rows stay where they were typed.
    assert ("09:35", "196/104", "device (scheduled check)") in rows, rows
    assert [at for at, _, why in rows if why.startswith("manual")] == [
        "09:00", "09:15", "09:30", "09:45"], rows
