"""A trend snapshot on the bus with one point at an impossible time (1e15 s since 1970, the year
31 million): taken without a word, it stretches the chair's trend at the central to 16 trillion
minutes and every real value is squashed into one pixel column. Bad input is to be named and
counted (the Ignored messages count), never drawn."""

from __future__ import annotations

from console.network import bus_topics
from console.ui.central_trend import CentralTrendDialog
from tests.central.helpers import Central, MemoryLog


def test_a_trend_point_at_an_impossible_time_is_counted_and_the_trend_stays_readable(qtbot):
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(600)
    central.deliver(chair.status())
    data = central.board.trend("chair-1")
    start = data.started_at.timestamp()
    points = [[start + 60 * i, 70 + i] for i in range(10)] + [[1e15, 80]]
    payload = bus_topics.encode({"chair": "chair-1", "session": data.session,
                                 "sent_at": "2026-03-02T09:10:00.000Z",
                                 "series": {"heart_rate": points}})
    central.board.receive(bus_topics.chair_topic("chair-1", "trend"), payload, central.now())

    dialog = CentralTrendDialog(central.board, "chair-1", central.clock)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.plot.refresh()
    # The trend spans the session's 10 minutes, not the year 31 million...
    assert dialog.plot._now < 60, dialog.plot._now
    # ...and the bad message (or point) is counted with its reason, as any bad input.
    assert central.board.ignored == 1 and "trend" in central.board.last_ignored
    assert "'heart_rate'" in central.board.last_ignored and "1e+15" in central.board.last_ignored
    # The snapshot's good points are drawn all the same.
    assert [v for _, v, _ in central.board.trend("chair-1").series["heart_rate"]] == \
        [70 + i for i in range(10)]
