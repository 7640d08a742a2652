"""P11, the backlog after a broker outage: 20 chairs' messages of a 30-minute outage (about 36,000)
delivered within 30 s of the broker's return, none lost (the issue's "none shown twice" is not
judged: see the end of this docstring).

The clinic of P9 (benchmarks/p9_central_alarm.py): a real Mosquitto, the real central station in
its own process (persistent session), and 20 chair processes (benchmarks/clinic_chair.py), each
fed by its own monitor on a pty (PCD-01 over MLLP, one message a second).

1. Every chair connected and shown at the central; the broker saves its state (as the clinic's
   configuration does every 60 s: `autosave_interval 60` in console/network/broker_setup.py; so
   the central's persistent session survives the crash) and is then killed (SIGKILL).
2. Each chair's monitor sends 30 minutes of 1 Hz messages (1,800, stamped one second apart over
   the last 30 minutes) **as fast as the chair takes them**, not in 30 real minutes: each message
   is written once the console has acknowledged the one before (an HL7 sender waiting for its
   ACK), so each is its own commit and its own PCD-01 outbox row, as at 1 Hz (written all at
   once, several messages of one read would be one commit and one PCD-01). The network technical
   alarm rises at each chair (its PCD-04s join the backlog). Then the monitors go back to one
   message a second, through the broker's return. Production time is reported; it is not part
   of the figure.
3. The broker starts again (same port, its saved state). From the moment it accepts connections:
   each chair's bus client reconnects (its back-off: 1, 2, 4, 8, 10 s), sends its queue in order
   (QoS 1), and logs each PUBACK as a delivery; the central's persistent session receives what
   the chairs send and the central logs and shows each message once (by MSH-10).

Figures: seconds from the broker's return to the last backlog message (every outbox row that
existed when the broker returned) confirmed by the broker (the chairs' `deliveries` rows: the
issue's "delivered"), and to the last one in the central station's log (received by its board,
so shown). None lost: every backlog message confirmed by the broker (one never confirmed is
still its chair's to send, not delivered); per chair, every monitor message acknowledged during
the outage has its readings in the chair's log, the backlog's PCD-01s carry every reading
committed during the outage (numeric OBX rows against the log's observations), and every backlog
control id is in the central log. In order: per chair, the central logged the backlog in outbox
order. Not judged: "none shown twice". The central keeps a control id once by construction (its
log's UNIQUE key, ON CONFLICT DO NOTHING), so counting its log's copies could never fail; the
board's count of duplicate deliveries it dropped is reported (`duplicates_dropped_by_board`).
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.clinic_chair import chair_rows
from benchmarks.common import Row
from benchmarks.p9_central_alarm import Clinic
from console.clock import parse_iso

DEFAULTS: dict[str, Any] = {"chairs": 20, "minutes": 30.0}
QUICK: dict[str, Any] = {"chairs": 4, "minutes": 2.0}
BAR_S = 30.0
PRODUCE_TIMEOUT_S = 600.0
DELIVER_TIMEOUT_S = 180.0


BURST_FRAME_READINGS = 4   # clinic_chair.Monitor.frame: HR, pulse rate, SpO2, RR (no NIBP)


def _outbox(db: Path) -> list[tuple[int, str, str, str]]:
    return [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in chair_rows(
        db, "SELECT id, control_id, kind, message FROM outbox WHERE destinations LIKE '%bus%' "
            "ORDER BY id")]


def _readings(db: Path) -> int:
    """The monitor readings a chair's log holds (committed)."""
    return int(chair_rows(db, "SELECT count(*) FROM observations WHERE source LIKE 'hl7:%'")[0][0])


def readings_carried(message: str) -> int:
    """The readings a PCD-01 carries: its numeric OBX rows with a value (console/network/pcd.py)."""
    count = 0
    for segment in message.split("\r"):
        fields = segment.split("|")
        if fields[0] == "OBX" and len(fields) > 5 and fields[2] == "NM" and fields[5]:
            count += 1
    return count


def _delivered(db: Path) -> dict[int, datetime]:
    return {int(r[0]): parse_iso(str(r[1])) for r in chair_rows(
        db, "SELECT outbox_id, min(at) FROM deliveries WHERE destination = 'bus' "
            "AND outcome = 'delivered' GROUP BY outbox_id")}


