"""SCHEMA.md's example query for high-alarm response gives, for a log the real engine wrote, the
rows the review reports ("→ HIGH at" and "To ack", console/review): the audit found the query
(the `alarms` view's raised-to-first-acknowledgement figure for every `high` row) wrong four ways.

The log, one clinical session (09:00 UTC) and one demonstration session:

    occurrence  what happened                                               the review's "To ack"
    spo2 86     high at 09:01, acknowledged 09:01:42                        42 s
    systolic    185 medium 09:05, acknowledged 09:05:10 (at medium); the    25 s
                repeat 186 escalated it to HIGH 09:10, acknowledged 09:10:25
    MOAA/S 1    a mis-click, high 09:25, acknowledged 09:25:15, taken back  (not the patient's:
                as entered in error 09:25:30                                 left out)
    spo2 87     high 09:30, back to 96 at 09:34 unseen: latched; the        10:00 min (reset)
                nurse's acknowledge at 09:40 reset it
    demo spo2   demo session, high, acknowledged after 30 s                 (demo: left out)

The query is read from SCHEMA.md itself, so the page is what is tested.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.clock import ManualClock, Moment
from console.review.content import ALARM_COLUMNS, alarm_rows, seconds_to_ack
from console.review.model import ENTERED_IN_ERROR, SessionFilter
from console.review.queries import list_sessions, load_session, open_readonly
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from console.store.schema import guard_problems
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, load_protocol

SCHEMA_MD = Path(__file__).resolve().parents[2] / "console" / "store" / "SCHEMA.md"
INTRO = "High-alarm response:"

# The query as the audit found it in SCHEMA.md (kept to show what the log's traps did to it).
OLD_QUERY = """SELECT session_id, condition, raised_at, acknowledged_at, seconds_to_acknowledge, message
FROM alarms
WHERE priority = 'high'
ORDER BY seconds_to_acknowledge DESC;"""


def documented_query() -> str:
    """The first SQL block after the paragraph that starts with INTRO."""
    text = SCHEMA_MD.read_text(encoding="utf-8")
    assert text.count(INTRO) == 1
    [query] = re.findall(r"```sql\n(.*?)```", text[text.index(INTRO):], re.S)[:1]
    return query


class Chair:
    """One session on the shared log, its clock moved in minutes from its start."""

    def __init__(self, log: EventLog, start: datetime, patient: str, demo: bool = False) -> None:
        self.clock = ManualClock(start)
        protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
        self.engine = SessionEngine.open(protocol, log, Patient(patient, 72.0), "nurse.ana",
                                         self.clock.now(), demo=demo)
        self.origin = self.clock.now().mono

    def at(self, minutes: float) -> Moment:
        return self.clock.advance(self.origin + minutes * 60 - self.clock.now().mono)

    def spo2(self, value: float, minutes: float) -> None:
        now = self.at(minutes)
        assert self.engine.ingest_message(
            [Reading("spo2", value, "%", now.wall, now.wall, "hl7:MON")], now)

    def typed(self, name: str, value: float, minutes: float) -> int:
        row = self.engine.enter_manual_row(name, value, "nurse.ana", self.at(minutes))[1]
        assert row is not None
        return row

    def ack(self, minutes: float) -> None:
        assert self.engine.acknowledge_all("nurse.bea", self.at(minutes)).done

    def tick(self, minutes: float) -> None:
        self.engine.tick(self.at(minutes))


def build(path: Path) -> dict[str, int]:
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        c = Chair(log, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "MRN-31")
        c.spo2(97, 0.5)
        c.spo2(86, 1); c.ack(1.7); c.spo2(97, 2); c.tick(2.5)             # ordinary: 42 s
        c.typed("bp_systolic", 185, 5); c.ack(5 + 10 / 60)                # acknowledged at medium
        c.typed("bp_systolic", 186, 10); c.ack(10 + 25 / 60)              # HIGH 09:10, 25 s
        c.typed("bp_systolic", 140, 12); c.tick(12.5)
        moaas = c.typed("moaas", 1, 25); c.ack(25.25)                     # a mis-click
        assert c.engine.void(moaas, "moaas", "nurse.ana", c.at(25.5), "clicked 1 for 4").done
        c.spo2(87, 30); c.spo2(96, 34); c.ack(40)                         # latched, reset
        d = Chair(log, datetime(2026, 3, 3, 11, 0, tzinfo=UTC), "DEMO-1", demo=True)
        d.spo2(97, 0.5); d.spo2(85, 1); d.ack(1.5)
        return {"clinical": c.engine.session_id, "demo": d.engine.session_id}
    finally:
        log.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("high-alarm-response") / "log.sqlite3"
    return path, build(path)


COLUMNS = ("session_id", "occurrence", "condition", "raised_at", "high_at", "answered_at",
           "answered_by", "actor", "seconds_to_respond", "message")


def run(path: Path, query: str, columns: tuple[str, ...] | None = None
        ) -> list[tuple[object, ...]]:
    """The query's rows; with `columns`, first checks it returns those columns."""
    conn = open_readonly(path)
    try:
        cursor = conn.execute(query)
        if columns is not None:
            assert tuple(d[0] for d in cursor.description) == columns
        return [tuple(r) for r in cursor]
    finally:
        conn.close()


