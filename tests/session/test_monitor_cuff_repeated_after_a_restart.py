"""A monitor's cuff still repeated after "Restart and resume" is the cuff the log holds, not a new
BP (devices.stream.UnplacedNibp `resume`; devices/hl7/decoder.py).

A Comen-style monitor stamps every row (OBR-7, each OBX-14) with its message's time and repeats
its last cuff in every message. Live, the connection's memory drops each repeat; a restart made a
new memory, so the first message after it logged the same cuff again, "measured now": a second row
in the record, meeting the open "BP and HR" check though nobody took a BP. The console now starts
the new connection's memory from the session's log (console/ui/controller.py `attach_device`),
so live and restarted agree: one cuff, one row.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from console.store import EventLog
from console.ui import controller
from console.ui.audio import RecordingAudioOut
from console.ui.main_window import MainWindow
from devices.formats import FORMATS
from devices.reading import AGE_UNKNOWN
from devices.stream import StreamDecoder, UnplacedNibp
from protocols.loader import LoadResult
from tests.devices.test_hl7_nibp_stamped_with_the_message_time import cuff_stamped_message
from tests.devices.test_nibp_memory import MONITOR, FailingWrites, deliver, hl7_untimed_nibp
from tests.session.helpers import iv_protocol
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401
from tests.ui.conftest import Answers

MIN = 60.0


def stamp(s: LoggedSession) -> str:
    """Now, as the monitor stamps its message."""
    return s.now().wall.strftime("%Y%m%d%H%M%S+0000")


def hms(s: LoggedSession) -> str:
    """Now, as `monitor_bp` gives a measured time."""
    return s.now().wall.strftime("%H:%M:%S")


def comen(s: LoggedSession, n: int, bp: tuple[int, int] = (150, 92)) -> bytes:
    """A Comen message now: SpO2 and the last cuff `bp`, every row stamped with the message's
    time."""
    return cuff_stamped_message(n, stamp(s), stamp(s), bp)


def no_cuff_yet(s: LoggedSession, n: int) -> bytes:
    """A message of the monitor before its first cuff: SpO2, at the message's time."""
    sent = stamp(s)
    rows = [f"MSH|^~\\&|MON1|WARD|||{sent}||ORU^R01|M{n}|P|2.6", f"OBR|1|||VITAL|||{sent}",
            f"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|97"
            f"|262688^MDC_DIM_PERCENT^MDC|||||R|||{sent}"]
    return b"\x0b" + "\r".join(rows).encode() + b"\r\x1c\r"


def reader(log: EventLog, s: LoggedSession) -> StreamDecoder:
    """What "Restart and resume" reads the monitor with: a new connection whose NIBP memory
    starts from the session's log (`SessionController.attach_device`), and its decoder."""
    nibp = UnplacedNibp()
    nibp.resume(r for _, r in log.observations(s.engine.session_id))
    return FORMATS["hl7"].new_decoder(MONITOR, nibp)


def restarted(log: EventLog, s: LoggedSession) -> StreamDecoder:
    """The console killed and started again now, resuming the session and reading the monitor."""
    restart(s, 0, reads_device=True)
    s.engine.device_state_changed("connected", s.now())
    return reader(log, s)


def monitor_bp(log: EventLog, s: LoggedSession) -> list[tuple[float, str, bool]]:
    """(systolic, measured time, age unknown) of each monitor systolic row."""
    return [(o.value, o.measured_at.strftime("%H:%M:%S") if o.measured_at else "-",
             AGE_UNKNOWN in o.flags)
            for _, o in log.observations(s.engine.session_id)
            if o.metric == "bp_systolic" and o.source != "manual"]


def bp_check_open(s: LoggedSession) -> bool:
    """The "BP and HR" check due now still asks for a BP."""
    due = [d.missing for d in s.engine.due(s.now()) if d.name == "BP and HR"]
    return bool(due) and "bp_systolic" in due[0]


