"""The REMS draft's blood pressure before the dose: every pressure before T0 against the
protocol's pre-dose threshold (esketamine.toml `bp-before-dose`: 141/91, the label's >140/90),
and, when the dose went ahead on a pressure at or above it, the prescriber's decision (who
entered it, when, the words, who signed it in what role), or the decision named missing."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.cli import main
from console.export.rems import (
    BpThreshold, PreDoseReading, RemsForm, SignatureState, rems_form, render_text,
)
from console.identity import Meaning, Signatures, Staff
from console.review.model import SessionDetail, SessionSignatures
from console.review.queries import load_session, load_signatures, open_readonly
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Protocol
from tests.identity.accounts import ensure_account, sign_in_args
from tests.review.scenarios import Driver, typed_answer

PRESCRIBER, PRESCRIBER_PIN = "Pat Prescriber", "66120498"
NURSE_ACCOUNT = "Ben Nurse"
DECISION = "Dr Pat Prescriber: dose today, BP rechecked at T+40"
THRESHOLD = ("Pre-dose threshold for a prescriber's review before dosing: systolic at or above "
             "141 or diastolic at or above 91 mmHg (protocol item bp-before-dose)")


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 3, 6, hour, minute, tzinfo=UTC)


def with_accounts(path: Path) -> None:
    """A log with staff accounts (records need signatures), before its first session."""
    ensure_account(path)
    ensure_account(path, PRESCRIBER, "prescriber", PRESCRIBER_PIN)


def start(log: EventLog, patient: str) -> Driver:
    """An esketamine session of 56 mg at 10:00 with the baseline values the checks need, BP
    136/86 (below the threshold) at 10:00."""
    r = Driver(log, "esketamine", patient, 64.0, "nurse.ben", at(10, 0), 1, chosen_mg=56)
    r.manual(bp_systolic=136, bp_diastolic=86, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    return r


def dose(r: Driver, minute: float = 10, override_reason: str = "") -> None:
    """Start the devices (T0) and give device 1."""
    r.at(minute)
    r.advance(override_reason)
    r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A")


def last_event(log: EventLog, kind: str) -> int:
    row = log.conn.execute("SELECT max(id) FROM events WHERE kind = ?", [kind]).fetchone()
    assert row[0] is not None, kind
    return int(row[0])


def sign(log: EventLog, who: str, pin: str, meaning: Meaning, event_id: int,
         when: datetime) -> None:
    staff = Staff(log)
    account = staff.find(who)
    assert account is not None
    Signatures(staff).sign(account, pin, meaning, "events", event_id, when)


def read(path: Path, session: int) -> tuple[SessionDetail, SessionSignatures]:
    conn = open_readonly(path)
    try:
        return load_session(conn, session), load_signatures(conn, session)
    finally:
        conn.close()


def lines_of(form: RemsForm) -> list[str]:
    return render_text(form, tz=UTC).splitlines()


def decided_at_the_tick(path: Path, signed: bool = True) -> int:
    """BP 152/96 at 10:05, above the threshold: the gate item is ticked with the prescriber's
    decision (signed by the prescriber at 10:06 when `signed`), devices from 10:10."""
    with EventLog.open(path, "t") as log:
        r = start(log, "MRN-7001")
        r.at(5)
        r.manual(bp_systolic=152, bp_diastolic=96)
        r.tick_required(gate_decision=DECISION)
        if signed:
            sign(log, PRESCRIBER, PRESCRIBER_PIN, Meaning.GATE_DECISION,
                 last_event(log, "gate_decision"), at(10, 6))
        dose(r)
        return r.id


@pytest.fixture(scope="module")
def signed_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("signed") / "log.sqlite3"
    with_accounts(path)
    return path, decided_at_the_tick(path)


@pytest.fixture(scope="module")
def risen_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """BP below at the tick (10:00), 154/94 at 10:08: the engine refuses the devices until the
    prescriber's decision, given as the override of that refusal and signed as a prescriber's
    decision at 10:10 (as the chair has it signed)."""
    path = tmp_path_factory.mktemp("risen") / "log.sqlite3"
    with_accounts(path)
    with EventLog.open(path, "t") as log:
        r = start(log, "MRN-7002")
        r.tick_required()
        r.at(8)
        r.manual(bp_systolic=154, bp_diastolic=94)
        r.at(10)
        refused = r.engine.advance_phase(r.nurse, r.clock.now())
        assert not refused.done and "a prescriber review is required" in refused.message
        dose(r, override_reason="Dr Lee by phone: dose, BP at T+40")
        sign(log, PRESCRIBER, PRESCRIBER_PIN, Meaning.GATE_DECISION,
             last_event(log, "override"), at(10, 10))
        # After the dose, a prescriber's override signed with the same meaning: no decision
        # on the pressure before the dose.
        r.at(15)
        r.advance(override_reason="Dr Lee: device 2 not given, BP 170/100")
        sign(log, PRESCRIBER, PRESCRIBER_PIN, Meaning.GATE_DECISION,
             last_event(log, "override"), at(10, 15))
        return path, r.id


def test_a_pressure_at_the_threshold_reads_with_the_prescribers_signed_decision(signed_log):
    detail, signatures = read(*signed_log)
    form = rems_form(detail, tz=UTC, signatures=signatures)
    bp = form.pre_dose_bp
    assert bp is not None
    assert bp.threshold == BpThreshold("bp-before-dose", 141.0, 91.0)
    assert bp.readings == (PreDoseReading(at(10, 0), 136.0, 86.0, -10.0, False),
                           PreDoseReading(at(10, 5), 152.0, 96.0, -5.0, True))
    [decision] = bp.decisions
    assert (decision.at, decision.how, decision.entered_by, decision.words) == (
        at(10, 5), "gate_decision", "nurse.ben", DECISION)
    assert (decision.signature, decision.signed_by, decision.signer_role, decision.signed_at) == (
        SignatureState.SIGNED, PRESCRIBER, "prescriber", at(10, 6))
    assert (bp.decision_needed, bp.decided) == (True, True)
    assert "bp_decision" not in form.missing
    lines = lines_of(form)
    start_at = lines.index("Blood pressure before dose: 152/96 mmHg at 10:05, T-5 min")
    assert lines[start_at + 1:start_at + 5] == [
        THRESHOLD,
        "Blood pressures before dose, each against the threshold: 136/86 mmHg at 10:00 "
        "(below); 152/96 mmHg at 10:05 (REACHES THE THRESHOLD)",
        "Prescriber's decision on the blood pressure before dose: logged (the last before the "
        "dose, 152/96 mmHg at 10:05, reached the threshold)",
        f"  Decision at 10:05 (with the tick of bp-before-dose), entered by nurse.ben: "
        f"{DECISION}; signed by Pat Prescriber (prescriber) at 10:06",
    ]


def test_the_json_holds_the_pressures_the_threshold_and_the_signed_decision(signed_log):
    detail, signatures = read(*signed_log)
    data = json.loads(json.dumps(rems_form(detail, tz=UTC, signatures=signatures).to_json()))
    bp = data["pre_dose_bp"]
    assert bp["threshold"] == {"item": "bp-before-dose", "systolic": 141.0, "diastolic": 91.0}
    assert [(r["at"], r["reaches_threshold"]) for r in bp["readings"]] == [
        ("2026-03-06T10:00:00.000Z", False), ("2026-03-06T10:05:00.000Z", True)]
    [decision] = bp["decisions"]
    assert {k: decision[k] for k in ("at", "entered_by", "words", "signature", "signed_by",
                                     "signer_role", "signed_at")} == {
        "at": "2026-03-06T10:05:00.000Z", "entered_by": "nurse.ben", "words": DECISION,
        "signature": "signed", "signed_by": PRESCRIBER, "signer_role": "prescriber",
        "signed_at": "2026-03-06T10:06:00.000Z"}
    # What the console showed at the gate, as it said it.
    assert [v.split(" (")[0] for v in decision["shown"]] == ["Systolic BP 152 mmHg",
                                                             "Diastolic BP 96 mmHg"]


@pytest.fixture
def in_utc(monkeypatch: pytest.MonkeyPatch):
    """This computer's zone is UTC (the command line prints the computer's local times)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_command_line_draft_names_who_signed_the_decision(signed_log, in_utc, tmp_path,
                                                              capsys):
    # The export reads the session's signatures for the REMS draft as for the PDF: without
    # them the draft could only say "not checked".
    path, session = signed_log
    target = tmp_path / "rems.txt"
    assert main(["export", str(session), "--rems", str(target), "--db", str(path),
                 *sign_in_args()]) == 0, capsys.readouterr().err
    assert (f"  Decision at 10:05 (with the tick of bp-before-dose), entered by nurse.ben: "
            f"{DECISION}; signed by Pat Prescriber (prescriber) at 10:06"
            ) in target.read_text(encoding="utf-8").splitlines()