def _central(db: Path) -> list[tuple[int, str, str, datetime]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return [(int(r[0]), str(r[1]), str(r[2]), parse_iso(str(r[3]))) for r in conn.execute(
            "SELECT id, control_id, chair, received_at FROM received "
            "WHERE control_id IS NOT NULL ORDER BY id")]
    finally:
        conn.close()


def run(params: dict[str, Any]) -> list[Row]:
    chairs, minutes = int(params["chairs"]), float(params["minutes"])
    per_chair = int(minutes * 60)
    with tempfile.TemporaryDirectory(prefix="bench-p11-", dir=params.get("tmpdir")) as tmp:
        folder = Path(tmp)
        clinic = Clinic(folder, chairs)
        try:
            clinic.start()
            clinic.wait_connected()
            central, monitors = clinic.central, clinic.monitors
            assert central is not None and monitors is not None
            dbs = {name: folder / f"{name}.sqlite3" for name in clinic.names}
            monitors.paused.update(clinic.names)
            time.sleep(1.5)   # a 1 Hz frame being written ends
            before = {name: len(_outbox(db)) for name, db in dbs.items()}
            readings_before = {name: _readings(db) for name, db in dbs.items()}
            clinic.broker.save()
            clinic.broker.kill()
            down = time.monotonic()
            first_at = datetime.now(UTC) - timedelta(seconds=per_chair)
            acked: dict[str, int] = {}

            def burst(name: str) -> None:
                acked[name] = monitors.by_name[name].burst(per_chair, first_at)

            threads = [threading.Thread(target=burst, args=(name,)) for name in clinic.names]
            for t in threads:
                t.start()
            for t in threads:
                t.join(PRODUCE_TIMEOUT_S)
            produced = time.monotonic()
            if any(n < per_chair for n in acked.values()):
                raise RuntimeError(f"not every message was acknowledged by its chair: {acked}")
            time.sleep(1.0)   # the last commits' outbox rows are on disk
            # Still paused: the readings committed during the outage and the outbox rows made
            # for them are read with no commit in between.
            backlog = {name: [row for row in _outbox(db)[before[name]:]]
                       for name, db in dbs.items()}
            committed = {name: _readings(db) - readings_before[name] for name, db in dbs.items()}
            monitors.paused.clear()
            clinic.broker.restart()
            returned = time.monotonic()
            returned_wall = datetime.now(UTC)
            wanted = {cid for rows in backlog.values() for _, cid, _, _ in rows}
            deadline = returned + DELIVER_TIMEOUT_S
            while True:
                delivered = {name: _delivered(db) for name, db in dbs.items()}
                confirmed = sum(1 for name, rows in backlog.items() for oid, _, _, _ in rows
                                if oid in delivered[name])
                received = _central(folder / "central.sqlite3")
                at_central = {cid for _, cid, _, _ in received} & wanted
                if confirmed == len(wanted) and len(at_central) == len(wanted):
                    break
                if time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            waited = time.monotonic() - returned
            time.sleep(3.0)   # late duplicates, if any, would arrive now
            board = central.ask("board", "board")
            received = _central(folder / "central.sqlite3")
        finally:
            clinic.close()
    last_puback = max((at for name, rows in backlog.items() for oid, _, _, _ in rows
                       if (at := delivered[name].get(oid)) is not None), default=None)
    times = {cid: at for _, cid, _, at in received}
    last_shown = max((times[cid] for cid in wanted if cid in times), default=None)
    lost = sorted(wanted - set(times))
    # Every message each chair acknowledged was committed, and the backlog's PCD-01s carry every
    # reading committed during the outage (a chair that commits readings and builds no message
    # for them loses them for the central before the outbox).
    carried = {name: sum(readings_carried(text) for _, _, kind, text in rows if kind == "pcd01")
               for name, rows in backlog.items()}
    not_carried = {name: committed[name] - carried[name] for name in backlog
                   if carried[name] != committed[name]}
    not_committed = {name: acked[name] * BURST_FRAME_READINGS - committed[name]
                     for name in backlog
                     if committed[name] < acked.get(name, 0) * BURST_FRAME_READINGS}
    order_ok = True
    for name, rows in backlog.items():
        sent = [cid for _, cid, _, _ in rows]
        got = [cid for _, cid, chair, _ in received if chair == name and cid in wanted]
        if got != sent[:len(got)] or len(got) != len(sent):
            order_ok = False
    first_puback = min((at for name, rows in backlog.items() for oid, _, _, _ in rows
                        if (at := delivered[name].get(oid)) is not None), default=None)
    first_shown = min((times[cid] for cid in wanted if cid in times), default=None)
    to_puback = (last_puback - returned_wall).total_seconds() if last_puback else float("nan")
    to_central = (last_shown - returned_wall).total_seconds() if last_shown else float("nan")
    full = chairs >= 20 and minutes >= 30
    # A backlog row the broker never confirmed is not delivered: its chair still holds it (and
    # its bus alarm stands), whatever reached the central.
    all_confirmed = confirmed == len(wanted)
    ok = not lost and not not_carried and not not_committed and order_ok and all_confirmed
    details = {
        "chairs": chairs, "minutes_at_1hz_per_chair": minutes, "backlog_messages": len(wanted),
        "pcd01": sum(1 for rows in backlog.values() for _, _, kind, _ in rows if kind == "pcd01"),
        "pcd04": sum(1 for rows in backlog.values() for _, _, kind, _ in rows if kind == "pcd04"),
        "monitor_messages_acknowledged": sum(acked.values()),
        "readings_committed_in_outage": sum(committed.values()),
        "readings_in_backlog_pcd01": sum(carried.values()),
        "readings_not_in_backlog_by_chair": not_carried,
        "readings_not_committed_by_chair": not_committed,
        "production_s": produced - down,
        "production_rate_msg_s": len(wanted) / (produced - down),
        "outage_s": returned - down, "waited_s": waited,
        "first_puback_s": (first_puback - returned_wall).total_seconds() if first_puback
        else None,
        "first_at_central_s": (first_shown - returned_wall).total_seconds() if first_shown
        else None,
        "central_rate_msg_s": len(wanted) / (last_shown - first_shown).total_seconds()
        if first_shown and last_shown and last_shown > first_shown else None,
        "confirmed_by_broker": confirmed, "all_confirmed_by_broker": all_confirmed,
        "at_central": len(wanted) - len(lost),
        "lost_at_central": len(lost), "lost_examples": lost[:5],
        "duplicates_dropped_by_board": board.get("duplicates"), "in_order_per_chair": order_ok,
        "central_board": board,
    }
    return [
        Row(id="P11", what="backlog after an outage: broker return → last PUBACK",
            figure=to_puback, unit="s", bar=f"≤ {BAR_S:g} s, none lost, in order",
            passed=to_puback <= BAR_S and ok and full, details=details),
        Row(id="P11", case="at the central", what="backlog: broker return → last shown at central",
            figure=to_central, unit="s", bar=f"≤ {BAR_S:g} s, none lost, in order",
            passed=to_central <= BAR_S and ok and full, details=details),
    ]