def comen_cuff_at_five_minutes(log: EventLog) -> tuple[LoggedSession, StreamDecoder, int]:
    """Infusion from T0 ("BP and HR" every 10 min), the Comen connected with no cuff yet; its cuff
    of T+5 (150/92), seen come, repeated in its next two messages; now T+9, the T+10 check's
    window open (from T+8)."""
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    decoder = reader(log, s)   # a new session: nothing logged, a memory of its own
    n = 0
    assert deliver(s, decoder, MONITOR, no_cuff_yet(s, n))[0]
    for seconds in (5 * MIN, 5 * MIN + 2, 5 * MIN + 4):
        s.t(seconds); n += 1
        assert deliver(s, decoder, MONITOR, comen(s, n))[0]
    assert [bp for bp, *_ in monitor_bp(log, s)] == [150]
    s.t(9 * MIN)
    return s, decoder, n


@pytest.mark.parametrize("restart_first", [False, True], ids=["live", "restarted"])
def test_a_comen_cuff_still_repeated_after_a_restart_is_no_new_bp(
        log: EventLog, restart_first: bool) -> None:  # noqa: F811
    s, decoder, n = comen_cuff_at_five_minutes(log)
    cuffed = monitor_bp(log, s)
    if restart_first:
        decoder = restarted(log, s)                    # "Restart and resume": a new process
    # The monitor's next message: the same cuff, stamped with this message's time.
    assert deliver(s, decoder, MONITOR, comen(s, n + 1))[0]
    # One cuff measurement, one row, live as after a restart; the T+10 check still asks for
    # the BP nobody took since T+5.
    assert monitor_bp(log, s) == cuffed
    assert bp_check_open(s)


def test_a_new_comen_cuff_after_a_restart_is_of_unknown_age_then_one_seen_come_at_its_time(
        log: EventLog) -> None:  # noqa: F811
    s, _, n = comen_cuff_at_five_minutes(log)
    decoder = restarted(log, s)
    # 9:00 after T0: the first message after the restart brings a cuff not logged, 135/85: taken
    # while the console was down, when nobody knows (the Comen stamps it now). Of unknown age ...
    assert deliver(s, decoder, MONITOR, comen(s, n + 1, (135, 85)))[0]
    assert monitor_bp(log, s)[1:] == [(135, "-", True)]
    assert bp_check_open(s)
    # ... its repeat in the next message no new row ...
    s.t(9 * MIN + 2)
    assert deliver(s, decoder, MONITOR, comen(s, n + 2, (135, 85)))[0]
    assert [bp for bp, *_ in monitor_bp(log, s)] == [150, 135]
    # ... and a new cuff, 140/88, seen come after values came: logged at its message's time,
    # meeting the BP check; its repeat no new row.
    s.t(9 * MIN + 30)
    assert deliver(s, decoder, MONITOR, comen(s, n + 3, (140, 88)))[0]
    assert monitor_bp(log, s)[2:] == [(140, hms(s), False)]
    assert not bp_check_open(s)
    s.t(9 * MIN + 32)
    assert deliver(s, decoder, MONITOR, comen(s, n + 4, (140, 88)))[0]
    assert [bp for bp, *_ in monitor_bp(log, s)] == [150, 135, 140]


def test_a_comen_message_whose_commit_fails_after_a_restart_is_logged_from_its_resend(
        log: EventLog) -> None:  # noqa: F811
    s, _, n = comen_cuff_at_five_minutes(log)
    decoder = restarted(log, s)
    writes = FailingWrites(s)
    # The first message after the restart brings a new cuff, 135/85; its commit fails: AE.
    message = comen(s, n + 1, (135, 85))
    writes.fail_next = True
    stored, ack = deliver(s, decoder, MONITOR, message)
    assert not stored and b"MSA|AE|" in ack
    assert [bp for bp, *_ in monitor_bp(log, s)] == [150]
    # The monitor resends it: the new cuff logged (the memory forgot it with the failed commit).
    s.t(9 * MIN + 1)
    stored, ack = deliver(s, decoder, MONITOR, message)
    assert stored and b"MSA|AA|" in ack
    assert [bp for bp, *_ in monitor_bp(log, s)] == [150, 135]


