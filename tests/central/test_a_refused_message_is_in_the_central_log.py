"""A message the central refuses (a garbled status, a status of a newer version, a trend that is
not one) is written to the central log (a `refused` row: its chair, topic and reason), readable
after a restart: clinic IT looking into why a chair went "no connection" finds that its
statuses came and why they were refused. One chair sending the same garbage every second writes
its first refusal at once, then how many more came, at most once every REFUSED_LOG_S.

A review: a refused message only raised "Ignored messages: N", its tooltip the last reason
alone; nothing went into the central's log nor its stderr."""

from __future__ import annotations

import json

from console.central.board import REFUSED_LOG_S
from console.central.central_log import CentralLog
from tests.central.helpers import Central, MemoryLog

GARBLED = b'{"v":1,"online":tr'
CHAIR2 = "infusion/chair/chair-2/status"


def _refused(rows) -> list[tuple[str, dict]]:
    return [(r.chair, json.loads(r.payload)) for r in rows if r.kind == "refused"]


def test_refused_statuses_are_in_the_central_log_after_a_restart(tmp_path):
    path = tmp_path / "central.sqlite3"
    log = CentralLog.open(path)
    try:
        central = Central(log)
        chair = central.chair("chair-1", "Room 1")
        chair.start_infusion()
        central.t(60)
        topic, payload = chair.status()
        obj = json.loads(payload)
        obj["v"] = 2
        central.board.receive(topic, json.dumps(obj).encode(), central.now())
        central.board.receive(CHAIR2, GARBLED, central.now())
        assert central.board.ignored == 2
    finally:
        log.close()

    reopened = CentralLog.open(path)   # the station restarted
    try:
        refused = _refused(reopened.received())
    finally:
        reopened.close()
    assert [chair for chair, _ in refused] == ["chair-1", "chair-2"]
    (_, newer), (_, garbled) = refused
    assert newer["topic"] == "infusion/chair/chair-1/status"
    assert "status version 2" in newer["reason"] and newer["count"] == 1
    assert garbled["topic"] == CHAIR2
    assert "not a status of this schema" in garbled["reason"] and garbled["count"] == 1


def test_a_chair_sending_garbage_every_second_writes_its_first_then_a_count():
    central = Central(MemoryLog())
    for second in range(0, 3600):   # an hour of one garbled status a second
        central.t(second)
        central.board.receive(CHAIR2, GARBLED, central.now())
    central.t(3600 + REFUSED_LOG_S)   # the last count written once its period is over

    rows = [json.loads(r[4]) for r in central.log.received if r[2] == "refused"]
    assert rows[0]["count"] == 1
    assert sum(row["count"] for row in rows) == 3600   # every one counted
    assert len(rows) <= 1 + 3600 / REFUSED_LOG_S + 1   # the first, then one count a period
    assert all(r[1] == "chair-2" for r in central.log.received if r[2] == "refused")
    assert central.board.ignored == 3600


def test_each_chair_and_reason_has_its_own_first_row():
    central = Central(MemoryLog())
    central.board.receive(CHAIR2, GARBLED, central.now())
    central.board.receive(CHAIR2, GARBLED, central.now())
    central.board.receive("infusion/chair/chair-3/status", GARBLED, central.now())
    central.board.receive(CHAIR2, b'{"v":1,"chair":"chair-2"}', central.now())
    rows = [(r[1], json.loads(r[4])["reason"]) for r in central.log.received
            if r[2] == "refused"]
    assert [chair for chair, _ in rows] == ["chair-2", "chair-3", "chair-2"]
    assert "online true/false" in rows[2][1]
