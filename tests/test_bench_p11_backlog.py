"""P11's "none lost" starts at the monitor: every message a chair acknowledged during the outage
has its readings carried by the backlog's PCD-01s, not only every outbox row at the central.

The clinic (broker, chair processes, central) is replaced by a fake whose logs say: every chair
acknowledged and committed all 1,800 monitor messages of a 30-minute outage, but made PCD-01s for
only some of them (a composer failure: the records committed, the messages dropped); every PCD-01
made reached the central in order within 5 s. P11 must not pass. A fake clinic where nothing is
missing passes, so the check is not one that always fails.

"20 chairs" is what ran (review 50): P11 had passed with one chair's outage never produced (its
monitor's burst raised, so its thread left no count and 19 chairs were judged) and with a chair
process that died, as P9 and P10 no longer do (`clinic_shortfalls`). "None shown twice": the
central keeps a control id once (its log's UNIQUE key), so a message is shown twice only when it
reaches the central under a control id its chair never made; P11 counts those.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from benchmarks import p11_backlog as p11

CHAIRS, PER_CHAIR = 20, 1800
BEFORE = 5
READINGS = 4   # HR, pulse rate, SpO2, RR: what clinic_chair.Monitor sends


def _pcd01(cid: str, readings: int) -> str:
    rows = [f"OBX|{i}|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.{i}|72|/min||||F" for i in
            range(1, readings + 1)]
    return "\r".join([f"MSH|^~\\&|CONSOLE||||20260105090000||ORU^R01^ORU_R01|{cid}|P|2.6",
                      "OBX|0||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X",
                      *rows]) + "\r"


class _Monitor:
    def __init__(self, name: str, state: dict[str, Any]) -> None:
        self.name = name
        self.state = state

    def burst(self, count: int, first_at: datetime) -> int:
        if self.name == self.state["burst_raises"]:
            raise OSError(5, "Input/output error")   # its pty gone: nothing of the outage sent
        self.state["produced"].add(self.name)
        return count          # every message acknowledged (committed) by its chair


class _Monitors:
    def __init__(self, names: list[str], state: dict[str, Any]) -> None:
        self.by_name = {n: _Monitor(n, state) for n in names}
        self.paused: set[str] = set()
        self.errors: list[str] = []


class _Central:
    def ask(self, command: str, answer: str) -> dict[str, Any]:
        return {"ev": "board", "duplicates": 0, "chairs": CHAIRS, "connected": CHAIRS,
                "with_session": CHAIRS}


class _Broker:
    def save(self) -> None: ...
    def kill(self) -> None: ...
    def restart(self) -> None: ...


def _clinic(state: dict[str, Any]) -> type:
    class _Clinic:
        def __init__(self, folder: Path, chairs: int) -> None:
            self.names = [f"chair-{i}" for i in range(1, chairs + 1)]
            self.central = _Central()
            self.monitors = _Monitors(self.names, state)
            self.broker = _Broker()

        def start(self) -> _Clinic:
            return self

        def wait_connected(self) -> None: ...

        def close(self) -> dict[str, int | None]:
            return {**{name: 0 for name in self.names}, **state["exits"]}

    return _Clinic


def _run(monkeypatch: pytest.MonkeyPatch, made: int = PER_CHAIR, readings_each: int = READINGS,
         unconfirmed: int = 0, burst_raises: str = "", exits: dict[str, int] | None = None,
         sent_again: int = 0) -> list[Any]:
    """P11 on the fake clinic: each chair commits PER_CHAIR messages' readings during the outage,
    makes `made` PCD-01s for them carrying `readings_each` readings each; the broker confirms
    all of chair-1's but the last `unconfirmed` (every one reaches the central). The chair named
    by `burst_raises` produces nothing (its monitor's burst raises); the chair processes end with
    `exits` (else 0); the central also shows `sent_again` of chair-3's backlog messages a second
    time, each under a control id chair-3 never made."""
    state: dict[str, Any] = {"produced": set(), "burst_raises": burst_raises,
                             "exits": exits or {}}
    at = datetime.now(UTC) + timedelta(seconds=5)

    def made_by(name: str) -> int:
        return BEFORE + (made if name in state["produced"] else 0)

    def outbox(db: Path) -> list[tuple[int, str, str, str]]:
        return [(i, f"{db.stem}-{i}", "pcd01",
                 _pcd01(f"{db.stem}-{i}", READINGS if i <= BEFORE else readings_each))
                for i in range(1, made_by(db.stem) + 1)]

    def readings(db: Path) -> int:
        return (BEFORE + (PER_CHAIR if db.stem in state["produced"] else 0)) * READINGS

    def central(db: Path) -> list[tuple[int, str, str, datetime]]:
        rows, k = [], 0
        for c in range(1, CHAIRS + 1):
            for i in range(1, made_by(f"chair-{c}") + 1):
                k += 1
                rows.append((k, f"chair-{c}-{i}", f"chair-{c}", at))
        for i in range(BEFORE + 1, BEFORE + 1 + sent_again):
            k += 1
            rows.append((k, f"chair-3-{i}-again", "chair-3", at))
        return rows

    monkeypatch.setattr(p11, "Clinic", _clinic(state))
    monkeypatch.setattr(p11, "_outbox", outbox)
    monkeypatch.setattr(p11, "_readings", readings)
    def delivered(db: Path) -> dict[int, datetime]:
        last = made_by(db.stem) - (unconfirmed if db.stem == "chair-1" else 0)
        return {i: at for i in range(1, last + 1)}

    monkeypatch.setattr(p11, "_delivered", delivered)
    monkeypatch.setattr(p11, "_central", central)
    monkeypatch.setattr(p11.time, "sleep", lambda s: None)
    monkeypatch.setattr(p11, "DELIVER_TIMEOUT_S", 0.0)   # what is missing stays missing
    return p11.run({"chairs": CHAIRS, "minutes": PER_CHAIR / 60})


def test_p11_passes_when_every_acknowledged_reading_reached_the_central(monkeypatch):
    rows = _run(monkeypatch, made=PER_CHAIR, readings_each=READINGS)
    assert all(r.passed for r in rows), rows[0].details


def test_p11_none_lost_counts_messages_the_chairs_acknowledged(monkeypatch):
    made = PER_CHAIR - 10
    rows = _run(monkeypatch, made=made, readings_each=READINGS)
    d = rows[0].details
    assert d["pcd01"] == CHAIRS * made < CHAIRS * PER_CHAIR   # 200 messages never left the chairs
    assert d["lost_at_central"] == 0
    assert d["readings_not_in_backlog_by_chair"] == {f"chair-{c}": 10 * READINGS
                                                     for c in range(1, CHAIRS + 1)}
    assert not any(r.passed for r in rows), d


def test_p11_none_lost_counts_the_readings_each_message_carries(monkeypatch):
    rows = _run(monkeypatch, made=PER_CHAIR, readings_each=READINGS - 1)   # SpO2 left out
    d = rows[0].details
    assert d["readings_in_backlog_pcd01"] == CHAIRS * PER_CHAIR * (READINGS - 1)
    assert not any(r.passed for r in rows), d


def test_p11_delivered_means_every_backlog_message_confirmed_by_the_broker(monkeypatch):
    """The first row's figure is the last PUBACK among the backlog rows that were confirmed: 300
    never confirmed (their chair still holds them, its bus alarm standing) are not "all
    delivered", though the central has them."""
    rows = _run(monkeypatch, made=PER_CHAIR, readings_each=READINGS, unconfirmed=300)
    d = rows[0].details
    assert d["confirmed_by_broker"] == d["backlog_messages"] - 300
    assert d["lost_at_central"] == 0 and d["in_order_per_chair"], d
    assert d["all_confirmed_by_broker"] is False
    assert not any(r.passed for r in rows), d


def test_p11_does_not_pass_when_a_chairs_outage_was_never_produced(monkeypatch):
    """chair-7's monitor raised at its first burst frame: 19 chairs' backlog was measured, its
    1,800 messages were never sent. That is not "20 chairs, none lost"."""
    rows = _run(monkeypatch, burst_raises="chair-7")
    d = rows[0].details
    assert d["monitor_messages_acknowledged"] == (CHAIRS - 1) * PER_CHAIR, d
    assert not any(r.passed for r in rows), d
    assert d["messages_not_acknowledged_by_chair"] == {"chair-7": PER_CHAIR}, d
    assert "chair-7" in " ".join(d["clinic_shortfalls"]), d


def test_p11_does_not_pass_when_a_chair_process_died(monkeypatch):
    """chair-4's process ended with SIGSEGV: what it published is not known to be whole (P9 and
    P10 fail on this too)."""
    rows = _run(monkeypatch, exits={"chair-4": -11})
    d = rows[0].details
    assert not any(r.passed for r in rows), d
    assert d["chair_exit_codes"]["chair-4"] == -11, d
    assert d["clinic_shortfalls"], d


def test_p11_does_not_pass_when_the_central_shows_a_message_twice(monkeypatch):
    """Three of chair-3's backlog messages reached the central a second time under new control
    ids (its log's UNIQUE key cannot tell them): the nurse saw them twice."""
    rows = _run(monkeypatch, sent_again=3)
    d = rows[0].details
    assert d["lost_at_central"] == 0 and d["in_order_per_chair"], d
    assert not any(r.passed for r in rows), d
    assert d["at_central_not_made_by_chair"] == {"chair-3": 3}, d


def test_p11_does_not_pass_when_a_chair_sends_readings_twice(monkeypatch):
    """Each chair made ten PCD-01s more than the messages it committed (readings composed
    again under new control ids): the central shows those readings twice."""
    rows = _run(monkeypatch, made=PER_CHAIR + 10)
    d = rows[0].details
    assert d["readings_in_backlog_pcd01"] == d["readings_committed_in_outage"] + CHAIRS * 40, d
    assert not any(r.passed for r in rows), d