def test_a_cuff_timed_monitors_new_cuff_of_the_same_values_after_a_restart_keeps_its_time(
        log: EventLog) -> None:  # noqa: F811
    # A monitor that stamps its cuff with the cuff's own time: OBX-14 = OBR-7 only in the
    # message of the second the cuff finished, its own time in the messages after.
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    decoder = reader(log, s)
    assert deliver(s, decoder, MONITOR, no_cuff_yet(s, 0))[0]   # connected, no cuff yet
    s.t(5 * MIN)
    first, first_at = stamp(s), hms(s)
    assert deliver(s, decoder, MONITOR, cuff_stamped_message(1, first, first, (150, 92)))[0]
    s.t(5 * MIN + 5)
    assert deliver(s, decoder, MONITOR, cuff_stamped_message(2, stamp(s), first, (150, 92)))[0]
    decoder = restarted(log, s)
    # 9:00 after T0, the first message after the restart: a new cuff, the same 150/92, in its
    # own second. The log's cuff stands for the message before: read as that one sent again ...
    s.t(9 * MIN)
    second, second_at = stamp(s), hms(s)
    assert deliver(s, decoder, MONITOR, cuff_stamped_message(3, second, second, (150, 92)))[0]
    # ... and logged from the monitor's next message, at its own time, never "age unknown".
    s.t(9 * MIN + 5)
    assert deliver(s, decoder, MONITOR, cuff_stamped_message(4, stamp(s), second, (150, 92)))[0]
    assert monitor_bp(log, s) == [(150, first_at, False), (150, second_at, False)]
    assert not bp_check_open(s)


def test_an_untimed_cuff_still_repeated_after_a_restart_is_not_logged_again_of_unknown_age(
        log: EventLog) -> None:  # noqa: F811
    # A monitor whose clock was never set: OBX-14 all zeros ("never") on its cuff.
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    decoder = reader(log, s)
    # 5:00 after T0: connected, its last cuff (185/112) on it: logged once, of unknown age.
    for n, seconds in enumerate((5 * MIN, 5 * MIN + 2), start=1):
        s.t(seconds)
        assert deliver(s, decoder, MONITOR, hl7_untimed_nibp(f"M{n}", 97, s.now().wall))[0]
    assert monitor_bp(log, s) == [(185, "-", True)]
    decoder = restarted(log, s)
    # After the restart it still repeats that cuff: no second row.
    s.t(9 * MIN)
    assert deliver(s, decoder, MONITOR, hl7_untimed_nibp("M3", 97, s.now().wall))[0]
    assert monitor_bp(log, s) == [(185, "-", True)]
    # A new cuff (150/90) comes after values were seen: logged at its message's time.
    s.t(9 * MIN + 2)
    assert deliver(s, decoder, MONITOR,
                   hl7_untimed_nibp("M4", 97, s.now().wall, (150, 90)))[0]
    assert monitor_bp(log, s)[1:] == [(150, hms(s), False)]


class MonitorLink:
    """A stand-in for the monitor's `DeviceConnection`: keeps what the console handed it."""

    made: list[MonitorLink] = []

    def __init__(self, url: str, fmt: str, on_event: object, **options: object) -> None:
        self.url, self.fmt, self.nibp = url, fmt, options.get("nibp")
        MonitorLink.made.append(self)

    def start(self) -> None: ...

    def stop(self, timeout: float = 0) -> bool:
        return True


def test_restart_and_resume_reads_the_monitor_with_the_logged_cuff(
        log: EventLog, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    s, _, n = comen_cuff_at_five_minutes(log)
    # Killed; the console starts again on the log, and the nurse resumes the session.
    MonitorLink.made = []
    monkeypatch.setattr(controller, "DeviceConnection", MonitorLink)
    cleanups: list[Callable[[], None]] = []
    window = MainWindow(log, LoadResult({"test-iv": iv_protocol()}), s.clock,
                        RecordingAudioOut(), cleanups, Answers(), Answers())
    qtbot.addWidget(window)
    try:
        window.resume(log.open_sessions()[0], device=(MONITOR, "hl7"))
        (link,) = MonitorLink.made
        assert isinstance(link.nibp, UnplacedNibp)
        # The connection's decoder (devices.transport: the format's, with the connection's
        # memory): the cuff still repeated is no new BP; the SpO2 of the message is read.
        decoder = FORMATS[link.fmt].new_decoder(link.url, link.nibp)
        result = decoder.feed(comen(s, n + 1), s.now().wall)
        assert [r.metric for r in result.readings] == ["spo2"]
        assert [d.reason for d in result.dropped] == ["nibp-repeat"]
    finally:
        while cleanups:
            cleanups.pop()()
