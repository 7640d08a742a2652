"""The idle lock (issue 13): after the idle time the live window locks; the alarm area, tiles and
trend stay, F2 and F3 still work with nobody signed in, everything else waits for a sign-in, and
a sign-in by another nurse is a hand-over; what was typed and not recorded does not outlive the
lock or a hand-over. Real engine, real SQLite log, real Argon2id (at its smallest cost), a clock
moved by hand: nothing sleeps. Every case is checked in the log."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from console.clock import ManualClock
from console.identity import Argon2Hasher, SecretKind, Staff
from console.session.chair_identity import ChairIdentity
from console.session.engine import Patient, SessionEngine
from console.session.entry import Rejected
from console.session.journal import Journal
from console.session.lock import LOCKED_MESSAGE, locked_actor
from console.store import EventLog
from console.ui.controller import SessionController
from console.ui.live_window import LiveWindow
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.ui.conftest import Answers

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN, ADMIN_PIN = "Ada Admin", "58203914"
ANA, ANA_PIN = "Ana Nurse", "47116032"
BEN, BEN_PIN, BEN_BADGE = "Ben Nurse", "61829305", "B-0042"
PAT, PAT_PIN = "Pat Prescriber", "90517362"
LOCK_AFTER_S = 600.0


def fast_hasher() -> Argon2Hasher:
    """Argon2id at its smallest cost: the production code path in milliseconds."""
    return Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)


def add_accounts(log: EventLog, hasher: Argon2Hasher) -> Staff:
    staff = Staff(log, hasher)
    admin = staff.add(ADMIN, "administrator", ADMIN_PIN, SecretKind.PIN, None, START)
    staff.add(ANA, "nurse", ANA_PIN, SecretKind.PIN, admin, START)
    staff.add(BEN, "nurse", BEN_PIN, SecretKind.PIN, admin, START, badge=BEN_BADGE)
    staff.add(PAT, "prescriber", PAT_PIN, SecretKind.PIN, admin, START)
    return staff


class Chair:
    """A session run by Ana on a log with accounts, its live window shown."""

    def __init__(self, tmp_path, qtbot) -> None:
        self.log = EventLog.open(tmp_path / "log.sqlite3", "test")
        self.staff = add_accounts(self.log, fast_hasher())
        self.clock = ManualClock(START)
        journal = Journal(self.log)
        protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
        self.engine = SessionEngine.open(protocol, journal, Patient("MRN-7", 72), ANA,
                                         self.clock.now())
        identity = ChairIdentity(self.staff, self.clock.now().mono, LOCK_AFTER_S, "chair 3",
                                 account=self.staff.find(ANA))
        self.controller = SessionController(self.engine, self.clock, identity=identity)
        self.window = LiveWindow(self.controller, journal, Answers(), Answers())
        qtbot.addWidget(self.window)
        self.window.resize(1366, 740)
        self.window.show()

    def t(self, seconds: float) -> None:
        """Move the clock on by `seconds` and let the controller's timer tick once."""
        self.clock.advance(seconds)
        self.controller.tick()

    def close(self) -> None:
        self.controller.stop()
        self.log.close()

    def rows(self, sql: str, *args: object) -> list[tuple]:
        return self.log.conn.execute(sql, args).fetchall()


@pytest.fixture
def chair(tmp_path, qtbot):
    chair = Chair(tmp_path, qtbot)
    yield chair
    chair.close()


def sign_in(chair: Chair, name: str, secret: str) -> str:
    bar = chair.window.lock_bar
    bar.name.setText(name)
    bar.secret.setText(secret)
    bar.button.click()
    assert bar.secret.text() == ""   # the secret never stays on screen
    return bar.message.text()


def test_the_window_locks_after_the_idle_time_and_keeps_the_alarm_area(chair):
    window = chair.window
    # Step 1: a high alarm while Ana is at the chair.
    assert not isinstance(chair.controller.enter_manual("heart_rate", 140), Rejected)
    assert not window.lock_bar.isVisible() and window.entry.isVisible()
    # Step 2: 9:59 min idle: still open.
    chair.t(LOCK_AFTER_S - 1)
    assert not chair.controller.locked and window.entry.isEnabled()
    # Step 3: 10 min idle: locked; the alarm, the tiles and the trend stay, entry and the side go.
    chair.t(1)
    assert chair.controller.locked
    assert window.lock_bar.isVisible() and window.lock_bar.title.text() == LOCKED_MESSAGE
    assert not window.entry.isVisible() and not window.side.isEnabled()
    assert window.alarm_bar.isVisible() and window.alarm_bar.isEnabled()
    assert window.alarm_bar.ack_button.isEnabled()
    assert window.tiles.isVisible() and window.trend.isVisible()
    assert any("Heart rate 140" in row for row in window.alarm_bar.rows())


