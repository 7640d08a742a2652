"""The charge nurse presses a card's Acknowledge as the chair's status goes stale (the card drawn
"connected" up to 250 ms before): the toolbar must name the chair as its card does ("Room 2"),
as every other answer of Board.acknowledge does (its docstring: "naming the chair as its card's
title does"), and say where to acknowledge. It had said "chair-2: no connection, nothing sent":
a bus name on no card of the screen (a review)."""

from tests.central.helpers import Central, MemoryLog

VITALS = {"bp_systolic": 128, "bp_diastolic": 78, "bp_mean": 95, "heart_rate": 70,
          "resp_rate": 14, "spo2": 98}


def test_ack_refused_for_no_connection_names_the_card_title():
    c = Central(MemoryLog())
    chair = c.chair("chair-2", "Room 2")
    chair.start_infusion()
    chair.monitor(VITALS)
    c.deliver(chair.status())
    c.t(30)
    chair.monitor({**VITALS, "heart_rate": 130})
    for message in chair.new_pcd04s():
        c.deliver(message)
    c.deliver(chair.status())
    c.t(39.9)
    seen = c.card("chair-2").target          # the card as drawn: Acknowledge offered
    assert seen is not None
    now = c.t(40.1)                            # the chair's status is now 10.1 s old
    said = c.board.acknowledge("chair-2", "B. Central", now, seen)
    assert c.card("chair-2").title == "Room 2"
    assert said.startswith("Room 2"), said
    assert "acknowledge at the chair" in said, said
