"""The session window on the clinic network: its status line, and a central station's
acknowledgement reaching the bedside (a real Mosquitto; the window offscreen)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6 import QtWidgets

from console.clock import ManualClock, SystemClock
from console.network import bus_topics as topics
from console.network.mllp_sender import control_id_of
from console.network.mqtt_bus import BusClient, BusConfig, BusState, BusStatus
from console.session.alarms import Raise
from console.session.engine import NETWORK_UNCONFIRMED, Patient, SessionEngine
from console.store import EventLog
from console.ui.app import StartError, build, dispose, run_cleanups
from console.ui.audio import RecordingAudioOut
from console.ui.network_bridge import NetworkBridge
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Priority
from tests.mosquitto import Broker
from tests.network.conftest import reserve_port
from tests.ui.conftest import Answers
from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture

SESSION = ("--protocol", "iv-ketamine", "--patient", "MRN-1", "--weight", "80", "--nurse", "ana")


@pytest.fixture
def broker(tmp_path: Path):
    made = Broker(tmp_path / "broker").start()
    yield made
    made.stop()


def _label(window: QtWidgets.QMainWindow) -> QtWidgets.QLabel:
    label = window.findChild(QtWidgets.QLabel, "network_state")
    assert label is not None
    return label


def _line(window: QtWidgets.QMainWindow) -> str:
    """What the status line says, all of it (its tooltip): a narrow window cuts its end."""
    return _label(window).toolTip()


def test_the_status_line_says_where_the_chair_is_connected(started, tmp_path, broker, qtbot):
    window = started(options(tmp_path, *SESSION, "--broker", broker.url, "--chair", "chair-2"))
    qtbot.waitUntil(lambda: "connected to mqtt://127.0.0.1" in _line(window), timeout=10000)
    assert not window.statusBar().isHidden()   # shown during the session for the network
    broker.kill()
    qtbot.waitUntil(lambda: "lost the connection to the broker" in _line(window),
                    timeout=10000)


def test_a_central_acknowledgement_silences_the_bedside_alarm_and_is_logged(
        started, tmp_path, broker, qtbot):
    window = started(options(tmp_path, *SESSION, "--broker", broker.url, "--chair", "chair-2"))
    controller = window.controller
    # Commands are not retained: the chair hears those sent once it is connected (subscribed).
    qtbot.waitUntil(lambda: "connected to mqtt://127.0.0.1" in _line(window), timeout=10000)
    from console.ui.network_bridge import NetworkBridge  # noqa: PLC0415
    bridge = window.findChild(NetworkBridge)
    assert bridge is not None
    qtbot.waitUntil(bridge.link.twins.caught_up, timeout=10000)   # subscribed, not only connected
    controller.enter_manual_row("bp_systolic", 210, confirmed=True)
    alarm = next(o for o in controller.view.alarms() if o.condition == "bp_systolic_high")
    central = BusClient(BusConfig(broker.url), client_id="central-ui", clock=ManualClock())
    central.start()
    try:
        central.publish(topics.chair_topic("chair-2", "command"), topics.encode({
            "id": "c-1", "kind": "acknowledge", "session": controller.view.session_id,
            "occurrence": alarm.id, "by": "Nurse Kim", "station": "central-1", "at": "x"}))
        qtbot.waitUntil(lambda: any(o.id == alarm.id and o.state.value == "acknowledged"
                                    for o in controller.view.alarms()), timeout=10000)
    finally:
        central.stop(timeout=1.0)
    assert controller.view.audio(controller.clock.now()).priority is None
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT actor FROM alarm_events WHERE transition = 'acknowledged'"
                            ).fetchall() == [("Nurse Kim (at central central-1)",)]


def test_a_bad_network_setting_stops_the_start_with_what_is_wrong(started, tmp_path):
    with pytest.raises(StartError, match="refusing to send patient data unencrypted"):
        started(options(tmp_path, *SESSION, "--broker", "mqtt://10.1.2.3:1883", "--chair", "c2"))


@contextmanager
def statuses_of(broker: Broker, chair: str) -> Iterator[list[dict]]:
    """Every status `chair` publishes, as a central station reads them, while inside."""
    heard: list[dict] = []
    central = BusClient(BusConfig(broker.url), client_id="central-status", clock=ManualClock(),
                        on_message=lambda topic, payload: heard.append(topics.decode(payload) or {}))
    central.subscribe(topics.chair_topic(chair, "status"))
    central.start()
    try:
        yield heard
    finally:
        central.stop(timeout=1.0)


def test_the_chair_status_follows_its_alarms_on_the_bus(started, tmp_path, broker, qtbot):
    with statuses_of(broker, "chair-2") as heard:
        window = started(options(tmp_path, *SESSION, "--broker", broker.url, "--chair", "chair-2",
                                 "--room", "Room 2"))
        qtbot.waitUntil(lambda: any(s.get("online") for s in heard), timeout=10000)
        window.controller.enter_manual_row("bp_systolic", 210, confirmed=True)
        qtbot.waitUntil(lambda: any(s.get("highest") == "high" for s in heard), timeout=10000)
        status = next(s for s in heard if s.get("highest") == "high")
        assert status["room"] == "Room 2" and status["session"]["patient"] == "MRN-1"
        assert status["vitals"]["bp_systolic"] == {
            "value": 210.0, "unit": "mmHg", "at": status["vitals"]["bp_systolic"]["at"],
            "stale": False, "alarm": "high"}


def _alarm_states(status: dict, occurrence: int) -> list[str]:
    return [a.get("state") for a in status.get("alarms") or [] if a.get("occurrence") == occurrence]


def test_an_acknowledgement_at_the_bedside_reaches_the_central_at_once(
        started, tmp_path, broker, qtbot, monkeypatch):
    """The bedside nurse acknowledges a high alarm: the chair's status says so at once, not at
    its next periodic status. An acknowledgement changes no alarm's id or priority; left to the
    period, the central station goes on sounding, and offering Acknowledge, for an alarm the
    nurse at the chair has already answered."""
    # No periodic status during this test: only the one a change sends can say it.
    monkeypatch.setattr(topics, "STATUS_PERIOD_S", 3600.0)
    with statuses_of(broker, "chair-2") as heard:
        window = started(options(tmp_path, *SESSION, "--broker", broker.url, "--chair", "chair-2"))
        controller = window.controller
        qtbot.waitUntil(lambda: any(s.get("online") for s in heard), timeout=10000)
        controller.enter_manual_row("bp_systolic", 210, confirmed=True)
        alarm = next(o for o in controller.view.alarms() if o.condition == "bp_systolic_high")
        qtbot.waitUntil(lambda: any(_alarm_states(s, alarm.id) == ["active"] for s in heard),
                        timeout=10000)
        assert controller.acknowledge(alarm.id).done
        qtbot.waitUntil(lambda: any(_alarm_states(s, alarm.id) == ["acknowledged"]
                                    for s in heard), timeout=5000)


def test_a_value_taken_back_at_the_bedside_leaves_the_central_trend(
        tmp_path, broker, started, qtbot, monkeypatch):
    """A heart rate of 150 typed by mistake and marked entered in error at the bedside leaves the
    central station's trend too, as it leaves the bedside's: the central nurse must not read a
    tachycardia the chair has taken back for the rest of the session."""
    monkeypatch.setattr(topics, "TREND_PERIOD_S", 0.0)   # a trend at every pump, not every 30 s
    trends: list[dict] = []
    central = BusClient(BusConfig(broker.url), client_id="central-trend", clock=ManualClock(),
                        on_message=lambda topic, payload: trends.append(topics.decode(payload) or {}))
    central.subscribe(topics.chair_topic("chair-2", "trend"))
    central.start()

    def heart_rates() -> list[float]:
        series = (trends[-1].get("series") or {}) if trends else {}
        return [value for _at, value in series.get("heart_rate", [])]

    try:
        # Stopped as the app stops (`started`): a trend at every pump would otherwise read the
        # closed log on a turn of the loop after the cleanups.
        window = started(options(tmp_path, *SESSION, "--broker", broker.url, "--chair", "chair-2"))
        controller = window.controller
        verdict, row = controller.enter_manual_row("heart_rate", 150, confirmed=True)
        assert row is not None, verdict
        qtbot.waitUntil(lambda: 150 in heart_rates(), timeout=10000)
        assert controller.void(row, "heart_rate", "typed in the wrong box").done
        qtbot.waitUntil(lambda: trends[-1].get("series") is not None and 150 not in heart_rates(),
                        timeout=10000)
    finally:
        central.stop(timeout=1.0)


def test_the_bedside_shows_its_alarm_before_the_network_is_told(started, tmp_path, broker, qtbot):
    """Commit, change state, notify: the nurse's window hears of the alarm first, the transports
    after that turn of the loop (console/network/link.py `hand_off`), and they do get it."""
    from console.ui.network_bridge import NetworkBridge  # noqa: PLC0415

    window = started(options(tmp_path, *SESSION, "--broker", broker.url, "--chair", "chair-2"))
    controller = window.controller
    bridge = window.findChild(NetworkBridge)
    assert bridge is not None and bridge.link.bus is not None
    qtbot.waitUntil(lambda: "connected to mqtt://127.0.0.1" in _line(window), timeout=10000)
    order: list[str] = []
    bus = bridge.link.bus
    publish_many = bus.publish_many

    def seen_publish(messages: list[tuple[str, bytes, object]]) -> None:
        if any(topic.endswith("/pcd04") for topic, _, _ in messages):
            order.append("bus")
        publish_many(messages)  # type: ignore[arg-type]

    bus.publish_many = seen_publish  # type: ignore[method-assign,assignment]
    controller.changed.connect(lambda: order.append("window"))
    controller.enter_manual_row("bp_systolic", 210, confirmed=True)
    qtbot.waitUntil(lambda: "bus" in order, timeout=5000)
    assert order[:2] == ["window", "bus"]
    qtbot.waitUntil(lambda: bus.status().unconfirmed == 0, timeout=10000)   # and it was sent


def test_the_nurse_reads_whether_the_quiet_room_tones_are_soft_and_the_sounder_follows(
        started, tmp_path, broker, qtbot):
    window = started(options(tmp_path, *SESSION, "--broker", broker.url, "--chair", "chair-2",
                             "--quiet-room"))
    sounder = window.sounder
    assert sounder is not None
    # No central station online: full volume, and the line says so (the alarm says why).
    qtbot.waitUntil(lambda: "quiet room: full volume" in _line(window), timeout=10000)
    assert not sounder.quiet
    # Once the broker has relayed the chair's own status, no central is known online: the alarm.
    qtbot.waitUntil(lambda: bool(network_alarms(window)), timeout=10000)
    # A central station comes, as the real one: it confirms every alarm message it gets. Soft
    # tones wait for its confirmation of that alarm's message, its presence alone is none
    # (console/network/link.py `_central_came_online`).
    central: BusClient | None = None

    def confirm(_topic: str, payload: bytes) -> None:
        assert central is not None
        central.publish(topics.chair_topic("chair-2", "confirm"), topics.encode(
            {"control_id": control_id_of(payload.decode("utf-8")), "station": "desk", "at": "x"}))

    central = BusClient(BusConfig(broker.url), client_id="central-quiet", clock=ManualClock(),
                        on_message=confirm)
    central.subscribe(topics.chair_topic("chair-2", "pcd04"))
    central.start()
    try:
        central.publish(topics.central_status_topic("desk"), topics.encode({"online": True}),
                        retain=True)
        qtbot.waitUntil(lambda: "quiet room: soft bedside tones" in _line(window),
                        timeout=10000)
        assert sounder.quiet
        # The central station goes away: full volume again, said on the line.
        central.publish(topics.central_status_topic("desk"), topics.encode({"online": False}),
                        retain=True)
        qtbot.waitUntil(lambda: "quiet room: full volume" in _line(window),
                        timeout=10000)
        assert not sounder.quiet
    finally:
        central.stop(timeout=1.0)


def test_a_quiet_room_chair_without_a_central_tells_the_bus_its_tones_are_at_full_volume(
        started, tmp_path, broker, qtbot):
    """The chair's status tells the central station what the bedside plays: a quiet-room chair
    with no central station confirming plays full-volume tones, and its status says "full", as
    its status line does. Saying "quiet", a central card would read "soft bedside tones" for a
    chair that is sounding at full volume."""
    with statuses_of(broker, "chair-2") as heard:
        window = started(options(tmp_path, *SESSION, "--broker", broker.url, "--chair", "chair-2",
                                 "--quiet-room"))
        qtbot.waitUntil(lambda: "quiet room: full volume" in _line(window), timeout=10000)
        assert window.sounder is not None and not window.sounder.quiet
        qtbot.waitUntil(lambda: any(s.get("online") and s.get("session") for s in heard),
                        timeout=10000)
        in_session = [s for s in heard if s.get("online") and s.get("session")]
        assert {s.get("audio") for s in in_session} == {"full"}, in_session


def left_with_a_network_alarm(tmp_path: Path) -> tuple[int, int]:
    """A session whose console stopped while its network alarm stood (medium): (session id,
    the alarm's occurrence)."""
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    clock = SystemClock()
    engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"),
                                log, Patient("MRN-1", 80), "ana", clock.now())
    engine.network_status(Raise(Priority.MEDIUM, "Clinic bus not confirming delivery"),
                          clock.now(), "broker unreachable")
    (standing,) = [o.id for o in engine.alarms() if o.condition == NETWORK_UNCONFIRMED]
    log.close()
    return engine.session_id, standing