def test_activity_keeps_the_station_open(chair):
    chair.t(LOCK_AFTER_S - 10)
    chair.controller.note_activity()        # a key or a click
    chair.t(LOCK_AFTER_S - 10)
    assert not chair.controller.locked
    chair.controller.note(text="patient comfortable")   # an action is activity too
    chair.t(LOCK_AFTER_S - 1)
    assert not chair.controller.locked
    chair.t(1)
    assert chair.controller.locked


def test_typing_in_a_dialog_of_the_chair_keeps_the_station_open(chair, qtbot):
    """Review 37 (staff 8): keys in the console's own question ("Reason for the correction", a
    window of the live window) were not activity; the station locked under the nurse typing and
    what she then confirmed was refused. A window that is not the chair's does not count."""
    from PySide6 import QtCore, QtWidgets

    from console.ui.checklist_panel import DialogAsker

    dialog = DialogAsker(chair.window).build("Reason for the correction", "Why is it corrected?")
    qtbot.addWidget(dialog)
    dialog.show()
    field = dialog.findChild(QtWidgets.QLineEdit)
    for _ in range(4):   # 4 x 4 min of typing in the dialog
        chair.t(LOCK_AFTER_S * 0.4)
        qtbot.keyClick(field, QtCore.Qt.Key.Key_A)
    assert field.text() == "aaaa" and not chair.controller.locked
    elsewhere = QtWidgets.QLineEdit()   # another program's window, as far as the chair knows
    qtbot.addWidget(elsewhere)
    for _ in range(3):
        chair.t(LOCK_AFTER_S * 0.4)
        qtbot.keyClick(elsewhere, QtCore.Qt.Key.Key_A)
    assert chair.controller.locked


def test_an_alarm_acknowledged_on_the_lock_screen_is_logged_without_a_sign_in(chair, qtbot):
    chair.controller.enter_manual("heart_rate", 140)
    chair.t(LOCK_AFTER_S)
    assert chair.controller.locked
    # F2 on the locked window: acknowledged, nobody signed in, and still locked.
    with qtbot.waitSignal(chair.controller.changed):
        chair.window.alarm_bar.ack_shortcut.activated.emit()
    acks = chair.rows("SELECT condition, actor FROM alarm_events WHERE transition = 'acknowledged'")
    assert acks and all(actor == locked_actor(ANA) for _, actor in acks)
    assert locked_actor(ANA) == "Ana Nurse (station locked: not signed in)"
    # F3: audio paused, also without a sign-in.
    chair.window.alarm_bar.pause_shortcut.activated.emit()
    paused = chair.rows("SELECT actor FROM events WHERE kind = 'audio_paused'")
    assert paused == [(locked_actor(ANA),)]
    assert chair.controller.locked   # acknowledging does not unlock


def test_entry_and_the_checklist_are_refused_while_locked(chair):
    chair.t(LOCK_AFTER_S)
    before = chair.rows("SELECT count(*) FROM observations")
    verdict = chair.controller.enter_manual("heart_rate", 80)
    assert isinstance(verdict, Rejected) and verdict.message == LOCKED_MESSAGE
    assert chair.controller.enter_manual_row("heart_rate", 80)[0] == Rejected("heart_rate", LOCKED_MESSAGE)
    for outcome in (chair.controller.note("x"), chair.controller.tick_item("consent"),
                    chair.controller.advance_phase("x"), chair.controller.discharge("x")):
        assert not outcome.done and outcome.message == LOCKED_MESSAGE
    assert chair.rows("SELECT count(*) FROM observations") == before
    assert chair.rows("SELECT count(*) FROM events WHERE kind IN ('note', 'phase_ended', "
                      "'checklist_ticked', 'discharged')") == [(0,)]


