"""PCD-04 says the bedside's own alarm state (network.md: "paused -> update"): an acknowledged
alarm whose priority steps down is still acknowledged; an audio pause and its end are updates of
every open alarm not acknowledged; after a restart the composer knows what the log says. The
messages are the outbox rows the console's own composer wrote in the log's transaction."""

from __future__ import annotations

from pathlib import Path

from console.clock import ManualClock
from console.network.composer import PcdComposer, sent_pcd01, session_readings
from console.network.pcd import PatientShown, Station
from console.network.pcd_read import read_pcd04
from console.records import AlarmTransition, EventRecord
from console.review.queries import observation_by_id
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from console.store.outbox import OutboxHooks
from devices.reading import Reading
from protocols.vitals import metric
from tests.session.helpers import START, iv_protocol

STATION = Station("console-test", equipment_id_type="UUID", room="R3", bed="chair-3")


class Chair:
    """A session on a real log whose outbox the console's composer fills."""

    def __init__(self, path: Path) -> None:
        self.clock = ManualClock(START)
        self.log = EventLog.open(path, "test")
        # Wired to the log as console/network/link.py wires it.
        composer = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                               self.clock,
                               observation=lambda row: observation_by_id(self.log.conn, row),
                               sent_observations=lambda s: sent_pcd01(self.log.conn, s),
                               readings=lambda s: session_readings(self.log, s))
        self.log.attach_outbox(OutboxHooks(composer, lambda rows: None, self.fail))
        self.engine = SessionEngine.open(iv_protocol(), self.log, Patient("P-001", 70.0),
                                         "nurse.ana", self.clock.now())
        self.seen = 0
        for name, value in (("bp_systolic", 120), ("bp_diastolic", 80), ("heart_rate", 70)):
            self.engine.enter_manual(name, value, "nurse.ana", self.clock.now(), False)
        for item in ("consent", "baseline_bp"):
            assert self.engine.tick_item(item, "nurse.ana", self.clock.now(),
                                         gate_decision="Dr Lee: proceed").done
        assert self.engine.advance_phase("nurse.ana", self.clock.now()).done
        self.t(60)
        self.sent()

    @staticmethod
    def fail(exc: Exception) -> None:
        raise AssertionError(f"the composer failed: {exc}")

    def t(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.engine.tick(self.clock.now())

    def device(self, name: str, value: float) -> None:
        now = self.clock.now()
        self.engine.ingest(Reading(name, value, metric(name).unit, now.wall, now.wall, "hl7:SIM"),
                           now)

    def occurrence(self, condition: str) -> int:
        return next(o.id for o in self.engine.alarms() if o.condition == condition)

    def sent(self) -> list[tuple[int, str, str]]:
        """(occurrence, phase, inactivation) of the PCD-04s written since the last call."""
        rows = self.log.conn.execute(
            "SELECT id, message FROM outbox WHERE id > ? AND kind = 'pcd04' ORDER BY id",
            [self.seen]).fetchall()
        if rows:
            self.seen = rows[-1][0]
        return [(r.occurrence, r.phase.value, r.inactivation.value)
                for r in (read_pcd04(message) for _, message in rows)]


def test_an_acknowledged_alarm_stepping_down_is_still_acknowledged(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    chair.device("heart_rate", 131)   # high
    hr = chair.occurrence("heart_rate_high")
    chair.engine.acknowledge(hr, "nurse.ana", chair.clock.now())
    chair.t(2)
    chair.device("heart_rate", 115)   # medium: the same occurrence, one priority down
    assert chair.sent()[-1] == (hr, "update", "alert-acknowledged")


def test_an_audio_pause_and_its_end_are_updates_of_each_open_alarm_not_acknowledged(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    chair.device("heart_rate", 131)
    hr = chair.occurrence("heart_rate_high")
    chair.engine.acknowledge(hr, "nurse.ana", chair.clock.now())
    chair.t(1)
    chair.device("resp_rate", 26)     # medium, not acknowledged
    rr = chair.occurrence("resp_rate_high")
    chair.sent()
    chair.t(1)
    assert chair.engine.pause_audio("nurse.ana", chair.clock.now()).done
    assert chair.sent() == [(rr, "update", "audio-paused")]
    chair.t(125)                      # the pause runs out
    assert chair.sent() == [(rr, "update", "enabled")]


def test_after_a_restart_the_composer_knows_the_acknowledgement_from_the_log():
    def step(transition: str, priority: str) -> AlarmTransition:
        return AlarmTransition(1, 4, "heart_rate_high", "physiological", priority, transition,
                               START, "HR 131", 131.0, ">130")

    history = [step("raised", "high"), step("acknowledged", "high")]
    composer = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                           ManualClock(START), history=lambda _session: history)
    (message,) = composer.compose([step("deescalated", "medium")], lambda: "c-1")
    assert read_pcd04(message.message).inactivation.value == "alert-acknowledged"


def test_a_return_to_a_priority_already_acknowledged_is_sent_still_acknowledged(tmp_path):
    # RR wavering across the high tier's limit (8/9): the interface engine and the central
    # station read the bedside's state, which stays acknowledged (console/session/alarms.py).
    chair = Chair(tmp_path / "log.sqlite3")
    chair.device("resp_rate", 8)     # high
    rr = chair.occurrence("resp_rate_low")
    chair.engine.acknowledge(rr, "nurse.ana", chair.clock.now())
    for value in (9, 8, 9, 8):
        chair.t(1)
        chair.device("resp_rate", value)
    assert [i for _, _, i in chair.sent()][-4:] == ["alert-acknowledged"] * 4


def test_after_a_restart_the_composer_still_knows_the_priority_acknowledged():
    def step(transition: str, priority: str) -> AlarmTransition:
        return AlarmTransition(1, 4, "resp_rate_low", "physiological", priority, transition,
                               START, "RR 8", 8.0, "≤8")

    history = [step("raised", "high"), step("acknowledged", "high"), step("deescalated", "medium")]
    composer = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                           ManualClock(START), history=lambda _session: history)
    (message,) = composer.compose([step("escalated", "high")], lambda: "c-1")
    assert read_pcd04(message.message).inactivation.value == "alert-acknowledged"
    # Acknowledged at medium only: a rise to high is news, sent enabled (it sounds).
    history = [step("raised", "medium"), step("acknowledged", "medium")]
    composer = PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                           ManualClock(START), history=lambda _session: history)
    (message,) = composer.compose([step("escalated", "high")], lambda: "c-2")
    assert read_pcd04(message.message).inactivation.value == "enabled"


