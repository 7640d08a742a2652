"""The composer reads a session's values once after a restart, to date a monitor whose clock is
off (`PcdComposer._place`). A read the log refuses (a damaged page, an I/O error) had failed the
whole compose: the commit's PCD-04, a high alarm's start, was never in the outbox, and nothing
being kept, every later commit of the session failed again (a review of ddc3370). Unread, the
values go by their own times and every message goes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from console.network.composer import PcdComposer, sent_pcd01
from console.network.pcd import PatientShown
from console.review.queries import observation_by_id
from console.store.outbox import OutboxHooks
from tests.network.test_composer_state import STATION, Chair


def _restarted_composer(chair: Chair, failures: list[Exception]) -> None:
    def readings(_session_id: int) -> None:
        raise sqlite3.DatabaseError("database disk image is malformed")

    composer = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                           chair.clock,
                           observation=lambda row: observation_by_id(chair.log.conn, row),
                           sent_observations=lambda s: sent_pcd01(chair.log.conn, s),
                           readings=readings)
    chair.log.attach_outbox(OutboxHooks(composer, lambda rows: None, failures.append))


def test_a_failed_read_of_the_values_loses_no_alarm_message(tmp_path: Path) -> None:
    chair = Chair(tmp_path / "log.sqlite3")
    failures: list[Exception] = []
    _restarted_composer(chair, failures)
    chair.device("heart_rate", 131)   # a high alarm raised in the commit of its value
    hr = chair.occurrence("heart_rate_high")
    assert [p for p in chair.sent() if p[0] == hr], failures
    chair.t(2)
    chair.device("heart_rate", 72)
    chair.t(2)
    chair.device("spo2", 84)          # every later commit composes as well
    assert failures == []
    assert [p for p in chair.sent() if p[0] == chair.occurrence("spo2_low")]