def network_alarms(window: QtWidgets.QMainWindow) -> list[int]:
    return [o.id for o in window.controller.view.alarms() if o.condition == NETWORK_UNCONFIRMED]


def test_a_network_alarm_restored_on_a_console_without_network_ends_saying_why(
        started, tmp_path):
    # The network alarm stands through a restart (its messages wait in the log); a console
    # started again without a network would never end it: it ends at once, saying why.
    session_id, _ = left_with_a_network_alarm(tmp_path)
    window = started(options(tmp_path, "--resume", str(session_id)))
    assert network_alarms(window) == []
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        states = [row[0] for row in conn.execute(
            "SELECT json_extract(detail, '$.state') FROM events WHERE kind = 'network_status'")]
    assert states[-1] == "no clinic network configured at this start"


def test_a_network_alarm_restored_at_a_restart_stands_and_the_line_is_red_at_once(
        started, tmp_path, qtbot):
    # The broker is still unreachable after the restart: the alarm stands as it was (same
    # occurrence), and the status line is red from the first moment, not 10 s later.
    session_id, standing = left_with_a_network_alarm(tmp_path)
    with reserve_port() as port:   # nothing listens there
        window = started(options(tmp_path, "--resume", str(session_id), "--broker",
                                 f"mqtt://127.0.0.1:{port}", "--chair", "chair-2"))
        qtbot.waitUntil(lambda: "Clinic network" in _line(window)
                        and "starting" not in _line(window), timeout=5000)
        assert network_alarms(window) == [standing]
        assert "#c40000" in _label(window).styleSheet()