def test_a_decision_nobody_signed_says_so_and_whether_it_could_be(tmp_path, signed_log):
    # A log with staff accounts: the prescriber did not sign it.
    path = tmp_path / "unsigned.sqlite3"
    with_accounts(path)
    session = decided_at_the_tick(path, signed=False)
    detail, signatures = read(path, session)
    unsigned = lines_of(rems_form(detail, tz=UTC, signatures=signatures))
    assert (f"  Decision at 10:05 (with the tick of bp-before-dose), entered by nurse.ben: "
            f"{DECISION}; NOT SIGNED by a prescriber: only the words name who decided; no role "
            "recorded") in unsigned
    # A log without staff accounts signs nothing.
    bare = tmp_path / "bare.sqlite3"
    detail, signatures = read(bare, decided_at_the_tick(bare, signed=False))
    assert signatures.enforced_since is None
    [decision] = rems_form(detail, tz=UTC, signatures=signatures).pre_dose_bp.decisions
    assert decision.signature is SignatureState.NO_ACCOUNTS and decision.signer_role is None
    assert any(line.endswith("; not signed (the log had no staff accounts): only the words "
                             "name who decided; no role recorded")
               for line in lines_of(rems_form(detail, tz=UTC, signatures=signatures)))
    # A draft made without the session's signatures does not guess.
    signed_detail, _ = read(*signed_log)
    assert any(line.endswith("; signature not checked for this draft (the review's Signatures "
                             "tab shows whether it is signed)")
               for line in lines_of(rems_form(signed_detail, tz=UTC)))