def test_a_wrong_pin_is_refused_and_logged(chair):
    chair.t(LOCK_AFTER_S)
    text = sign_in(chair, ANA, "00000000")
    assert text.startswith("Name or badge and PIN or password do not match an account")
    assert chair.controller.locked and chair.window.lock_bar.isVisible()
    rows = chair.rows("SELECT typed, outcome, purpose, station FROM sign_ins ORDER BY id")
    assert rows[-1] == (ANA, "wrong", "sign-in", "chair 3")
    # The secret is nowhere in the log.
    dump = "\n".join(chair.log.conn.iterdump())
    assert "00000000" not in dump and ANA_PIN not in dump


def test_the_lock_out_says_when_to_try_again_in_the_stations_local_time(tmp_path, qtbot,
                                                                         monkeypatch):
    """Review 37 (staff 7): in New York the bar said "(at 2026-03-02T09:15:00.000Z)", the log's
    UTC text, while the station's clock said 04:10."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    chair = Chair(tmp_path, qtbot)
    try:
        chair.t(LOCK_AFTER_S)   # 09:10 UTC, 04:10 in New York
        for _ in range(5):
            text = sign_in(chair, ANA, "00000000")
        assert text == (f"{ANA} is locked after 5 wrong PINs or passwords in a row: try again in "
                        "5:00 min (at 2026-03-02T04:15:00-05:00), or ask an administrator to "
                        "reset it.")
    finally:
        chair.close()
        monkeypatch.undo()
        time.tzset()


def test_a_sign_in_the_log_cannot_record_is_refused_in_words_not_as_a_console_fault(chair):
    """A backup tool holding the log's write lock: the sign-in's row could not be written, the
    error left the button's slot as a console fault and the station stayed locked with no word
    of why (the data-path audit). It says so now; the alarm area still works."""
    import sqlite3

    chair.t(LOCK_AFTER_S)
    chair.log.set_busy_timeout(0)
    other = sqlite3.connect(chair.log.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        text = sign_in(chair, ANA, ANA_PIN)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert text.startswith("Sign-in cannot be recorded now, so the station stays locked: Cannot "
                           "write the session log")
    assert "another program is holding it locked" in text and "F2 acknowledges" in text
    assert chair.controller.locked
    assert not chair.controller.fallback_faults and chair.engine.board.occurrence_for(
        "console_fault") is None
    assert sign_in(chair, ANA, ANA_PIN) == f"Signed in as {ANA}."   # the log is back


def test_a_sign_in_unlocks_and_the_same_nurse_carries_on(chair):
    chair.t(LOCK_AFTER_S)
    assert sign_in(chair, ANA, ANA_PIN) == f"Signed in as {ANA}."
    assert not chair.controller.locked
    assert chair.window.entry.isVisible() and chair.window.side.isEnabled()
    assert not chair.window.lock_bar.isVisible()
    assert chair.rows("SELECT outcome FROM sign_ins ORDER BY id DESC LIMIT 1") == [("ok",)]
    assert chair.rows("SELECT count(*) FROM events WHERE kind = 'handed_over'") == [(0,)]
    chair.controller.enter_manual("heart_rate", 80)
    assert chair.rows("SELECT entered_by FROM observations WHERE metric = 'heart_rate'") == [(ANA,)]
    # The idle time starts again at the sign-in.
    chair.t(LOCK_AFTER_S - 1)
    assert not chair.controller.locked


def test_another_nurse_signing_in_takes_the_session_over(chair):
    chair.t(LOCK_AFTER_S)
    text = sign_in(chair, BEN_BADGE, BEN_PIN)   # by badge
    assert text == f"Signed in as {BEN}: you have taken the session over from {ANA}."
    assert not chair.controller.locked and chair.engine.nurse == BEN
    events = chair.rows("SELECT actor, detail FROM events WHERE kind = 'handed_over'")
    assert [(actor, json.loads(detail)) for actor, detail in events] == [
        (BEN, {"from": ANA, "to": BEN})]
    chair.controller.enter_manual("heart_rate", 80)
    assert chair.rows("SELECT entered_by FROM observations WHERE metric = 'heart_rate'") == [(BEN,)]
    assert BEN in chair.window.header.full_text()


def test_what_was_typed_before_the_lock_is_not_recorded_as_the_next_nurses(chair, qtbot):
    """Review 39: Ana typed HR 72 (and a note, and an Aldrete 9) without Return and was called
    away; the station locked, Ben signed in and recorded his BP 130/85: the form still held
    Ana's 72 and the log an HR 72 entered by Ben, a value he never measured nor typed."""
    from PySide6 import QtCore

    from console.ui.entry_panel import EMPTY_SCORE, UNSAVED_CLEARED

    entry = chair.window.entry
    # Step 1: Ana types, records nothing.
    qtbot.keyClicks(entry.fields["heart_rate"], "72")
    qtbot.keyClicks(entry.note, "patient asleep")
    entry.aldrete.setFocus()
    qtbot.keyClicks(entry.aldrete, "9")
    assert (entry.fields["heart_rate"].text(), entry.aldrete.value()) == ("72", 9)
    # Step 2: idle time: locked; what was typed is gone from the form.
    chair.t(LOCK_AFTER_S)
    assert chair.controller.locked
    assert [f.text() for f in entry.fields.values()] == ["", "", "", ""]
    assert entry.note.text() == "" and entry.aldrete.value() == EMPTY_SCORE
    assert entry.aldrete.text() == "—"
    # Step 3: Ben signs in (a hand-over) and reads that typing was cleared.
    answer = sign_in(chair, BEN, BEN_PIN)
    assert not chair.controller.locked and chair.engine.nurse == BEN, answer
    assert entry.message.text() == UNSAVED_CLEARED == (
        "Unsaved entries were cleared when the station locked: nothing of them was recorded.")
    # Step 4: Ben records his BP: only his BP is in the log, under his name.
    entry.fields["bp"].setFocus()
    qtbot.keyClicks(entry.fields["bp"], "130/85")
    qtbot.keyClick(entry.fields["bp"], QtCore.Qt.Key.Key_Return)
    assert entry.message.text() == "Recorded: BP 130/85 mmHg"
    assert chair.rows("SELECT metric, value, entered_by FROM observations ORDER BY id") == [
        ("bp_systolic", 130.0, BEN), ("bp_diastolic", 85.0, BEN)]
    assert chair.rows("SELECT count(*) FROM events WHERE kind = 'note'") == [(0,)]


