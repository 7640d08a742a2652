"""Signatures at the chair (issue 13): an override, a prescriber's decision at a gate, a discharge
and a correction each ask for a PIN first. A wrong PIN (or a cancel) leaves nothing written and the
action not done; the right one takes the action and writes a `signatures` row naming the
committed record and its row_hash. A nurse cannot sign a prescriber's decision. Real engine,
real SQLite log, real Argon2id at its smallest cost, a clock moved by hand; the signature dialog
is stood in for by `Signer` (what a nurse types), and once driven for real. Every case is checked
in the log."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from console.clock import ManualClock
from console.identity.staff import NOT_KEPT
from console.session.chair_identity import ChairIdentity
from console.session.engine import GATE_APPROVAL, Patient, SessionEngine
from console.session.entry import Accepted, Rejected
from console.session.journal import Journal
from console.session.signing import NOT_SIGNED, SignatureRequest
from console.store import EventLog
from console.ui.controller import SessionController
from console.ui.live_window import LiveWindow
from console.ui.signature_dialog import DialogSignatureService, SignatureDialog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.ui.conftest import Answers, record_attested
from tests.ui.test_lock_screen import (
    ADMIN,
    ANA,
    ANA_PIN,
    BEN,
    BEN_PIN,
    PAT,
    PAT_PIN,
    START,
    add_accounts,
    fast_hasher,
)

WRONG = "00001111"


class Signer:
    """Stands in for the signature dialog: records each request and what it was told, then
    types the set (name, PIN) answers in turn; cancels when they run out."""

    def __init__(self) -> None:
        self.requests: list[SignatureRequest] = []
        self.answers: list[tuple[str, str]] = []
        self.refusals: list[str] = []

    def sign(self, request, check) -> bool:
        self.requests.append(request)
        for name, secret in self.answers:
            refused = check(name, secret)
            if refused is None:
                return True
            self.refusals.append(refused)
        return False


class SignedChair:
    """A session run by Ana on a log with accounts, signatures asked of `signer`."""

    def __init__(self, tmp_path, qtbot, with_window: bool = False) -> None:
        self.log = EventLog.open(tmp_path / "log.sqlite3", "test")
        self.staff = add_accounts(self.log, fast_hasher())
        self.clock = ManualClock(START)
        self.journal = Journal(self.log)
        protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
        self.engine = SessionEngine.open(protocol, self.journal, Patient("MRN-7", 72), ANA,
                                         self.clock.now())
        identity = ChairIdentity(self.staff, self.clock.now().mono, 600.0, "chair 3",
                                 account=self.staff.find(ANA))
        self.signer = Signer()
        self.controller = SessionController(self.engine, self.clock, identity=identity,
                                            signature_service=self.signer)
        self.answers = Answers()
        self.window: LiveWindow | None = None
        if with_window:
            self.window = LiveWindow(self.controller, self.journal, self.answers, self.answers)
            qtbot.addWidget(self.window)

    def rows(self, sql: str, *args: object) -> list[tuple]:
        return self.log.conn.execute(sql, args).fetchall()

    def signatures(self) -> list[tuple]:
        return self.rows("SELECT account, printed_name, meaning, signed_table, signed_id, "
                         "signed_hash, session_id FROM signatures ORDER BY id")

    def event(self, kind: str) -> tuple[int, str]:
        """(id, row_hash) of the only event of `kind`."""
        found = self.rows("SELECT id, row_hash FROM events WHERE kind = ?", kind)
        assert len(found) == 1, found
        return found[0]

    def account(self, name: str) -> int:
        found = self.staff.find(name)
        assert found is not None
        return found.id

    def close(self) -> None:
        self.controller.stop()
        self.log.close()


@pytest.fixture
def chair(tmp_path, qtbot):
    chair = SignedChair(tmp_path, qtbot)
    yield chair
    chair.close()


def count(chair: SignedChair, kind: str) -> int:
    return chair.rows("SELECT count(*) FROM events WHERE kind = ?", kind)[0][0]


# ---- a phase ended against its checklist or rules ---------------------------------------------


def test_an_override_with_a_wrong_pin_is_refused_and_nothing_is_written(chair):
    chair.signer.answers = [(ANA, WRONG)]
    outcome = chair.controller.advance_phase(override_reason="consent on paper, scanned later")
    # Refused: the dialog was told why, the phase did not move, nothing was recorded.
    assert not outcome.done and outcome.message == NOT_SIGNED
    assert chair.signer.refusals == [
        "Not signed: name or badge and PIN or password do not match an account: check both "
        "and try again."]
    assert chair.engine.phase.id == "pre"
    assert count(chair, "override") == 0 and count(chair, "phase_ended") == 0
    assert chair.signatures() == []
    # The wrong secret is a logged attempt (purpose signature): the lock-out counts it.
    assert chair.rows("SELECT account, outcome, purpose, station FROM sign_ins "
                      "ORDER BY id DESC LIMIT 1") == [
        (chair.account(ANA), "wrong", "signature", "chair 3")]


def tick_all_but(chair: SignedChair, left_open: str) -> None:
    """Tick every required item of the pre-session phase except `left_open`."""
    for item in chair.engine.phase.checklist:
        if item.required and item.id != left_open:
            record_attested(chair.controller, item)   # the baseline vitals and scores
            assert chair.controller.tick_item(item.id).done, item.id


def test_an_override_with_the_right_pin_is_signed_after_its_commit(chair):
    tick_all_but(chair, "consent")
    chair.signer.answers = [(ANA, ANA_PIN)]
    outcome = chair.controller.advance_phase(override_reason="consent on paper, scanned later")
    assert outcome.done and chair.engine.phase.id == "infusion"
    # The dialog showed the meaning in plain words and named the open item.
    request = chair.signer.requests[0]
    assert request.title == ("Sign: phase ended against its checklist or rules — "
                             "'Consent for the ketamine course is current'")
    assert request.signer == ANA and "consent on paper" in request.note
    override_id, override_hash = chair.event("override")
    assert chair.signatures() == [(chair.account(ANA), ANA, "phase ended against its checklist "
                                   "or rules", "events", override_id, override_hash,
                                   chair.engine.session_id)]


def test_a_cancelled_signature_does_nothing(chair):
    chair.signer.answers = []    # Cancel at once
    outcome = chair.controller.advance_phase(override_reason="x")
    assert not outcome.done and outcome.message == NOT_SIGNED
    assert chair.engine.phase.id == "pre" and count(chair, "override") == 0
    assert chair.rows("SELECT count(*) FROM sign_ins") == [(0,)]


def test_no_signature_is_asked_when_nothing_is_overridden(chair):
    # No override reason: the engine refuses with its reasons, no PIN is asked for nothing.
    outcome = chair.controller.advance_phase()
    assert not outcome.done and "Required item open" in outcome.message
    assert chair.signer.requests == []


# ---- a prescriber's decision at a gate ---------------------------------------------------------


def raise_bp_over_the_gate(chair: SignedChair) -> None:
    for name, value in (("bp_systolic", 150), ("bp_diastolic", 95)):
        assert isinstance(chair.controller.enter_manual(name, value), Accepted)
    record_attested(chair.controller, next(i for i in chair.engine.phase.checklist if i.gate))
    refused = chair.controller.tick_item("baseline-vitals")
    assert not refused.done and refused.asks == GATE_APPROVAL and "prescriber" in refused.message


def test_a_nurse_is_refused_a_prescriber_decision_and_nothing_is_recorded(chair):
    raise_bp_over_the_gate(chair)
    chair.signer.answers = [(ANA, ANA_PIN)]
    outcome = chair.controller.tick_item("baseline-vitals", gate_decision="proceed, recheck 10 min")
    assert not outcome.done
    assert chair.signer.refusals == [
        "Cannot sign the prescriber decision at gate: Ana Nurse (nurse) may not record a "
        "prescriber's decision at a gate: it needs the prescriber role."]
    # The signed-in nurse is not even offered as the signer.
    assert chair.signer.requests[0].signer == ""
    assert count(chair, "gate_decision") == 0 and count(chair, "checklist_ticked") == 0
    assert chair.signatures() == []
    # Refused for the role before any secret was checked: no attempt logged.
    assert chair.rows("SELECT count(*) FROM sign_ins") == [(0,)]


def test_the_prescriber_signs_the_decision_with_the_right_pin(chair):
    raise_bp_over_the_gate(chair)
    chair.signer.answers = [(PAT, WRONG), (PAT, PAT_PIN)]   # a typo first: the dialog stays
    outcome = chair.controller.tick_item("baseline-vitals", gate_decision="proceed, recheck 10 min")
    assert outcome.done
    assert len(chair.signer.refusals) == 1 and "do not match" in chair.signer.refusals[0]
    assert chair.signer.requests[0].title.startswith("Sign: prescriber decision at gate — ")
    decision_id, decision_hash = chair.event("gate_decision")
    assert chair.signatures() == [(chair.account(PAT), PAT, "prescriber decision at gate",
                                   "events", decision_id, decision_hash, chair.engine.session_id)]
    # The record's actor is still the nurse at the chair; the signature names the prescriber.
    assert chair.rows("SELECT actor FROM events WHERE kind = 'gate_decision'") == [(ANA,)]


def test_overriding_past_a_prescribers_gate_needs_the_prescriber_not_the_nurse(chair):
    # BP over the pre-dose gate, no decision: "Next phase" with a reason would start dosing. A
    # nurse's override signature cannot pass a prescriber's gate (issue 13).
    raise_bp_over_the_gate(chair)
    chair.signer.answers = [(ANA, ANA_PIN)]
    outcome = chair.controller.advance_phase(override_reason="patient anxious, will settle")
    assert not outcome.done and chair.engine.phase.id == "pre"
    assert chair.signer.refusals == [
        "Cannot sign the prescriber decision at gate: Ana Nurse (nurse) may not record a "
        "prescriber's decision at a gate: it needs the prescriber role."]
    assert chair.signer.requests[0].signer == ""   # the nurse is not offered as the signer
    assert count(chair, "override") == 0 and chair.signatures() == []
    # The prescriber signs it: the override record, signed as a decision at the gate.
    chair.signer.answers = [(PAT, PAT_PIN)]
    outcome = chair.controller.advance_phase(override_reason="reviewed, proceed")
    assert outcome.done, (outcome, chair.signer.refusals)
    override_id, override_hash = chair.event("override")
    assert chair.signatures() == [(chair.account(PAT), PAT, "prescriber decision at gate",
                                   "events", override_id, override_hash,
                                   chair.engine.session_id)]


# ---- discharge ---------------------------------------------------------------------------------


def to_discharge_phase(chair: SignedChair) -> None:
    chair.signer.answers = [(ANA, ANA_PIN)]
    while chair.engine.phase.id != "discharge":
        chair.clock.advance(60)
        assert chair.controller.advance_phase(override_reason="test walk-through").done


def test_a_discharge_with_a_wrong_pin_leaves_the_session_open(chair):
    to_discharge_phase(chair)
    before = len(chair.signatures())
    chair.signer.answers = [(ANA, WRONG)]
    outcome = chair.controller.discharge(override_reason="prescriber agreed by phone")
    assert not outcome.done and not chair.engine.discharged
    assert count(chair, "discharged") == 0
    assert len(chair.signatures()) == before
    assert chair.rows("SELECT ended_at FROM sessions") == [(None,)]


def last_override(chair: SignedChair) -> tuple[int, str]:
    found = chair.rows("SELECT id, row_hash FROM events WHERE kind = 'override' "
                       "ORDER BY id DESC LIMIT 1")
    return found[0]


def test_a_nurse_alone_cannot_sign_a_discharge_against_the_gate(chair):
    """"A prescriber override is logged with a reason" (clinical-defaults.md, alarm behaviour
    9): the nurse at the chair signed the patient home past the gate alone (an esketamine
    walk). Her PIN is refused for the override before it is checked, and nothing is written."""
    to_discharge_phase(chair)
    before = len(chair.signatures())
    chair.signer.answers = [(ANA, ANA_PIN)]
    outcome = chair.controller.discharge(override_reason="prescriber agreed by phone")
    assert not outcome.done and not chair.engine.discharged
    assert chair.signer.refusals == [
        "Cannot sign the discharge against the discharge gate: Ana Nurse (nurse) may not record "
        "a prescriber's decision at a gate: it needs the prescriber role."]
    request = chair.signer.requests[-1]
    assert request.meanings == ("discharge against the discharge gate",)
    assert request.signer == ""   # the nurse is not offered as the override's signer
    assert count(chair, "discharged") == 0 and len(chair.signatures()) == before


def test_a_discharge_against_the_gate_is_signed_by_the_prescriber_then_the_nurse(chair):
    to_discharge_phase(chair)
    before = len(chair.signatures())
    chair.signer.answers = [(PAT, PAT_PIN), (ANA, ANA_PIN)]
    outcome = chair.controller.discharge(override_reason="prescriber reviewed at the chair")
    assert outcome.done and chair.engine.discharged
    # What is signed is named: a discharge against the gate, not "override of a required
    # checklist item" (a clinician's audit); the prescriber first, then the nurse.
    assert [r.meanings for r in chair.signer.requests[-2:]] == [
        ("discharge against the discharge gate",), ("discharge",)]
    assert chair.signer.requests[-1].signer == ANA
    discharged_id, discharged_hash = chair.event("discharged")
    override_id, override_hash = last_override(chair)
    assert sorted(chair.signatures()[before:]) == sorted([
        (chair.account(ANA), ANA, "discharge", "events", discharged_id, discharged_hash,
         chair.engine.session_id),
        (chair.account(PAT), PAT, "discharge against the discharge gate", "events",
         override_id, override_hash, chair.engine.session_id)])


def test_the_nurse_cancelling_after_the_prescriber_signed_leaves_the_session_open(chair):
    to_discharge_phase(chair)
    before = len(chair.signatures())
    chair.signer.answers = [(PAT, PAT_PIN)]   # then Ana's dialog is cancelled
    outcome = chair.controller.discharge(override_reason="prescriber reviewed at the chair")
    assert not outcome.done and outcome.message == NOT_SIGNED
    assert not chair.engine.discharged and count(chair, "discharged") == 0
    assert len(chair.signatures()) == before


class SlowSigner(Signer):
    """The prescriber signs at once; the nurse `after` seconds later (she was fetched)."""

    def __init__(self, clock: ManualClock, after: float) -> None:
        super().__init__()
        self.clock, self.after = clock, after

    def sign(self, request, check) -> bool:
        if len(self.requests) == 1:   # the second dialog: the nurse's
            self.clock.advance(self.after)
        return super().sign(request, check)


def test_a_discharge_whose_nurse_signs_after_the_prescribers_approval_lapsed_stays_open(chair):
    """Review 37 (staff 1): the prescriber's approval lives APPROVAL_VALID (2 min). The nurse
    signing 3 minutes later ended the session, then binding the lapsed approval raised
    (a console fault): both records unsigned, the device left running. Now nothing is
    recorded and the answer says whose signature to give again; signed in time, both sign."""
    to_discharge_phase(chair)
    before = len(chair.signatures())
    chair.controller.signature_service = slow = SlowSigner(chair.clock, 180)
    slow.answers = [(PAT, PAT_PIN), (ANA, ANA_PIN)]
    outcome = chair.controller.discharge(override_reason="prescriber reviewed at the chair")
    assert not outcome.done and not chair.engine.discharged
    assert outcome.message == ("Not done: Pat Prescriber's signature was given more than 2 "
                               "minutes ago: sign again (nothing was recorded).")
    assert count(chair, "discharged") == 0 and len(chair.signatures()) == before
    # Asked again, both in time: the session ends with both records signed.
    chair.controller.signature_service = chair.signer
    chair.signer.answers = [(PAT, PAT_PIN), (ANA, ANA_PIN)]
    assert chair.controller.discharge(override_reason="prescriber reviewed at the chair").done
    assert sorted(row[2] for row in chair.signatures()[before:]) == [
        "discharge", "discharge against the discharge gate"]


def test_a_signature_refused_after_its_record_is_committed_says_unsigned_not_a_fault(chair):
    """After the commit the action stands: a signature the identity layer then refuses leaves
    the record unsigned and the answer says so, never an exception out of the controller."""
    from console.identity import ApprovalError

    to_discharge_phase(chair)
    before = len(chair.signatures())
    signer = chair.controller._signer
    assert signer is not None

    def refuse(*_args):
        raise ApprovalError("this approval was not issued for a signature here")

    signer.signatures.sign_approved = refuse
    chair.signer.answers = [(PAT, PAT_PIN), (ANA, ANA_PIN)]
    outcome = chair.controller.discharge(override_reason="prescriber reviewed at the chair")
    assert outcome.done and chair.engine.discharged
    assert outcome.reasons[-1] == (
        "Recorded, but not signed (discharge against the discharge gate: this approval was not "
        "issued for a signature here; discharge: this approval was not issued for a signature "
        "here); it will show as unsigned.")
    assert len(chair.signatures()) == before


def test_a_nurse_who_is_also_a_prescriber_signs_both_with_one_pin(chair):
    to_discharge_phase(chair)
    admin = chair.staff.find(ADMIN)
    both = chair.staff.add("Nia Both", "nurse,prescriber", "73920418", "pin", admin, START)
    chair.signer.answers = [("Nia Both", "73920418")]
    assert chair.controller.sign_in("Nia Both", "73920418").ok   # she takes over the chair
    before = len(chair.signatures())
    outcome = chair.controller.discharge(override_reason="reviewed at the chair")
    assert outcome.done, (outcome, chair.signer.refusals)
    request = chair.signer.requests[-1]
    assert request.meanings == ("discharge", "discharge against the discharge gate")
    assert request.signer == "Nia Both"
    assert {(row[0], row[2]) for row in chair.signatures()[before:]} == {
        (both.id, "discharge"), (both.id, "discharge against the discharge gate")}


def test_a_nurse_whose_prescriber_role_was_taken_away_is_asked_for_a_prescriber(chair):
    # An administrator takes the prescriber role from a nurse at work: the console still
    # offered her the one-dialog discharge, and the override's signature, checked against the
    # staff list, was refused with no way to fetch a prescriber.
    to_discharge_phase(chair)
    admin = chair.staff.find(ADMIN)
    both = chair.staff.add("Nia Both", "nurse,prescriber", "73920418", "pin", admin, START)
    assert chair.controller.sign_in("Nia Both", "73920418").ok
    chair.staff.change_roles(both, "nurse", admin, "prescribing rights lapsed", START)
    chair.signer.answers = [(PAT, PAT_PIN), ("Nia Both", "73920418")]
    outcome = chair.controller.discharge(override_reason="prescriber reviewed at the chair")
    assert outcome.done, (outcome, chair.signer.refusals)
    assert [(r.meanings, r.signer) for r in chair.signer.requests[-2:]] == [
        (("discharge against the discharge gate",), ""), (("discharge",), "Nia Both")]


def test_a_refused_discharge_asks_no_pin_and_is_logged_as_refused(chair):
    outcome = chair.controller.discharge()
    assert not outcome.done and chair.signer.requests == []
    assert count(chair, "discharge_refused") == 1


# ---- corrections -------------------------------------------------------------------------------


def test_a_correction_with_a_wrong_pin_is_not_recorded(chair):
    verdict, row = chair.controller.enter_manual_row("heart_rate", 88)
    assert isinstance(verdict, Accepted) and row is not None
    chair.signer.answers = [(ANA, WRONG)]
    verdict = chair.controller.correct(row, "heart_rate", 68, "typed 88, monitor read 68")
    assert isinstance(verdict, Rejected) and verdict.message == NOT_SIGNED
    assert count(chair, "correction") == 0
    assert chair.rows("SELECT value FROM observations WHERE metric = 'heart_rate'") == [(88.0,)]
    assert chair.signatures() == []


def test_a_correction_with_the_right_pin_is_signed(chair):
    _, row = chair.controller.enter_manual_row("heart_rate", 88)
    chair.signer.answers = [(ANA, ANA_PIN)]
    verdict = chair.controller.correct(row, "heart_rate", 68, "typed 88, monitor read 68")
    assert isinstance(verdict, Accepted)
    # The value as the event list shows it: "(value #12)" named a row nobody can see.
    at = chair.rows("SELECT measured_at FROM observations WHERE id = ?", row)[0][0]
    local = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone()
    assert chair.signer.requests[0].title == (f"Sign: correction — Heart rate 88 beats/min of "
                                              f"{local:%H:%M:%S} corrected to 68 beats/min")
    correction_id, correction_hash = chair.event("correction")
    detail = json.loads(chair.rows("SELECT detail FROM events WHERE id = ?", correction_id)[0][0])
    assert detail["corrects"] == row and detail["value"] == 68
    assert chair.signatures() == [(chair.account(ANA), ANA, "correction", "events",
                                   correction_id, correction_hash, chair.engine.session_id)]


def test_a_correction_out_of_range_is_refused_before_any_pin(chair):
    _, row = chair.controller.enter_manual_row("heart_rate", 88)
    verdict = chair.controller.correct(row, "heart_rate", 900, "typo")
    assert isinstance(verdict, Rejected) and chair.signer.requests == []


def test_another_nurse_may_sign_for_herself(chair):
    """A nurse who steps in signs with her own name and PIN: the signature names her."""
    _, row = chair.controller.enter_manual_row("heart_rate", 88)
    chair.signer.answers = [(BEN, BEN_PIN)]
    assert isinstance(chair.controller.correct(row, "heart_rate", 68, "typo"), Accepted)
    assert [(a, n) for a, n, *_ in chair.signatures()] == [(chair.account(BEN), BEN)]


def test_an_unknown_signer_is_refused_and_logged(chair):
    _, row = chair.controller.enter_manual_row("heart_rate", 88)
    chair.signer.answers = [("Nobody Here", "12345678")]
    assert isinstance(chair.controller.correct(row, "heart_rate", 68, "typo"), Rejected)
    assert chair.rows("SELECT account, typed, outcome, purpose FROM sign_ins") == [
        (None, NOT_KEPT, "unknown", "signature")]   # what was typed may have been a secret
    assert chair.signatures() == []


def test_a_signature_the_log_cannot_record_is_refused_in_words(chair):
    """The signer's attempt could not be written (a backup tool holding the log's lock): the
    error left the Sign button as a console fault (the data-path audit). Nothing is signed or
    done, and the dialog says why."""
    import sqlite3

    _, row = chair.controller.enter_manual_row("heart_rate", 88)
    chair.signer.answers = [(ANA, ANA_PIN)]
    chair.log.set_busy_timeout(0)
    other = sqlite3.connect(chair.log.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        assert isinstance(chair.controller.correct(row, "heart_rate", 68, "typo"), Rejected)
    finally:
        other.execute("ROLLBACK")
        other.close()
    (refused,) = chair.signer.refusals
    assert refused.startswith("Not signed: the attempt cannot be recorded now. Cannot write the "
                              "session log")
    assert chair.signatures() == []


def test_a_correction_held_while_the_log_is_locked_says_it_is_not_signed(chair):
    """The log refused a write a moment ago (another program held its lock) and holds records
    in memory; the PIN's attempt is recorded once the lock is gone, but the correction queues
    behind the held records and has no row to sign yet. It is done, and says it is unsigned
    (it said nothing: the data-path audit)."""
    import sqlite3

    _, row = chair.controller.enter_manual_row("heart_rate", 88)
    chair.log.set_busy_timeout(0)
    other = sqlite3.connect(chair.log.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        chair.controller.enter_manual("spo2", 97)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert chair.engine.writes.held
    chair.signer.answers = [(ANA, ANA_PIN)]
    verdict = chair.controller.correct(row, "heart_rate", 68, "typo")
    assert isinstance(verdict, Accepted)
    assert verdict.note.startswith("Recorded, but not signed (correction)")
    assert chair.signatures() == []


def test_a_log_without_accounts_asks_no_signature(live):
    controller, _journal, _clock, log = live
    signer = Signer()
    controller.signature_service = signer
    assert controller.advance_phase(override_reason="demo").done
    assert signer.requests == []
    assert log.conn.execute("SELECT count(*) FROM signatures").fetchone() == (0,)


# ---- the real dialog ---------------------------------------------------------------------------


class Typing(DialogSignatureService):
    """The real dialog, typed into instead of waiting for a person: each answer is typed and
    Sign clicked; when they run out, Cancel."""

    def __init__(self, qtbot, answers: list[tuple[str, str]]) -> None:
        super().__init__(None)
        self.qtbot = qtbot
        self.answers = answers
        self.messages: list[str] = []

    def sign(self, request, check) -> bool:
        dialog = self.build(request, check)
        self.qtbot.addWidget(dialog)
        for name, secret in self.answers:
            dialog.signer.setText(name)
            dialog.secret.setText(secret)
            dialog.sign_button.click()
            assert dialog.secret.text() == ""   # the secret never stays on screen
            if dialog.approved:
                return True
            self.messages.append(dialog.message.text())
        dialog.cancel_button.click()
        return dialog.approved


def test_the_checklist_panel_asks_the_reason_then_the_signature(tmp_path, qtbot):
    chair = SignedChair(tmp_path, qtbot, with_window=True)
    try:
        typing = Typing(qtbot, [(ANA, WRONG), (ANA, ANA_PIN)])
        chair.controller.signature_service = typing
        chair.answers.reply = "consent on paper"
        assert chair.window is not None
        chair.window.checklist.next_button.click()
        assert typing.messages == ["Not signed: name or badge and PIN or password do not match "
                                   "an account: check both and try again."]
        assert chair.engine.phase.id == "infusion"
        assert [m for _, _, m, *_ in chair.signatures()] == [
            "phase ended against its checklist or rules"]
    finally:
        chair.close()


def test_the_dialog_shows_the_meaning_and_never_echoes_the_pin(qtbot):
    asked: list[tuple[str, str]] = []

    def check(name: str, secret: str) -> str | None:
        asked.append((name, secret))
        return None if secret == "2468" else "Not signed: wrong."

    dialog = SignatureDialog(SignatureRequest(("phase ended against its checklist or rules",),
                                              "'Consent confirmed'", ANA, "Reason: paper"), check)
    qtbot.addWidget(dialog)
    assert dialog.title.text() == ("Sign: phase ended against its checklist or rules — "
                                   "'Consent confirmed'")
    assert dialog.signer.text() == ANA and dialog.signer.isEnabled()
    assert dialog.secret.echoMode() == dialog.secret.EchoMode.Password
    dialog.secret.setText("1357")
    dialog.sign_button.click()
    assert not dialog.approved and dialog.message.text() == "Not signed: wrong."
    assert dialog.secret.text() == ""
    dialog.secret.setText("2468")
    dialog.sign_button.click()
    assert dialog.approved and asked == [(ANA, "1357"), (ANA, "2468")]
