"""A Comen cuff first seen on a connection is of unknown age, not a BP "measured now"
(devices/hl7/decoder.py `_stamped_nibp`).

The Comen stamps every row with its message's time and resends its last cuff in every message, so
the cuff in the first message of a connection (after "Restart and resume", a replug, or at a new
session's first connect) may be hours old: nothing in it says when it was measured. It had been
logged at that message's time: it met the open "BP and HR" check though no BP was taken in its
window, and the previous patient's cuff became the new patient's baseline. It is now logged of
unknown age (`AGE_UNKNOWN`), as a cuff sent without a time and an Ivy's are.
"""

from __future__ import annotations

from console.store import EventLog
from devices.formats import FORMATS
from devices.stream import UnplacedNibp
from tests.devices.test_nibp_memory import MONITOR, deliver, hl7_untimed_nibp
from tests.session.test_monitor_cuff_repeated_after_a_restart import (
    MIN,
    bp_check_open,
    comen,
    comen_cuff_at_five_minutes,
    monitor_bp,
    restarted,
)
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401


def test_a_comen_cuff_taken_while_the_console_was_down_meets_no_bp_check_after_the_restart(
        log: EventLog) -> None:  # noqa: F811
    # Infusion from T0, "BP and HR" every 10 min; the Comen's cuff 150/92 at T+5, repeated. The
    # console dies; the monitor takes a cuff, 135/85, nobody sees it come; at T+9 (the T+10
    # check's window open from T+8) the console is back and resumes.
    s, _, n = comen_cuff_at_five_minutes(log)
    decoder = restarted(log, s)
    assert deliver(s, decoder, MONITOR, comen(s, n + 1, (135, 85)))[0]
    # Logged of unknown age (no measured time), and the T+10 check still asks for a BP.
    assert monitor_bp(log, s)[1:] == [(135, "-", True)]
    assert bp_check_open(s)


def test_a_cuff_sent_without_a_time_after_a_restart_is_of_unknown_age_too(
        log: EventLog) -> None:  # noqa: F811
    # The same story with a monitor whose cuff has no time (OBX-14 all zeros): as it was.
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    decoder = FORMATS["hl7"].new_decoder(MONITOR, UnplacedNibp())
    for k, seconds in enumerate((5 * MIN, 5 * MIN + 2), start=1):
        s.t(seconds)
        assert deliver(s, decoder, MONITOR, hl7_untimed_nibp(f"M{k}", 97, s.now().wall))[0]
    s.t(9 * MIN)
    restart(s, 0, reads_device=True)
    s.engine.device_state_changed("connected", s.now())
    nibp = UnplacedNibp()
    nibp.resume(r for _, r in log.observations(s.engine.session_id))
    decoder = FORMATS["hl7"].new_decoder(MONITOR, nibp)
    assert deliver(s, decoder, MONITOR, hl7_untimed_nibp("M3", 97, s.now().wall, (150, 90)))[0]
    assert monitor_bp(log, s)[1:] == [(150, "-", True)]
    assert bp_check_open(s)


def test_a_comen_cuff_taken_while_the_line_was_unplugged_meets_no_bp_check_at_the_replug(
        log: EventLog) -> None:  # noqa: F811
    # Live, no restart: the cuff 150/92 at T+5, repeated; the USB adapter drops out at T+5:05.
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    nibp = UnplacedNibp()
    decoder = FORMATS["hl7"].new_decoder(MONITOR, nibp)
    for k, seconds in enumerate((5 * MIN, 5 * MIN + 2, 5 * MIN + 4), start=1):
        s.t(seconds)
        assert deliver(s, decoder, MONITOR, comen(s, k))[0]
    s.t(5 * MIN + 5)
    s.engine.device_state_changed("disconnected", s.now(), "port closed")
    # T+9: back (devices.transport: the connection's memory, `new_connection` at the open), the
    # monitor showing a cuff taken meanwhile, 135/85.
    s.t(9 * MIN)
    nibp.new_connection()
    decoder = FORMATS["hl7"].new_decoder(MONITOR, nibp)
    s.engine.device_state_changed("connected", s.now())
    assert deliver(s, decoder, MONITOR, comen(s, 9, (135, 85)))[0]
    assert monitor_bp(log, s)[1:] == [(135, "-", True)]
    assert bp_check_open(s)
    # Its repeat in the next message is no new row.
    s.t(9 * MIN + 2)
    assert deliver(s, decoder, MONITOR, comen(s, 10, (135, 85)))[0]
    assert [bp for bp, *_ in monitor_bp(log, s)] == [150, 135]


def test_the_previous_patients_comen_cuff_is_no_baseline_of_the_new_session(
        log: EventLog) -> None:  # noqa: F811
    # A new session: the Comen still shows (and repeats) the previous patient's cuff, 150/92,
    # when the console connects, before the nurse takes this patient's BP.
    s = LoggedSession(log)
    s.engine.device_state_changed("connected", s.now())
    decoder = FORMATS["hl7"].new_decoder(MONITOR, UnplacedNibp())
    s.t(30)
    assert deliver(s, decoder, MONITOR, comen(s, 1))[0]
    # Of unknown age: no baseline.
    assert monitor_bp(log, s) == [(150, "-", True)]
    assert s.engine.baseline.get("bp_systolic") is None
