"""Monitors that must be asked, from bytes to the log: `infusion-sim`'s answering device on a real
pseudo-terminal (polled HL7), a real loopback TCP port (the gateways, a Mindray bedside) or a
real loopback UDP port (Philips IntelliVue over the LAN), the transport asking through the device
profile, the engine deciding, the SQLite log keeping it."""

from __future__ import annotations

import queue
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.clock import Moment
from console.session import feed
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from devices.profiles import Poll, Profile, format_for
from devices.simulator.answering import AnsweringHandle, answer_in_thread
from devices.simulator.scenario import load_builtin, load_scenario
from devices.transport import DeviceConnection, DeviceEvent
from protocols.loader import builtin_protocols_dir, load_protocol

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BED = "192.0.2.21"
SPEED = 120   # scenario seconds a second


def quiet_monitor(tmp_path: Path, silent_at_s: int, silent_for_s: int) -> Path:
    """A steady patient whose monitor stops answering for a while (a `disconnect` step)."""
    path = tmp_path / "quiet.toml"
    path.write_text(f"""
name = "quiet"
description = "steady values; the monitor stops answering for a while"
duration_minutes = 10
nibp_interval_minutes = 1
[baseline]
bp_systolic = 124
bp_diastolic = 78
heart_rate = 72
resp_rate = 14
spo2 = 98
[[steps]]
at_minute = {silent_at_s / 60}
action = "disconnect"
seconds = {silent_for_s}
[expect]
text = "no data while the monitor does not answer"
alarms = ["device_stale"]
""", encoding="utf-8")
    return path


class Chair:
    """The transport, feed, engine and log of one chair, pumped by the test (no window)."""

    def __init__(self, tmp_path: Path, url: str, profile: Profile) -> None:
        self.log = EventLog.open(tmp_path / "log.sqlite3", "test")
        self.events: queue.Queue[DeviceEvent] = queue.Queue()
        self.conn = DeviceConnection(url, format_for(profile), self.events.put)
        self.engine: SessionEngine | None = None

    def start(self) -> None:
        self.conn.start()
        first = self.events.get(timeout=10)
        now = Moment(first.mono, first.at)
        protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
        self.engine = SessionEngine.open(protocol, self.log, Patient("MRN-1", 70), "qa", now)
        feed.apply(self.engine, first, now)
        self.engine.advance_phase("qa", now, override_reason="QA run")

    def pump_until(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        """Apply device events until `done()`; fail naming `what` after `timeout` s."""
        import time

        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            assert left > 0, f"no {what} within {timeout:g} s; states: {self.states()}"
            try:
                event = self.events.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            assert self.engine is not None
            feed.apply(self.engine, event, Moment(event.mono, event.at))

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.log.path) as conn:
            return conn.execute(query).fetchall()

    def states(self) -> list[str]:
        return [s for (s,) in self.sql("SELECT json_extract(detail, '$.state') FROM events "
                                       "WHERE kind = 'device_state' ORDER BY id")]

    def active_technical(self) -> set[str]:
        assert self.engine is not None
        return {o.condition for o in self.engine.alarms() if o.category == "technical"}

    def close(self, device: AnsweringHandle) -> None:
        self.conn.stop()
        device.stop()


def test_a_mindray_gateway_is_asked_for_its_bed_and_only_that_patient_reaches_the_log(
        tmp_path: Path) -> None:
    device = answer_in_thread("normal", "mindray-gateway", speed=30, bed=BED, start=START)
    profile = Profile(name="chair-3-mindray", model="Mindray gateway, chair 3",
                      format="hl7-polled", connection="tcp",
                      poll=Poll(period_seconds=0.5, query="mindray-gateway", bed=BED))
    chair = Chair(tmp_path, device.port_path, profile)
    try:
        chair.start()
        # The simulator counts an answer once it has sent it: the console may have logged it
        # before the count is made (seen on a loaded machine), so both are waited for.
        chair.pump_until(lambda: chair.sql("SELECT count(*) FROM observations "
                                           "WHERE metric = 'heart_rate'")[0][0] >= 6
                         and device.answers >= 6, 20,
                         "six heart rates from six answered queries")
        assert chair.conn.stats.requests_written >= 6
        assert device.questions >= 6 and device.answers >= 6
        assert chair.states()[:2] == ["connecting", "connected"]
        # The gateway's reply also holds the next bed (HR +30, SpO2 -10): never in this log.
        hr = [v for (v,) in chair.sql("SELECT value FROM observations WHERE metric = 'heart_rate'")]
        spo2 = [v for (v,) in chair.sql("SELECT value FROM observations WHERE metric = 'spo2'")]
        assert max(hr) < 95 and min(spo2) >= 93, f"another bed's values were logged: {hr} {spo2}"
        sources = {s for (s,) in chair.sql("SELECT DISTINCT source FROM observations")}
        assert sources and all(s.startswith("hl7:") for s in sources)
        assert chair.log.verify().ok
    finally:
        chair.close(device)