def test_a_signature_that_no_longer_matches_or_is_no_prescribers_is_flagged(signed_log):
    detail, signatures = read(*signed_log)
    [entry] = signatures.signatures
    changed = replace(signatures, signatures=(replace(entry, intact=False),))
    assert any(line.endswith("; signed by Pat Prescriber (prescriber) at 10:06, but the record "
                             "or its signature was changed after signing: CHECK")
               for line in lines_of(rems_form(detail, tz=UTC, signatures=changed)))
    # Signed as a phase override (an older chair's meaning): no role is claimed for it.
    other = replace(signatures, signatures=(replace(entry, meaning=Meaning.PHASE_OVERRIDE.value,
                                                    printed_name=NURSE_ACCOUNT),))
    form = rems_form(detail, tz=UTC, signatures=other)
    assert form.pre_dose_bp.decisions[0].signer_role is None
    assert any(line.endswith("; signed by Ben Nurse at 10:06 as 'phase ended against its "
                             "checklist or rules', not as a prescriber's decision: CHECK")
               for line in lines_of(form))
    # Signed by both, the nurse first: the prescriber's signature is the one that says who
    # decided.
    both = replace(signatures, signatures=(*other.signatures, entry))
    [decision] = rems_form(detail, tz=UTC, signatures=both).pre_dose_bp.decisions
    assert (decision.signed_by, decision.signer_role) == (PRESCRIBER, "prescriber")


def test_a_pressure_risen_after_the_tick_reads_with_the_override_that_decided(risen_log):
    detail, signatures = read(*risen_log)
    # Found by the engine's words of refusal alone (no signatures given) ...
    [unread] = rems_form(detail, tz=UTC).pre_dose_bp.decisions
    assert (unread.how, unread.words) == ("override", "Dr Lee by phone: dose, BP at T+40")
    assert any("a prescriber review is required before dosing" in s for s in unread.shown)
    # ... and with its prescriber's signature.
    form = rems_form(detail, tz=UTC, signatures=signatures)
    assert [d.at for d in form.pre_dose_bp.decisions] == [at(10, 10)]   # not the one at 10:15
    assert (form.pre_dose_bp.decision_needed, form.pre_dose_bp.decided) == (True, True)
    assert "bp_decision" not in form.missing
    lines = lines_of(form)
    assert ("Blood pressures before dose, each against the threshold: 136/86 mmHg at 10:00 "
            "(below); 154/94 mmHg at 10:08 (REACHES THE THRESHOLD)") in lines
    assert ("  Decision at 10:10 (dosing started against the pre-dose checks), entered by "
            "nurse.ben: Dr Lee by phone: dose, BP at T+40; signed by Pat Prescriber "
            "(prescriber) at 10:10") in lines


def without(detail: SessionDetail, kind: str) -> SessionDetail:
    """The session as a log without its `kind` records would hold it (a decision never
    recorded, or a log written before decisions were)."""
    return replace(detail, events=tuple(e for e in detail.events if e.kind != kind),
                   gate_decisions=() if kind == "gate_decision" else detail.gate_decisions,
                   overrides=() if kind == "override" else detail.overrides)