def test_an_alarm_breaking_through_an_audio_pause_is_sent_sounding_not_paused(tmp_path):
    # IEC 60601-1-8: a new alarm of higher priority sounds at once and ends the pause. The log
    # holds its raise before the pause's end; composed in that order its PCD-04 start said
    # `audio-paused` (an alarm manager paging on the start saw a silenced alarm), then an update.
    chair = Chair(tmp_path / "log.sqlite3")
    chair.device("resp_rate", 26)          # medium, sounding
    rr = chair.occurrence("resp_rate_high")
    chair.sent()
    chair.t(1)
    assert chair.engine.pause_audio("nurse.ana", chair.clock.now()).done
    assert chair.sent() == [(rr, "update", "audio-paused")]
    chair.t(1)
    chair.device("heart_rate", 131)        # high: breaks through the pause
    hr = chair.occurrence("heart_rate_high")
    assert chair.engine.audio(chair.clock.now()).paused_seconds_left is None   # bedside sounds
    # The start says it sounds; the pause's end still reaches the alarm already open, once.
    assert chair.sent() == [(hr, "start", "enabled"), (rr, "update", "enabled")]


def test_an_alarm_escalating_through_an_audio_pause_is_sent_sounding_once(tmp_path):
    # The same break-through by an escalation: its own update says it sounds, no second one.
    chair = Chair(tmp_path / "log.sqlite3")
    chair.device("resp_rate", 26)          # medium, sounding
    rr = chair.occurrence("resp_rate_high")
    chair.t(1)
    assert chair.engine.pause_audio("nurse.ana", chair.clock.now()).done
    chair.t(1)
    chair.device("heart_rate", 115)        # medium: raised paused, no break-through
    hr = chair.occurrence("heart_rate_high")
    assert chair.sent()[-1] == (hr, "start", "audio-paused")
    chair.t(1)
    chair.device("heart_rate", 131)        # high: the same occurrence escalates through the pause
    assert chair.engine.audio(chair.clock.now()).paused_seconds_left is None
    assert chair.sent() == [(hr, "update", "enabled"), (rr, "update", "enabled")]


def test_a_typo_escalation_taken_back_is_sent_acknowledged_as_the_bedside_shows_it(tmp_path):
    # An acknowledged medium systolic 185, a typed 250 escalates it to high (sounding), the 250
    # entered in error: the bedside puts the medium back acknowledged (alarms.py
    # `_undo_escalation`); its PCD-04 said active/enabled, the central sounded it and could
    # not acknowledge it (the chair refuses "already acknowledged").
    chair = Chair(tmp_path / "log.sqlite3")
    chair.engine.enter_manual("bp_systolic", 185, "nurse.ana", chair.clock.now(), False)
    bp = chair.occurrence("bp_systolic_high")
    assert chair.engine.acknowledge(bp, "nurse.ana", chair.clock.now()).done
    chair.t(5)
    _, typo = chair.engine.enter_manual_row("bp_systolic", 250, "nurse.ana", chair.clock.now())
    assert typo is not None
    assert chair.sent()[-1] == (bp, "update", "enabled")       # high: sounding again
    chair.t(5)
    assert chair.engine.void(typo, "bp_systolic", "nurse.ana", chair.clock.now(),
                             "typed 250").done
    assert [(o.id, o.state.value) for o in chair.engine.alarms()
            if o.condition == "bp_systolic_high"] == [(bp, "acknowledged")]
    assert [s for s in chair.sent() if s[0] == bp][-1] == (bp, "update", "alert-acknowledged")


def test_after_a_restart_a_typo_escalation_taken_back_is_still_acknowledged():
    # The same from the log (a restart), as the engine rebuilds it (`_open_occurrences`): the
    # take-back's `deescalated` row names the nurse. A pause then leaves the acknowledged
    # alarm alone; a value stepping down by itself (`engine`) keeps the escalation's state.
    def step(transition: str, priority: str, actor: str = "engine") -> AlarmTransition:
        return AlarmTransition(1, 4, "bp_systolic_high", "physiological", priority, transition,
                               START, "Systolic BP 185", 185.0, "≥180", actor=actor)

    def composer(*history: AlarmTransition) -> PcdComposer:
        return PcdComposer(STATION, lambda _s: PatientShown("P-001"), frozenset({"engine"}),
                           ManualClock(START), history=lambda _session: history)

    pause = EventRecord(1, START, "audio_paused", "nurse.ana")
    taken_back = composer(step("raised", "medium"), step("acknowledged", "medium"),
                          step("escalated", "high"), step("deescalated", "medium", "nurse.ana"))
    assert taken_back.compose([pause], lambda: "c-1") == []   # acknowledged: no update
    stepped_down = composer(step("raised", "medium"), step("acknowledged", "medium"),
                            step("escalated", "high"), step("deescalated", "medium"))
    (message,) = stepped_down.compose([pause], lambda: "c-2")
    assert read_pcd04(message.message).inactivation.value == "audio-paused"