def test_a_polled_monitor_that_stops_answering_raises_no_data_and_clears_when_it_answers(
        tmp_path: Path) -> None:
    # Answers for 3 s (scenario 30 s at x10), then none for 8 s, then answers again.
    scenario = load_scenario(quiet_monitor(tmp_path, silent_at_s=30, silent_for_s=80))
    device = answer_in_thread(scenario, "philips-efficia", speed=10, start=START)
    profile = Profile(name="efficia", model="Philips Efficia CM", format="hl7-polled",
                      poll=Poll(period_seconds=0.5, query="philips-efficia"))
    assert profile.stale_after_seconds == 4.0
    chair = Chair(tmp_path, device.port_path, profile)
    try:
        chair.start()
        chair.pump_until(lambda: chair.states()[-1:] == ["connected"], 10, "answers")
        chair.pump_until(lambda: chair.states()[-1:] == ["stale"], 15,
                         "'no data' while the monitor does not answer")
        assert "device_stale" in chair.active_technical(), \
            "no 'no data' technical alarm while the monitor was silent"
        chair.pump_until(lambda: chair.states()[-1:] == ["connected"], 15,
                         "answers again after the silence")
        assert "device_stale" not in chair.active_technical()
        assert chair.log.verify().ok
    finally:
        chair.close(device)


def test_a_polled_monitor_reports_one_cuff_measurement_once_however_often_it_is_polled(
        tmp_path: Path) -> None:
    # The QA audit: the simulated monitor stamped a cuff measurement anew at every poll (its
    # clock worked out again from each poll's time), so one BP was logged at each poll.
    scenario = load_scenario(quiet_monitor(tmp_path, silent_at_s=500, silent_for_s=10))
    device = answer_in_thread(scenario, "philips-efficia", speed=10)   # start: now, as infusion-sim
    profile = Profile(name="efficia", model="Philips Efficia CM", format="hl7-polled",
                      poll=Poll(period_seconds=0.5, query="philips-efficia"))
    chair = Chair(tmp_path, device.port_path, profile)

    def measured() -> list[str]:
        return [t for (t,) in chair.sql("SELECT measured_at FROM observations WHERE metric = "
                                        "'bp_systolic' ORDER BY id")]
    try:
        chair.start()
        chair.pump_until(lambda: len(set(t[:16] for t in measured())) >= 2, 20,
                         "two cuff measurements a scenario-minute apart")
        assert chair.engine is not None and device.questions >= 10   # polled many times each
        times = measured()
        assert len(times) == len(set(times)) == len({t[:16] for t in times}), times
    finally:
        chair.close(device)


