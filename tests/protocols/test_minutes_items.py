"""A checklist item whose answer is a number of minutes says so (`asks_minutes`): the REMS
evaluation question ("Minutes from the first device") had taken "soon" as its minutes."""

from __future__ import annotations

from pathlib import Path

from protocols.loader import builtin_protocols_dir, load_protocol
from tests.protocols.test_loader import refusal, valid, write


def test_the_rems_evaluation_question_asks_minutes() -> None:
    protocol = load_protocol(builtin_protocols_dir() / "esketamine.toml")
    asked = {i.id: i.asks for p in protocol.phases for i in p.checklist if i.asks_minutes}
    assert asked == {"rems-evaluation": "Minutes from the first device"}


def test_a_minutes_item_asks_minutes_when_its_file_words_no_question(tmp_path: Path) -> None:
    document = valid()
    document["phases"][3]["checklist"].append(
        {"id": "ready", "text": "Ready to leave after", "required": True, "asks_minutes": True})
    item = load_protocol(write(tmp_path, document)).phases[3].checklist[1]
    assert (item.asks, item.asks_minutes) == ("Minutes", True)


def test_an_item_asking_both_yes_or_no_and_minutes_is_refused(tmp_path: Path) -> None:
    document = valid()
    document["phases"][3]["checklist"].append(
        {"id": "ready", "text": "Ready", "required": True, "if_no": "Not ready",
         "asks_minutes": True})
    assert refusal(write(tmp_path, document)) == (
        "clinic.toml: phases[3].checklist[1].asks_minutes: an item asks yes or no (if_no) or a"
        " number of minutes (asks_minutes), not both")
