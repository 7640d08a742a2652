"""Every event the console writes reads in words in the review's timeline, the events CSV
(console/review/model.py `describe_event`) and the nurse's event list (console/session/journal.py
`describe`): an alarm acknowledged at a central station printed the program's dict there,
"acknowledged at central {'occurrence': 3, 'by': …, 'command': 'c-17'}", with an internal
command id. A kind the review does not word itself reads as the event list words it."""

from __future__ import annotations

import ast
import importlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from console.records import AUDIO_PAUSED, AUDIO_RESUMED, BASELINE_SET, EventRecord
from console.review.model import REVIEW_NOTE, describe_event
from console.session.journal import describe

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONSOLE = Path(__file__).resolve().parents[2] / "console"

# One detail of each kind the console writes, with the keys its writer logs
# (console/session/engine.py, console/session/alarms.py, console/review/queries.py).
SAMPLES: dict[str, dict[str, Any]] = {
    "protocol_in_force": {"protocol_id": "iv-ketamine", "version": "3", "sha256": "ab" * 32,
                          "text": "[protocol]"},
    "phase_started": {"phase": "pre", "name": "Pre-session checks"},
    "phase_ended": {"phase": "pre", "name": "Pre-session checks"},
    AUDIO_PAUSED: {"message": "Audio paused for 120 s"},
    AUDIO_RESUMED: {"message": "Audio pause ended: the console restarted"},
    "session_resumed": {"phase": "infusion", "protocol_version_now": "3",
                        "protocol_version_logged": "3", "protocol": "as started",
                        "protocol_kept_because": "", "restored_occurrences": [
                            {"occurrence": 2, "condition": "spo2_low", "state": "active"}]},
    "device_dropped": {"device": "/dev/ttyUSB0", "counts": {"unknown-code": 1},
                       "example": "OBX 2: code 999999", "kept_with_warnings": {"name-mismatch": 1}},
    "unsaved_records_found": {"file": "/var/lib/console/unsaved-records-20260302T090000Z.jsonl",
                              "readings": 2, "alarm_changes": 4, "other_entries": 1},
    "device_resent": {"device": "/dev/ttyUSB0", "values": 3,
                      "message": "The monitor sent a message again: kept once"},
    "monitor_changed": {"from": "hl7:MON-A", "to": "hl7:MON-B"},
    "correction": {"corrects": 12, "metric": "spo2", "value": 95, "reason": "typo"},
    "entered_in_error": {"observation": 12, "metric": "moaas", "value": 2, "reason": "wrong box"},
    "device_state": {"state": "lost", "detail": "no data for 30 s"},
    "audio_status": {"available": False, "detail": "no output device"},
    "console_fault": {"summary": "KeyError in the trend", "crash_file": "/var/crash/x.txt"},
    "network_status": {"problem": "Clinic bus not confirming delivery", "priority": "low",
                       "state": "connected"},
    "network_configured": {"network": "bus mqtts://b:8883 as chair-3", "quiet_room": True},
    "acknowledged_at_central": {"occurrence": 3, "by": "Ben Okafor", "station": "ward-3",
                                "command": "c-17"},
    "central_ack_not_applied": {"occurrence": 3, "by": "Ben Okafor", "station": "ward-3",
                                "command": "c-17", "priority": "medium",
                                "reasons": ["the alarm rose to high after the central nurse "
                                            "acknowledged it at medium"]},
    "handed_over": {"from": "Ana Nurse", "to": "Ben Okafor"},
    "console_closed": {"signal": "SIGTERM"},
    "note": {"text": "Patient asleep"},
    "observation": {"text": "Vomiting"},
    "gate_decision": {"item": "bp", "values": ["Systolic BP 150 mmHg"], "decision": "Proceed"},
    "checklist_ticked": {"phase": "pre", "item": "consent", "text": "Consent signed"},
    "override": {"action": "end_phase", "phase": "pre", "blockers": ["Consent not ticked"],
                 "reason": "Consent on paper"},
    "dosing_started": {"t0": True, "baseline": {"heart_rate": 70.0}},
    BASELINE_SET: {"baseline": {"bp_systolic": 128.0}},
    "discharge_refused": {"reasons": ["MOAA/S below 5"]},
    "discharged": {"minutes_from_t0": 120.0, "minutes_total": 150.0},
    "session_ended": {},
    "clock_stepped": {"step_s": 3600.0, "message": "Station clock set: timers run on"},
    "log_restored": {"records_written": 4, "held_seconds": 12.5},
    REVIEW_NOTE: {"text": "Reviewed with the prescriber"},
    # No writer yet (console/review/model.py NEEDS_SIGNATURE): worded before one is added.
    "threshold_changed": {"vital": "bp_systolic", "old": 180, "new": 170},
}