def test_a_discharged_chair_says_so_and_after_new_session_says_no_session(
        started, tmp_path, broker, qtbot):
    # A charge nurse's walk: after a discharge the central kept the patient with a running
    # clock and "device connected", also once the chair had gone back to its start screen.
    with statuses_of(broker, "chair-2") as heard:
        window = started(options(tmp_path, *SESSION, "--broker", broker.url, "--chair", "chair-2",
                                 "--room", "Room 2"))
        qtbot.waitUntil(lambda: any(s.get("online") for s in heard), timeout=10000)
        controller = window.controller
        for _ in range(3):
            controller.advance_phase(override_reason="test")
        assert controller.discharge(override_reason="test: transfer").done
        qtbot.waitUntil(lambda: any((s.get("session") or {}).get("ended") for s in heard),
                        timeout=10000)
        ended = [s for s in heard if (s.get("session") or {}).get("ended")]
        heard.clear()
        qtbot.waitUntil(lambda: any((s.get("session") or {}).get("ended") for s in heard),
                        timeout=10000)   # the next periodic status
        again = next(s for s in heard if (s.get("session") or {}).get("ended"))
        assert again["session"]["elapsed_s"] == ended[0]["session"]["elapsed_s"]
        assert again["device"] == "none"
        heard.clear()
        window.live.new_session_button.click()
        qtbot.waitUntil(lambda: any(s.get("online") and s.get("session") is None for s in heard),
                        timeout=10000)