def test_a_pressure_at_the_threshold_without_a_decision_is_missing_never_none(signed_log):
    detail, signatures = read(*signed_log)
    form = rems_form(without(detail, "gate_decision"), tz=UTC, signatures=signatures)
    assert form.pre_dose_bp.decisions == () and form.pre_dose_bp.decision_needed
    assert "bp_decision" in form.missing
    lines = lines_of(form)
    assert ("Prescriber's decision on the blood pressure before dose: NOT RECORDED (152/96 mmHg "
            "at 10:05 reached the threshold and no prescriber's decision is logged after it)"
            ) in lines
    assert lines[-1].startswith("Missing from the log (complete by hand): ")
    assert ("prescriber's decision on the blood pressure before dose (it reached the pre-dose "
            "threshold and no decision is logged after it)") in lines[-1]
    assert not lines[-1].endswith("none")


def test_a_decision_before_a_later_pressure_at_the_threshold_does_not_cover_it(tmp_path):
    # 152/96 decided at the tick (10:05); 158/98 at 10:08 reaches the gate again: the engine asks
    # for a new decision (the override). Without that override, the 10:05 decision was about
    # another pressure than the one the dose went ahead on.
    path = tmp_path / "again.sqlite3"
    with EventLog.open(path, "t") as log:
        r = start(log, "MRN-7003")
        r.at(5)
        r.manual(bp_systolic=152, bp_diastolic=96)
        r.tick_required(gate_decision=DECISION)
        r.at(8)
        r.manual(bp_systolic=158, bp_diastolic=98)
        dose(r, override_reason="Dr Lee: dose at 158/98")
        session = r.id
    detail, signatures = read(path, session)
    whole = rems_form(detail, tz=UTC, signatures=signatures)
    assert [d.how for d in whole.pre_dose_bp.decisions] == ["gate_decision", "override"]
    assert "bp_decision" not in whole.missing
    form = rems_form(without(detail, "override"), tz=UTC, signatures=signatures)
    assert [d.at for d in form.pre_dose_bp.decisions] == [at(10, 5)]
    assert "bp_decision" in form.missing
    assert ("Prescriber's decision on the blood pressure before dose: NOT RECORDED (158/98 mmHg "
            "at 10:08 reached the threshold and no prescriber's decision is logged after it)"
            ) in lines_of(form)