def intellivue_session(tmp_path: Path, lan: bool) -> None:
    """A hypertensive surge played by a simulated IntelliVue that the console associates with
    and polls (LAN: a real loopback UDP port; serial: a real pty), into the log."""
    device = answer_in_thread("hypertensive-surge", "intellivue-lan" if lan else "intellivue",
                              speed=SPEED, start=START)
    profile = Profile(name="intellivue", model="Philips IntelliVue", format="intellivue",
                      connection="udp" if lan else "serial", poll=Poll(period_seconds=0.5))
    chair = Chair(tmp_path, device.port_path, profile)
    try:
        chair.start()
        # Association, MDS-create confirmed, then polls: vitals by physiological id.
        chair.pump_until(lambda: {m for (m,) in chair.sql(
            "SELECT DISTINCT metric FROM observations")} >= {"heart_rate", "spo2", "resp_rate",
                                                               "bp_systolic", "bp_diastolic"},
            30, "HR, SpO2, RR and an NBP from the IntelliVue")
        assert chair.states()[:2] == ["connecting", "connected"]
        assert chair.conn.stats.requests_written >= 3   # association request + polls
        # The surge's systolic climbs past the protocol's high limit: the alarm is in the log.
        chair.pump_until(lambda: chair.sql(
            "SELECT count(*) FROM alarm_events WHERE condition LIKE 'bp_systolic%' "
            "AND transition = 'raised'")[0][0] > 0, 60, "the high blood pressure alarm")
        sources = {s for (s,) in chair.sql("SELECT DISTINCT source FROM observations")}
        assert sources and all(s.startswith("intellivue") for s in sources), sources
        # Each cuff measurement is one row, though every poll repeats it (the simulated clock
        # runs at 120x, so its stamps are not usable and cannot deduplicate): no more rows than
        # the scenario's cuff cycle made over the time the rows span, plus the ends.
        cycle_s = load_builtin("hypertensive-surge").nibp_interval_minutes * 60
        arrivals = [datetime.fromisoformat(t) for (t,) in chair.sql(
            "SELECT received_at FROM observations WHERE metric = 'bp_systolic' ORDER BY id")]
        scenario_s = (arrivals[-1] - arrivals[0]).total_seconds() * SPEED
        assert len(arrivals) <= scenario_s / cycle_s + 2, (len(arrivals), scenario_s)
        assert chair.log.verify().ok
    finally:
        chair.close(device)


def test_an_intellivue_on_the_lan_is_associated_polled_and_its_surge_alarms_in_the_log(
        tmp_path: Path) -> None:
    intellivue_session(tmp_path, lan=True)


def test_an_intellivue_on_its_serial_port_is_associated_polled_and_alarms_in_the_log(
        tmp_path: Path) -> None:
    intellivue_session(tmp_path, lan=False)


def test_a_mindray_bedside_monitor_on_its_tcp_port_is_subscribed_and_streams_into_the_log(
        tmp_path: Path) -> None:
    # A real loopback TCP server, opened as `socket://127.0.0.1:PORT` by pyserial as on a ward;
    # the monitor ignores the first query (its start-up burst), so values reach the log only
    # through the console's re-send after the monitor's first echo.
    device = answer_in_thread("normal", "mindray-bedside", speed=30, start=START)
    assert device.port_path.startswith("socket://127.0.0.1:")
    profile = Profile(name="mindray-bedside", model="Mindray bedside", format="mindray-bedside",
                      connection="tcp", poll=Poll(period_seconds=0.5))
    chair = Chair(tmp_path, device.port_path, profile)
    try:
        chair.start()
        chair.pump_until(lambda: {m for (m,) in chair.sql(
            "SELECT DISTINCT metric FROM observations")} >= {"heart_rate", "pulse_rate", "spo2",
                                                               "resp_rate", "bp_systolic"},
            30, "HR, PR, SpO2, RR and an NIBP from the bedside monitor")
        # Every periodic message is logged: its MSH-10 is "204" each time, and every one after
        # the first had been taken for a resend and not logged (the QA audit).
        chair.pump_until(lambda: chair.sql("SELECT count(*) FROM observations WHERE metric = "
                                           "'heart_rate'")[0][0] >= 5, 30, "five heart rates")
        assert chair.sql("SELECT count(*) FROM events WHERE kind = 'device_resent'") == [(0,)]
        assert chair.states()[:2] == ["connecting", "connected"]
        # The first write (two queries and an echo), the re-sent queries, then echoes.
        assert chair.conn.stats.requests_written >= 3
        assert chair.conn.stats.replies_written == 0, "the console acknowledged the monitor"
        sources = {s for (s,) in chair.sql("SELECT DISTINCT source FROM observations")}
        assert sources == {"hl7:MINDRAY-SIM"}
        assert chair.log.verify().ok
    finally:
        chair.close(device)