def _drawn_up_to(label: QtWidgets.QLabel, words: str) -> bool:
    """Whether the label draws `words` whole inside its width (left aligned, not cut)."""
    text = label.text()
    end = text.find(words)
    return end >= 0 and (label.fontMetrics().horizontalAdvance(text[:end + len(words)])
                         <= label.contentsRect().width())


# The bus client's own words (console/network/mqtt_bus.py) for a broker that is down, and for one
# that refuses some messages (as tests/network/test_bus_security.py has it do).
BROKER_DOWN = BusStatus(
    BusState.DISCONNECTED, "cannot connect to the broker mqtt://10.20.30.40:1883: connection "
    "refused (is the broker running and listening on that port?); retrying", 0.0, 3, 0.0)
BROKER_REFUSING = BusStatus(
    BusState.CONNECTED, "connected to mqtt://10.20.30.40:1883 as chair-3; 2 messages refused by "
    "the broker since the start (2 on this connection), the last to infusion/chair/chair-3/pcd04: "
    "not authorised (check that this station's name matches its account, and the broker's ACL)",
    0.0, 0, None, 2, 2, "to infusion/chair/chair-3/pcd04: not authorised")


@pytest.mark.parametrize(("status", "cause"), [
    (BROKER_DOWN, "cannot connect to the broker mqtt://10.20.30.40:1883: connection refused (is "
                  "the broker running and listening on that port?)"),
    (BROKER_REFUSING, BROKER_REFUSING.detail.partition("; ")[2]),
], ids=["broker down", "broker refusing"])
def test_unencrypted_and_the_quiet_room_state_stay_in_sight_while_the_bus_has_a_long_cause(
        started, tmp_path, qtbot, status, cause):
    # A quiet-room chair on plain MQTT to another machine, at 1366x768 (no broker there: the
    # status is the bus client's, given to the link as its reader gives it; given again should
    # the real client's own word about 10.20.30.40 come between, until the pump reads it last).
    window = started(options(
        tmp_path, *SESSION, "--broker", "mqtt://10.20.30.40:1883", "--chair", "chair-3",
        "--allow-plaintext", "--quiet-room"))
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    bridge = window.findChild(NetworkBridge)
    assert bridge is not None
    link = bridge.link
    qtbot.waitUntil(lambda: (link._on_bus_status(status), bridge.pump(),
                             link._bus_status is status)[-1], timeout=5000)
    label = _label(window)
    # The line draws UNENCRYPTED and the quiet-room state whole, and cuts the cause with "…";
    # the tooltip has all of it, the cause last.
    assert _drawn_up_to(label, "UNENCRYPTED (allow_plaintext is on)"), label.text()
    assert _drawn_up_to(label, "quiet room: full volume"), label.text()
    assert label.text() != _line(window) and label.text().endswith("…")
    assert _line(window).startswith("Clinic network: ") and _line(window).endswith(f"; {cause}")


