"""P11, the backlog after a broker outage: 20 chairs' messages of a 30-minute outage (about 36,000)
delivered within 30 s of the broker's return, none lost, none shown twice (as far as P11 can see
it: the end of this docstring).

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
order. "20 chairs" is what ran, as in P9 and P10 (`clinic_shortfalls`): every chair's burst
acknowledged in full (a burst that raised is a shortfall, not a chair left out of the counts),
every chair process ending with 0, every chair connected at the end, no monitor write failed.

None shown twice: the central shows a message when it logs it, and keeps a control id once by
construction (its log's UNIQUE key, ON CONFLICT DO NOTHING), so counting its log's copies could
never fail. What can: a copy under another control id. Every message in the central's log must
be one its chair made (its control id among that chair's outbox rows, read once the chairs have
stopped: `at_central_not_made_by_chair`), and the backlog's PCD-01s carry each reading committed
during the outage once (more than committed fails as fewer does). The board's count of duplicate
deliveries it dropped (same control id, shown once) is reported (`duplicates_dropped_by_board`).
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
from benchmarks.p9_central_alarm import Clinic, clinic_shortfalls
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
            counts: dict[str, int] = {}
            burst_errors: dict[str, str] = {}

            def burst(name: str) -> None:
                # A burst that raised had left no count, and P11 judged the other chairs alone.
                try:
                    counts[name] = monitors.by_name[name].burst(per_chair, first_at)
                except Exception as exc:  # noqa: BLE001 - this run's shortfall, in the verdict
                    burst_errors[name] = f"{type(exc).__name__}: {exc}"

            threads = [threading.Thread(target=burst, args=(name,)) for name in clinic.names]
            for t in threads:
                t.start()
            for t in threads:
                t.join(PRODUCE_TIMEOUT_S)
            produced = time.monotonic()
            acked = dict(counts)   # a burst still running past its timeout counts as none
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
            errors = list(clinic.monitors.errors) if clinic.monitors else []
            exits = clinic.close()
        # Read with every chair stopped: each control id its chair made, to the last.
        made = {name: {cid for _, cid, _, _ in _outbox(db)} for name, db in dbs.items()}
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
    # "20 chairs" is what ran, as in P9 and P10: every chair's outage produced, every chair
    # process ending with 0, every chair connected at the end, no monitor write failed.
    not_acked = {name: per_chair - acked.get(name, 0) for name in made
                 if acked.get(name, 0) != per_chair}
    shortfalls = clinic_shortfalls(chairs, board, exits, [
        *errors, *(f"{name}'s outage burst: {error}" for name, error in burst_errors.items())])
    if not_acked:
        shortfalls.append(f"monitor messages not acknowledged by their chair: {not_acked}")
    # Shown twice: the central keeps a control id once (its log's UNIQUE key), so a message it
    # shows again comes under a control id its chair never made (a copy sent anew).
    not_made: dict[str, int] = {}
    for _, cid, chair, _ in received:
        if cid not in made.get(chair, set()):
            not_made[chair] = not_made.get(chair, 0) + 1
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
    ok = (not lost and not not_carried and not not_committed and order_ok and all_confirmed
          and not not_made and not shortfalls)
    details = {
        "chairs": chairs, "minutes_at_1hz_per_chair": minutes, "backlog_messages": len(wanted),
        "pcd01": sum(1 for rows in backlog.values() for _, _, kind, _ in rows if kind == "pcd01"),
        "pcd04": sum(1 for rows in backlog.values() for _, _, kind, _ in rows if kind == "pcd04"),
        "monitor_messages_acknowledged": sum(acked.values()),
        "messages_not_acknowledged_by_chair": not_acked, "burst_errors": burst_errors,
        "clinic_shortfalls": shortfalls, "chair_exit_codes": exits, "monitor_errors": errors,
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
        "at_central_not_made_by_chair": not_made,
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
