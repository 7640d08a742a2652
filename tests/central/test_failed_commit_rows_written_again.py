"""The rows of a batch whose COMMIT failed are written again (`Board.log_again`).

A batch of bus messages whose COMMIT fails (an I/O error, the disk full for a moment): the
station goes over the batch again message by message (app.build's take_messages). The board had
already taken the batch the first time, so on the second pass it holds every status for "logged
already" and writes none: the chair's Last Will (and any status row of the batch) is in no log,
though the station showed it. The central log no longer says what the station received."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from console.central.app import build, parser
from console.central.central_log import CentralLogError
from console.clock import ManualClock
from console.ui.audio import RecordingAudioOut
from tests.central.helpers import Chair
from tests.session.helpers import START
from tests.ui.conftest import Answers

WAIT_MS = 10_000


def test_a_will_in_a_batch_whose_commit_failed_is_still_written_to_the_log(
        qtbot, broker, tmp_path, monkeypatch):
    args = parser().parse_args(["--db", str(tmp_path / "central.sqlite3"),
                                "--broker", broker.url, "--name", "desk"])
    station = build(args, audio_out=RecordingAudioOut(), asker=Answers())
    try:
        qtbot.addWidget(station.window)
        chair = Chair("chair-1", "Room 1", ManualClock(START))
        chair.start_infusion()
        chair.clock.advance(60)
        chair.device("spo2", 86)   # a high alarm
        for topic, payload in (chair.status(), *chair.new_pcd04s(), chair.status()):
            station.bridge.message.emit(topic, payload, False, None, None)
        qtbot.waitUntil(lambda: "chair-1" in station.board.chairs and station.board.card(
            "chair-1", station.clock.now()).alarm is not None, timeout=WAIT_MS)

        # The next batch's COMMIT fails once (the transaction rolled back), then the disk is fine.
        log = station.log
        real_batch = log.batch
        failed = []

        @contextlib.contextmanager
        def failing_once() -> Iterator[None]:
            if failed:
                with real_batch():
                    yield
                return
            log.conn.execute("BEGIN IMMEDIATE")
            yield
            if station.board.chairs["chair-1"].online:   # not the Will's batch: kept
                log.conn.execute("COMMIT")
                return
            failed.append(True)
            log.conn.execute("ROLLBACK")
            raise CentralLogError(log.path, "io", "disk I/O error at COMMIT")

        monkeypatch.setattr(log, "batch", failing_once)
        topic, will = chair.will()   # the chair's console dies: its Last Will
        station.bridge.message.emit(topic, will, False, None, None)
        qtbot.waitUntil(lambda: bool(failed) and not station.board.card(
            "chair-1", station.clock.now()).connected, timeout=WAIT_MS)
        qtbot.wait(100)
        # Shown: the chair lost with its high alarm. Kept: the Will, as the station received it.
        kinds = [r.kind for r in log.received("chair-1")]
        assert kinds.count("will") == 1, kinds
        assert kinds.count("pcd04") == 1, kinds   # taken once (committed in its own batch)
    finally:
        station.close()