def test_a_stopped_console_runs_no_pump_into_its_closed_log(tmp_path, qtbot):
    # Stopping the bus posts its last status to the bridge (a pump for the next turn of the
    # loop). The app stops as `run()` does: the cleanups close the session's log, then the
    # window goes with its bridge and what was posted to it, before any turn of the loop.
    # (Not given to qtbot: disposed of here, pytest-qt would close a deleted window.)
    cleanups: list = []
    window = build(options(tmp_path, *SESSION, "--broker", "mqtt://10.20.30.40:1883",
                           "--chair", "chair-3", "--allow-plaintext"), cleanups,
                   audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
    stopped = False
    try:
        bridge = window.findChild(NetworkBridge)
        assert bridge is not None
        link = bridge.link
        calls: list[str] = []
        link_pump, link_wake = link.pump, link.wake

        def pump(held: bool = False):
            calls.append("pump")
            return link_pump(held)

        def wake():
            calls.append("wake")
            link_wake()

        link.pump, link.wake = pump, wake   # type: ignore[method-assign]
        QtWidgets.QApplication.processEvents()
        calls.clear()
        run_cleanups(cleanups)
        stopped = True
        assert "wake" in calls and "pump" not in calls   # posted while the bus stopped
    finally:
        if not stopped:
            run_cleanups(cleanups)
        dispose(window)
    QtWidgets.QApplication.processEvents()   # a pump raising here would fail this test
    assert "pump" not in calls
