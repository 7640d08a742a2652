""""Audio unavailable" says the reason that holds now.

The row's tooltip and the `audio_status` event name what IT must put right. The sounder told the
engine only a change between available and unavailable, and the engine logged only such a
change: once the sound server was back but the output muted, the row still read "Connection
refused", and IT restarted the sound server again and again while the cure was to unmute. A new
reason is logged and shown on the same alarm: no second alarm, nothing sounds or flashes anew."""

from __future__ import annotations

from console.session.alarms import AlarmState
from console.session.engine import AUDIO_UNAVAILABLE
from console.ui.alarm_bar import AlarmBar
from console.ui.audio import AlarmSounder, RecordingAudioOut
from console.ui.controller import SessionController
from tests.session.helpers import Session

REFUSED = "paplay failed (exit 1): Connection failure: Connection refused"
MUTED = "the system sound is muted: unmute it"


def test_a_speaker_still_unavailable_for_another_reason_says_the_new_one(qtbot):
    s = Session()
    s.to_infusion()
    controller = SessionController(s.engine, s.clock)
    bar = AlarmBar()
    qtbot.addWidget(bar)
    bar.bind(controller)
    out = RecordingAudioOut(available=False, detail=REFUSED)
    sounder = AlarmSounder(out)
    sounder.bind(controller)
    # Step 1: no sound server: the row's tooltip says so.
    assert bar.rows() == ["* Audio unavailable: visual only"]
    assert REFUSED in bar.equipment.list.item(0).toolTip()
    # Step 2: the nurse acknowledges the row.
    [alarm] = s.engine.alarms()
    assert s.engine.acknowledge(alarm.id, "nurse.ana", s.now()).done
    # Step 3: the server is back, the output muted: the sounder's own check says the new reason.
    out.set_available(False, MUTED)
    s.t(5)
    sounder.check_timer.timeout.emit()
    tooltip = bar.equipment.list.item(0).toolTip()
    assert MUTED in tooltip and "Connection refused" not in tooltip
    assert [e.detail["detail"] for e in s.recorder.events("audio_status")] == [REFUSED, MUTED]
    # The same alarm, still acknowledged: no second alarm raised, nothing sounds anew.
    [again] = s.engine.alarms()
    assert (again.id, again.state) == (alarm.id, AlarmState.ACKNOWLEDGED)
    assert [t for _, t, _ in s.recorder.transitions(AUDIO_UNAVAILABLE)] == ["raised",
                                                                           "acknowledged"]
    # Step 4: read again, the same reason is not logged again.
    s.t(7)
    sounder.check_timer.timeout.emit()
    assert len(s.recorder.events("audio_status")) == 2
    sounder.unbind()