def test_a_lock_with_nothing_typed_says_nothing_and_takes_the_undo_away(chair, qtbot):
    """Nothing typed: nothing to say at the sign-in. An Undo still running when Ana locks the
    station belongs to her: Ben signing in must not find it (it would be his, in the log)."""
    from console.ui.entry_panel import UNSAVED_CLEARED

    entry = chair.window.entry
    entry.observation_buttons[("nausea", 1)].click()
    assert entry.undo_offered() is not None
    chair.controller.lock_now()   # Ana leaves the chair
    assert entry.undo_offered() is None
    sign_in(chair, BEN, BEN_PIN)
    assert entry.undo_offered() is None and not entry.undo_button.isVisibleTo(entry)
    assert entry.message.text() != UNSAVED_CLEARED


def test_a_hand_over_without_a_lock_clears_the_earlier_nurses_typing(chair, qtbot):
    """The hand-over itself, the station open: what Ana typed is not Ben's either."""
    entry = chair.window.entry
    qtbot.keyClicks(entry.fields["spo2"], "97")
    answer = chair.controller.sign_in(BEN, BEN_PIN)
    assert answer.hand_over_from == ANA and chair.engine.nurse == BEN
    assert entry.fields["spo2"].text() == ""
    assert entry.message.text() == (f"Unsaved entries were cleared when {BEN} took the session "
                                    f"over from {ANA}: nothing of them was recorded.")


def test_the_next_lock_says_how_to_act_not_what_the_last_sign_in_answered(chair):
    chair.t(LOCK_AFTER_S)
    assert sign_in(chair, ANA, "00000000").startswith("Name or badge and PIN or password do not")
    sign_in(chair, BEN_BADGE, BEN_PIN)
    chair.t(LOCK_AFTER_S)   # Ben leaves the chair: locked again
    assert chair.window.lock_bar.isVisible()
    assert chair.window.lock_bar.message.text() == (
        "Alarms can be acknowledged (F2) and audio paused (F3) without signing in.")


def test_an_account_without_the_nurse_role_does_not_unlock(chair):
    chair.t(LOCK_AFTER_S)
    text = sign_in(chair, PAT, PAT_PIN)
    assert text == (f"{PAT} (prescriber) may not run a session: it needs the nurse role.")
    assert chair.controller.locked and chair.engine.nurse == ANA
    # The right PIN is an `ok` row whose purpose says the station refused her: an auditor's
    # "who signed in at chair 3" (purpose `sign-in`) does not find her.
    assert chair.rows("SELECT typed, outcome, purpose FROM sign_ins ORDER BY id DESC LIMIT 1") == [
        (PAT, "ok", "sign-in refused: may not run a session")]