def t(hour: int, minute: int, second: int = 0) -> str:
    return f"2026-03-02T{hour:02}:{minute:02}:{second:02}.000Z"


def review_responses(path: Path) -> list[tuple[object, ...]]:
    """What the review reports for every high alarm of the sessions it lists (demo ones are not
    listed), an alarm raised by a value entered in error aside: (session, occurrence, condition,
    → HIGH at, answered at, acknowledged/reset, by, seconds). Each figure is also checked against
    the "To ack" cell the review screen shows."""
    conn = open_readonly(path)
    try:
        details = [load_session(conn, s.id) for s in list_sessions(conn, SessionFilter())]
    finally:
        conn.close()
    out = []
    for detail in details:
        cells = {r.episode.occurrence: dict(zip(ALARM_COLUMNS, r.cells, strict=True))
                 for r in alarm_rows(detail, UTC)}
        for e in detail.alarms:
            if e.priority != "high" or e.taken_back == ENTERED_IN_ERROR:
                continue
            answer = e.response or e.response_reset
            seconds = (None if answer is None
                       else round((answer.at - e.highest_at).total_seconds(), 3))
            if answer is e.response:
                assert seconds == e.response_seconds
            shown = seconds_to_ack(seconds) + (" (reset)" if answer is not None
                                               and answer.transition == "reset" else "")
            assert cells[e.occurrence]["To ack"] == shown
            out.append((detail.summary.id, e.occurrence, e.condition, e.highest_at,
                        answer.at if answer else None, answer.transition if answer else None,
                        answer.actor if answer else None, seconds))
    return out


def as_review(row: tuple[object, ...]) -> tuple[object, ...]:
    """A row of the documented query in the review's terms (the columns it reports)."""
    session, occurrence, condition, _raised, high_at, answered_at, by, actor, seconds, _ = row
    parse = datetime.fromisoformat
    return (session, occurrence, condition, parse(str(high_at)),
            parse(str(answered_at)) if answered_at else None, by, actor, seconds)


def test_the_log_holds_the_four_cases_the_old_query_got_wrong(built):
    path, ids = built
    clinical, demo = ids["clinical"], ids["demo"]
    assert run(path, OLD_QUERY) == [
        (clinical, "spo2_low", t(9, 1), t(9, 1, 42), 42.0, "SpO2 86 %, limit ≤90"),
        # (a) the demonstration session's alarm
        (demo, "spo2_low", "2026-03-03T11:01:00.000Z", "2026-03-03T11:01:30.000Z", 30.0,
         "SpO2 85 %, limit ≤90"),
        # (c) the mis-clicked MOAA/S, taken back as entered in error
        (clinical, "moaas_low", t(9, 25), t(9, 25, 15), 15.0,
         "Sedation (MOAA/S) 1 score, limit ≤1"),
        # (b) timed from the medium raise to the acknowledgement at medium: 10 s, not 25 s
        (clinical, "bp_systolic_high", t(9, 5), t(9, 5, 10), 10.0,
         "Systolic BP 185 mmHg, limit ≥180 or ≥40 above baseline"),
        # (d) the latched alarm reset at 09:40 reads as never acknowledged
        (clinical, "spo2_low", t(9, 30), None, None, "SpO2 87 %, limit ≤90"),
    ]


def test_the_documented_query_gives_what_the_review_reports(built):
    path, ids = built
    clinical = ids["clinical"]
    rows = run(path, documented_query(), COLUMNS)
    assert [(r[0], r[2], r[4], r[5], r[6], r[7], r[8]) for r in rows] == [
        (clinical, "spo2_low", t(9, 30), t(9, 40), "reset", "nurse.bea", 600.0),
        (clinical, "spo2_low", t(9, 1), t(9, 1, 42), "acknowledged", "nurse.bea", 42.0),
        (clinical, "bp_systolic_high", t(9, 10), t(9, 10, 25), "acknowledged", "nurse.bea",
         25.0),
    ]
    assert sorted(map(as_review, rows)) == sorted(review_responses(path))


def test_one_session_and_per_session_figures_as_the_page_says(built):
    path, ids = built
    query = documented_query().rstrip().rstrip(";")
    one = query.replace("WHERE s.demo = 0", f"WHERE s.demo = 0 AND x.session_id = {ids['demo']}")
    assert one != query and run(path, one) == []
    assert run(path, "SELECT session_id, count(*), count(answered_at), max(seconds_to_respond) "
                     f"FROM ({query}) GROUP BY session_id") == [(ids["clinical"], 3, 3, 600.0)]


def test_the_alarms_view_is_still_as_the_migrations_made_it(built):
    path, _ = built
    conn = sqlite3.connect(path)
    try:
        assert guard_problems(conn) == []
    finally:
        conn.close()
