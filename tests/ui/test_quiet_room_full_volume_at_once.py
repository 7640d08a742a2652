"""When the quiet room loses its central's confirmation (or the bus)
the sounding burst goes back to full volume at once (console/ui/audio.py `set_quiet`: "a change
takes effect at once (the burst now sounding restarts at the new loudness)"; README, Quiet room:
"The moment ... the bus is down ... the bedside returns to full volume").

Dropping `self._on_session_changed()` from `set_quiet` passes every existing test: the one test of
the sounder's loudness (tests/ui/test_audio.py) sets `_quiet` by hand and calls `update` itself,
and the window test only reads `sounder.quiet`. With it dropped, the repeat timer replays the soft
burst it holds: a high alarm stays 12 dB softer (a bus lost raises its alarm only 10 s later) until
something else changes the session."""

from __future__ import annotations

from console.ui.audio import AlarmSounder, RecordingAudioOut
from console.ui.controller import SessionController
from tests.session.helpers import Session


def test_a_sounding_high_burst_returns_to_full_volume_the_moment_quiet_is_withdrawn(qtbot):
    s = Session()
    s.to_infusion()
    controller = SessionController(s.engine, s.clock)
    out = RecordingAudioOut()
    sounder = AlarmSounder(out)
    sounder.bind(controller)
    sounder.set_quiet(True)            # a central confirms every alarm: soft tones
    s.bp(205, 95)                      # a high alarm
    controller.changed.emit()
    assert out.played[-1].file_name == "high-quiet.wav"
    sounder.set_quiet(False)           # the bus is lost: full volume, now
    assert out.played[-1].file_name == "high.wav", [p.file_name for p in out.played]
    sounder.timer.timeout.emit()       # and its repeats are full too
    assert out.played[-1].file_name == "high.wav", [p.file_name for p in out.played]
