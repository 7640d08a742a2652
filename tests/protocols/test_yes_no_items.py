"""A checklist item that asks yes or no says so (`if_no`: what a "no" means, in the gate's
words), so the engine reads its answer as yes or no and a "no" holds the gate (an esketamine
review: "no" to "Vital signs in an acceptable range (REMS form: yes or no)" was a tick like any
typed note, and the patient went home on it)."""

from __future__ import annotations

from pathlib import Path

from protocols.loader import builtin_protocols_dir, load_protocol
from tests.protocols.test_loader import refusal, valid, write


def test_the_rems_vitals_items_are_answered_yes_or_no() -> None:
    protocol = load_protocol(builtin_protocols_dir() / "esketamine.toml")
    asked = {i.id: (i.asks, i.if_no) for p in protocol.phases for i in p.checklist if i.if_no}
    # The concomitant medications' answers (yes or no for each category) are one note: not one.
    assert asked == {
        "vitals-acceptable-before": (
            "Yes or no", "Vital signs recorded not acceptable before the first device"),
        "vitals-acceptable-after": (
            "Yes or no", "Vital signs recorded not acceptable at the end of the session"),
    }


def test_a_yes_or_no_item_asks_yes_or_no_when_its_file_words_no_question(tmp_path: Path) -> None:
    document = valid()
    document["phases"][3]["checklist"].append(
        {"id": "vitals-ok", "text": "Vital signs acceptable", "required": True,
         "if_no": "Vital signs not acceptable"})
    item = load_protocol(write(tmp_path, document)).phases[3].checklist[1]
    assert (item.asks, item.if_no) == ("Yes or no", "Vital signs not acceptable")


def test_a_yes_or_no_item_with_no_words_for_a_no_is_refused(tmp_path: Path) -> None:
    document = valid()
    document["phases"][3]["checklist"].append(
        {"id": "vitals-ok", "text": "Vital signs acceptable", "required": True, "if_no": " "})
    assert refusal(write(tmp_path, document)) == (
        "clinic.toml: phases[3].checklist[1].if_no: must not be empty")