def test_a_pressure_below_the_threshold_before_the_dose_needs_no_decision(tmp_path):
    # 150/95 at 09:55, and the repeat at 10:00 136/86: the dose went ahead on a pressure below
    # the threshold, as the engine let it. The first stays on the draft, marked.
    path = tmp_path / "repeat.sqlite3"
    with EventLog.open(path, "t") as log:
        r = Driver(log, "esketamine", "MRN-7004", 64.0, "nurse.ben", at(9, 55), 1,
                   chosen_mg=56)
        r.manual(bp_systolic=150, bp_diastolic=95)
        r.at(5)
        r.manual(bp_systolic=136, bp_diastolic=86, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        # Every check but the escort's: the move to the devices is an override, not of the gate.
        for item in r.engine.phase.checklist:
            if item.required and item.id != "escort-no-driving":
                assert r.engine.tick_item(item.id, r.nurse, r.clock.now(),
                                          note=typed_answer(item.asks)).done
        dose(r, minute=15, override_reason="escort arriving at 11:00")
        session = r.id
    detail, signatures = read(path, session)
    form = rems_form(detail, tz=UTC, signatures=signatures)
    assert [x.reaches_threshold for x in form.pre_dose_bp.readings] == [True, False]
    assert form.pre_dose_bp.decisions == ()          # the escort's override is no decision
    assert form.pre_dose_bp.decision_needed is False and "bp_decision" not in form.missing
    lines = lines_of(form)
    assert ("Blood pressures before dose, each against the threshold: 150/95 mmHg at 09:55 "
            "(REACHES THE THRESHOLD); 136/86 mmHg at 10:00 (below)") in lines
    assert ("Prescriber's decision on the blood pressure before dose: not needed (the last "
            "before the dose, 136/86 mmHg at 10:00, was below the threshold)") in lines


def test_the_threshold_is_the_protocol_files(signed_log):
    detail, signatures = read(*signed_log)
    protocol = load_protocol(builtin_protocols_dir() / "esketamine.toml")

    def gated(systolic: float | None) -> Protocol:
        phases = tuple(replace(p, checklist=tuple(
            replace(i, gate=(() if systolic is None else (("bp_systolic", systolic),)))
            if i.id == "bp-before-dose" else i for i in p.checklist)) for p in protocol.phases)
        return replace(protocol, phases=phases)

    # A clinic's file at 130 systolic: 136/86 reaches it too.
    stricter = rems_form(detail, tz=UTC, protocol=gated(130.0), signatures=signatures)
    assert [x.reaches_threshold for x in stricter.pre_dose_bp.readings] == [True, True]
    assert ("Pre-dose threshold for a prescriber's review before dosing: systolic at or above "
            "130 mmHg (protocol item bp-before-dose)") in lines_of(stricter)
    # The gate on another item of the file: the decision logged at bp-before-dose's is not
    # one at that threshold.
    moved = gated(141.0)
    moved = replace(moved, phases=tuple(replace(p, checklist=tuple(
        replace(i, id="bp-recheck") if i.id == "bp-before-dose" else i for i in p.checklist))
        for p in moved.phases))
    elsewhere = rems_form(detail, tz=UTC, protocol=moved, signatures=signatures)
    assert elsewhere.pre_dose_bp.threshold == BpThreshold("bp-recheck", 141.0, None)
    assert elsewhere.pre_dose_bp.decisions == () and "bp_decision" in elsewhere.missing
    # A file without one: the draft does not judge the pressure, and says it cannot.
    none = rems_form(detail, tz=UTC, protocol=gated(None), signatures=signatures)
    assert none.pre_dose_bp.threshold is None and "bp_threshold" in none.missing
    lines = lines_of(none)
    assert "Pre-dose threshold for a prescriber's review before dosing: NONE in the protocol in " \
           "force" in lines
    assert ("Blood pressures before dose, each against the threshold: 136/86 mmHg at 10:00 "
            "(not judged); 152/96 mmHg at 10:05 (not judged)") in lines
    assert ("Prescriber's decision on the blood pressure before dose: NOT KNOWN (the protocol in "
            "force sets no pre-dose threshold: judge the pressure against the label by hand)"
            ) in lines
    assert ("whether the blood pressure before dose needed a prescriber's review (the protocol "
            "in force sets no pre-dose threshold)") in lines[-1]


def test_without_a_dose_or_a_pressure_before_it_the_decision_is_not_known(scenario_log,
                                                                          tmp_path):
    # The scenario's session still running, not dosed: nothing is "before the dose" yet.
    conn = open_readonly(scenario_log.path)
    try:
        running = rems_form(load_session(conn, scenario_log.facts.ids["open"]), tz=UTC)
    finally:
        conn.close()
    assert ("Prescriber's decision on the blood pressure before dose: NOT KNOWN (no dose given)"
            in lines_of(running))
    # Dosed against the pre-dose checks with no blood pressure taken: the pressure is missing,
    # and the decision cannot be judged (not "not needed").
    path = tmp_path / "nobp.sqlite3"
    with EventLog.open(path, "t") as log:
        r = Driver(log, "esketamine", "MRN-7005", 64.0, "nurse.ben", at(10, 0), 1,
                   chosen_mg=56)
        dose(r, override_reason="cuff broken: BP by the doctor on paper")
        session = r.id
    form = rems_form(read(path, session)[0], tz=UTC)
    assert form.pre_dose_bp.readings == () and form.pre_dose_bp.decision_needed is None
    assert "bp_before_dose" in form.missing and "bp_decision" not in form.missing
    assert ("Prescriber's decision on the blood pressure before dose: NOT KNOWN (no blood "
            "pressure recorded before the dose)") in lines_of(form)


def test_a_decision_logged_before_the_log_had_accounts_needed_no_signature(signed_log):
    detail, signatures = read(*signed_log)
    later = replace(signatures, signatures=(), enforced_since=at(11, 0))
    [decision] = rems_form(detail, tz=UTC, signatures=later).pre_dose_bp.decisions
    assert decision.signature is SignatureState.NO_ACCOUNTS


def test_the_review_windows_draft_names_who_signed_the_decision(signed_log, in_utc, tmp_path):
    # The review's REMS button writes what the command line writes (it said "not checked").
    from console.ui.review_window import default_exports

    path, session = signed_log
    detail, signatures = read(path, session)
    target = tmp_path / "rems.txt"
    export = default_exports(signatures=lambda _session: signatures)["rems"]
    export.write(detail, target, False)
    assert (f"  Decision at 10:05 (with the tick of bp-before-dose), entered by nurse.ben: "
            f"{DECISION}; signed by Pat Prescriber (prescriber) at 10:06"
            ) in target.read_text(encoding="utf-8").splitlines()
