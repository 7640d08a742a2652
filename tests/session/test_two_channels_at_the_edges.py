"""Which of one vital's two channels is judged (console/session/channels.py, engine
`_worst_channel`): at a limit's edge, by the value as shown, by the farthest breach of one
priority, and a channel seen again in one read starts the next message (a review)."""

from __future__ import annotations

from tests.session.test_two_channels_of_one_vital import (  # noqa: F401 - the fixture
    CO2_RR, IMPEDANCE_RR, PULSE, SPO2_96, Chair, chair,
)


def test_rr_exactly_at_the_high_limit_beats_a_medium_high_rr_on_the_other_channel(chair: Chair):
    # Capnography counts 8 (the ketamine protocol's high limit is <=8), the impedance channel
    # 29 (medium, >=25). The nurse must get the HIGH low-RR alarm at 8, not a medium one at 29.
    for _ in range(5):
        chair.message([(SPO2_96, None), (PULSE, None), (CO2_RR, 8), (IMPEDANCE_RR, 29)])
    assert ("resp_rate_low", "high", "active",
            "Respiratory rate 8 breaths/min, limit ≤8") in chair.alarms()
    assert chair.tile("resp_rate") == 8


def test_the_channel_is_judged_by_the_value_as_shown(chair: Chair):
    # RR 8.4 shows "8", which the alarm rules judge (<=8, high). Judged raw (8.4, only <=11
    # medium) the impedance's 28
    # (medium, >=25, farther beyond) was chosen, and the high alarm never came.
    for _ in range(5):
        chair.message([(SPO2_96, None), (PULSE, None), (CO2_RR, 8.4), (IMPEDANCE_RR, 28)])
    assert ("resp_rate_low", "high", "active",
            "Respiratory rate 8 breaths/min, limit ≤8") in chair.alarms()


def test_the_farthest_breach_of_the_high_rules_is_judged(chair: Chair):
    # HR 135 on one lead beside 125 on the other; both break the high rules (>120; >=131): 135
    # is the worse.
    # With the smallest margin per priority, 135 (4 beyond >=131) lost to 125 (5 beyond >120)
    # and the tile read 125.
    for _ in range(5):
        chair.readings([("heart_rate", 135, "ecg-lead-II"), ("heart_rate", 125, "ecg-lead-I")])
    assert chair.tile("heart_rate") == 135
    assert any("135" in text for _, _, _, text in chair.alarms()), chair.alarms()


def test_two_messages_in_one_read_are_judged_one_after_the_other(chair: Chair):
    # a serial oximeter's read brought two messages without ids, SpO2 85 then 97 on
    # the same channel. The later one is the patient now: its row is the SpO2, not flagged as
    # another channel's, and the tile shows it.
    for _ in range(3):
        chair.readings([("spo2", 85, "probe"), ("spo2", 97, "probe")])
    assert chair.tile("spo2") == 97
    rows = [r for _, r in chair.log.observations(chair.engine.session_id) if r.metric == "spo2"]
    assert all("OTHER_CHANNEL" not in r.flags for r in rows), [(r.value, r.flags) for r in rows]


def test_two_messages_with_ids_in_one_read_are_not_one_group(chair: Chair):
    # a
    # read brought two monitor messages (ids 41 and 42); the first had the SpO2 of probe 1 (85),
    # the second, probe 1 off, only probe 2's (97). Two messages: the later value stands, the
    # tile shows 97 and no row is flagged as another channel's.
    from devices.reading import Reading
    now = chair.clock.advance(1)
    assert chair.engine.ingest_message(
        [Reading("spo2", 85, "%", now.wall, now.wall, "hl7:MON", "1.3.1.150456", message="41"),
         Reading("spo2", 97, "%", now.wall, now.wall, "hl7:MON", "1.3.2.150456", message="42")],
        now)
    chair.engine.tick(now)
    assert chair.tile("spo2") == 97
    rows = [r for _, r in chair.log.observations(chair.engine.session_id) if r.metric == "spo2"]
    assert all("OTHER_CHANNEL" not in r.flags for r in rows), [(r.value, r.flags) for r in rows]