def _written_kinds() -> set[str]:
    """The kinds of every `EventRecord(...)` the console's code builds with a kind it names (a
    literal or a module's constant); a kind passed in (`kind`) is the caller's, listed above."""
    kinds: set[str] = set()
    for path in CONSOLE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = ".".join(path.relative_to(CONSOLE.parent).with_suffix("").parts)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "EventRecord"):
                continue
            arg = node.args[2] if len(node.args) > 2 else next(
                (k.value for k in node.keywords if k.arg == "kind"), None)
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                kinds.add(arg.value)
            elif isinstance(arg, ast.Name) and arg.id.isupper():
                kinds.add(getattr(importlib.import_module(module), arg.id))
    return kinds


def test_every_kind_the_console_writes_has_a_sample_here():
    written = _written_kinds()
    assert "acknowledged_at_central" in written and "monitor_changed" in written
    assert written <= set(SAMPLES), sorted(written - set(SAMPLES))


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_kind_reads_in_words_in_the_review_and_the_event_list(kind):
    detail = SAMPLES[kind]
    review = describe_event(kind, detail)
    live = describe(EventRecord(1, AT, kind, "Ana Nurse", dict(detail)))
    for text in (review, live):
        assert text.strip()
        assert not any(c in text for c in "{}[]'"), text   # no Python dict or list


def test_an_acknowledgement_at_central_reads_in_words_in_the_review_and_csv():
    # the detail as console/session/engine.py acknowledge_from_central logs it
    detail = {"occurrence": 3, "by": "Ben Okafor", "station": "ward-3", "command": "c-17"}
    text = describe_event("acknowledged_at_central", detail)
    assert "{" not in text and "'by'" not in text, text
    assert "Ben Okafor" in text and "ward-3" in text
    assert "c-17" not in text   # an internal command id means nothing to a reader
    # One wording: the review says what the nurse's event list said.
    assert text == describe(EventRecord(1, AT, "acknowledged_at_central", "engine", detail)) \
        == "Acknowledged at central station ward-3 by Ben Okafor"


def test_a_central_acknowledgement_not_applied_reads_who_where_and_why():
    # the detail as console/session/engine.py acknowledge_from_central logs a refusal
    detail = SAMPLES["central_ack_not_applied"]
    text = describe_event("central_ack_not_applied", detail)
    assert "c-17" not in text   # an internal command id means nothing to a reader
    assert text == describe(EventRecord(1, AT, "central_ack_not_applied", "engine", detail)) \
        == ("Acknowledgement from central station ward-3 by Ben Okafor not applied: the alarm "
            "rose to high after the central nurse acknowledged it at medium")


def test_a_monitor_change_and_the_network_read_as_the_event_list_says_them():
    assert describe_event("monitor_changed", SAMPLES["monitor_changed"]) == (
        "Another monitor is sending: hl7:MON-B (was hl7:MON-A)")
    assert describe_event("network_status", {"problem": None}) == "Clinic network confirming again"


def test_a_kind_worded_nowhere_reads_as_its_particulars():
    assert describe_event("threshold_changed", {"vital": "spo2", "old": 90, "new": 88}) == (
        "Threshold spo2 changed 90 → 88")
    assert describe_event("future_kind", {"vital": "bp_systolic", "old": 180, "new": 170,
                                          "by": {"name": "x"}, "list": [1, 2]}) == (
        "Future kind: vital bp_systolic, old 180, new 170, by (name x), list 1; 2")
    assert describe_event("future_kind", {}) == "Future kind"


@pytest.mark.parametrize(("kind", "detail", "words"), [
    ("acknowledged_at_central", {"occurrence": 3, "by": "Ben", "station": "desk",
                                 "reasons": [{"code": 1}]}, "Acknowledged at central station"),
    ("console_fault", {"summary": "x", "counts": 3}, "Console fault: x"),
    ("future_kind", {"blockers": 5}, "Future kind: blockers 5"),
])
def test_a_detail_not_as_the_console_writes_it_reads_in_words_never_a_traceback(
        kind: str, detail: dict[str, object], words: str) -> None:
    # A row changed outside the console, or a newer console's: the wording of every kind was
    # built from the one detail, and another kind's key in another shape raised (a review).
    from console.review.model import describe_event

    assert describe_event(kind, detail).startswith(words)