def test_no_lock_on_a_log_without_accounts(live):
    controller, _journal, clock, _log = live
    assert controller.identity is None
    clock.advance(24 * 3600)
    controller.tick()
    assert not controller.locked
    assert controller.note("still open").done


def test_the_lock_after_option(tmp_path):
    from console.cli import gui_parser

    assert gui_parser().parse_args([]).lock_after == 10.0
    assert gui_parser().parse_args(["--lock-after", "2.5"]).lock_after == 2.5
    with pytest.raises(SystemExit):
        gui_parser().parse_args(["--lock-after", "0"])



def test_a_session_resumed_on_a_log_with_accounts_opens_locked_with_its_alarms(tmp_path, qtbot):
    from console.cli import gui_parser
    from console.ui.app import build
    from console.ui.audio import RecordingAudioOut

    db = tmp_path / "log.sqlite3"
    log = EventLog.open(db, "test")
    add_accounts(log, fast_hasher())
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    # Minutes ago: a start from the command line resumes only a session this recent.
    clock = ManualClock(datetime.now(UTC))
    engine = SessionEngine.open(protocol, Journal(log), Patient("MRN-7", 72), ANA, clock.now())
    engine.enter_manual("bp_systolic", 212, ANA, clock.now(), confirmed=True)   # a high alarm
    log.close()   # the console stopped without discharge
    cleanups: list = []
    try:
        window = build(gui_parser().parse_args(
            ["--db", str(db), "--protocol", "iv-ketamine", "--patient", "MRN-7", "--weight", "72",
             "--nurse", ANA]), cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
            asker=Answers())
        qtbot.addWidget(window)
        controller = window.controller
        assert controller.locked   # nothing at the chair before a sign-in
        assert any(o.condition == "bp_systolic_high" for o in controller.view.alarms())
        assert controller.view.audio(controller.clock.now()).priority is not None   # it sounds
        assert controller.sign_in(ANA, ANA_PIN).ok and not controller.locked
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_a_command_line_resume_does_not_record_an_unchecked_nurse(tmp_path, qtbot, capsys):
    """Review 37 (staff 6): `--nurse NAME` without a secret resumed the session and its
    `session_resumed` row named whatever was typed, an account or not. A resume is never
    refused (its alarms come back at once) and opens locked, so the name is not recorded: the
    console resumed it (as the start screen's resume records), and stderr says so."""
    import sqlite3

    from console.cli import gui_parser
    from console.records import ENGINE
    from console.ui.app import build
    from console.ui.audio import RecordingAudioOut

    db = tmp_path / "log.sqlite3"
    log = EventLog.open(db, "test")
    add_accounts(log, fast_hasher())
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    engine = SessionEngine.open(protocol, Journal(log), Patient("MRN-7", 72), ANA,
                                ManualClock(datetime.now(UTC)).now())
    log.close()   # the console stopped without discharge
    for start in (["--protocol", "iv-ketamine", "--patient", "MRN-7", "--weight", "72"],
                  ["--resume", str(engine.session_id)]):
        cleanups: list = []
        try:
            window = build(gui_parser().parse_args(
                ["--db", str(db), *start, "--nurse", "Mallory Nobody"]), cleanups,
                audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
            qtbot.addWidget(window)
            assert window.controller.locked
        finally:
            for cleanup in reversed(cleanups):
                cleanup()
        assert "--nurse Mallory Nobody is not recorded: a session resumed on a log with staff " \
               "accounts opens locked, and the nurse signs in on its lock bar" \
               in capsys.readouterr().err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT actor FROM events WHERE kind = 'session_resumed'"
                            ).fetchall() == [(ENGINE,), (ENGINE,)]


def test_a_hand_over_survives_a_restart(tmp_path, qtbot):
    """Review 37 (staff 2): Ana handed the session to Ben, then the console restarted. The
    resumed session went back to Ana: an F2 on the locked station named her, and Ben's sign-in
    wrote a second, false hand-over "from Ana". It stays Ben's."""
    from console.cli import gui_parser
    from console.ui.app import build
    from console.ui.audio import RecordingAudioOut

    db = tmp_path / "log.sqlite3"
    log = EventLog.open(db, "test")
    add_accounts(log, fast_hasher())
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    clock = ManualClock(datetime.now(UTC))
    engine = SessionEngine.open(protocol, Journal(log), Patient("MRN-7", 72), ANA, clock.now())
    assert engine.hand_over(BEN, clock.advance(60)).done   # as the lock bar's sign-in does
    engine.enter_manual("bp_systolic", 212, BEN, clock.advance(60), confirmed=True)
    log.close()   # the console stopped without discharge
    cleanups: list = []
    try:
        window = build(gui_parser().parse_args(["--db", str(db), "--resume",
                                                str(engine.session_id)]), cleanups,
                       audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        controller = window.controller
        assert controller.locked and controller.acknowledge_all().done
        answer = controller.sign_in(BEN, BEN_PIN)
        assert answer.ok and answer.hand_over_from is None, answer.message
        with EventLog.open(db, "test") as check:
            acks = check.conn.execute("SELECT actor FROM alarm_events WHERE transition = "
                                      "'acknowledged'").fetchall()
            hand_overs = check.conn.execute("SELECT detail FROM events WHERE kind = "
                                            "'handed_over'").fetchall()
        assert acks and all(a == locked_actor(BEN) for (a,) in acks), acks
        assert [json.loads(d) for (d,) in hand_overs] == [{"from": ANA, "to": BEN}]
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_on_a_log_with_accounts_a_session_starts_with_a_sign_in(tmp_path, qtbot):
    import sqlite3

    from console.cli import gui_parser
    from console.ui.app import build
    from console.ui.audio import RecordingAudioOut
    from console.ui.start_screen import StartRequest

    db = tmp_path / "log.sqlite3"
    log = EventLog.open(db, "test")
    add_accounts(log, fast_hasher())
    log.close()
    cleanups: list = []
    try:
        window = build(gui_parser().parse_args(["--db", str(db)]), cleanups,
                       audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        screen = window.start_screen
        assert screen.secret_edit.isVisibleTo(screen) and not screen.secret_edit.text()

        def start(nurse: str, secret: str) -> None:
            screen.start_requested.emit(StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, nurse,
                                                     None, None, secret=secret))

        start(BEN_BADGE, "00000000")   # a wrong PIN: nothing starts, the refusal is said
        assert window.live is None
        assert "do not match" in screen.nurse_message.text()
        start(PAT, PAT_PIN)            # a prescriber-only account does not run a session
        assert window.live is None and "nurse" in screen.nurse_message.text()
        start(BEN_BADGE, BEN_PIN)      # the badge and the right PIN
        assert window.live is not None and not window.controller.locked
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT nurse FROM sessions").fetchall() == [(BEN,)]
            outcomes = [o for (o,) in conn.execute("SELECT outcome FROM sign_ins ORDER BY id")]
        assert outcomes == ["wrong", "ok", "ok"]
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_a_command_line_session_signs_its_nurse_in_from_a_descriptor(tmp_path, qtbot):
    import os
    import sqlite3

    from console.cli import gui_parser
    from console.ui.app import StartError, build
    from console.ui.audio import RecordingAudioOut

    db = tmp_path / "log.sqlite3"
    log = EventLog.open(db, "test")
    add_accounts(log, fast_hasher())
    log.close()

    def start(*extra: str) -> object:
        cleanups: list = []
        try:
            window = build(gui_parser().parse_args(
                ["--db", str(db), "--protocol", "iv-ketamine", "--patient", "MRN-5",
                 "--weight", "70", *extra]), cleanups, audio_out=RecordingAudioOut(),
                confirmer=Answers(), asker=Answers())
            qtbot.addWidget(window)
            return window
        finally:
            for cleanup in reversed(cleanups):
                cleanup()

    def piped(secret: str) -> str:
        read, write = os.pipe()
        os.write(write, (secret + "\n").encode())
        os.close(write)
        return str(read)

    with pytest.raises(StartError, match="Give --secret-fd N"):
        start("--nurse", ANA)
    with pytest.raises(StartError, match=f"--nurse {ANA}: .*do not match"):
        start("--nurse", ANA, "--secret-fd", piped("11111111"))
    start("--nurse", ANA, "--secret-fd", piped(ANA_PIN))
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT nurse FROM sessions").fetchall() == [(ANA,)]
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("log.sqlite3*"))
    assert ANA_PIN.encode() not in raw and b"11111111" not in raw
