"""A sound player that cannot be started at all (its file gone or not executable after the
console found it: a package half removed, a noexec mount) is the speaker's verdict at once:
"Audio unavailable" with the cause. Its start's failure had left the verdict pending for good,
and the sounder says nothing while a verdict is pending, so no alarm ever came: the console
played no tone and said nothing (a review)."""
from __future__ import annotations

from pathlib import Path

from console.ui.audio import PlayerAudioOut


def test_a_player_that_cannot_start_is_the_verdict_at_once(tmp_path: Path) -> None:
    player = tmp_path / "paplay"   # not there: exec fails with ENOENT
    out = PlayerAudioOut([str(player)], mixer=None)

    assert not out.verdict_pending()
    ok, detail = out.available()
    assert not ok and "paplay cannot start" in detail


def test_a_player_not_executable_is_the_verdict_at_once(tmp_path: Path) -> None:
    player = tmp_path / "paplay"
    player.write_text("#!/bin/sh\nexit 0\n")
    player.chmod(0o644)   # found, not executable: exec fails with EACCES
    out = PlayerAudioOut([str(player)], mixer=None)

    assert not out.verdict_pending()
    ok, detail = out.available()
    assert not ok and "paplay cannot start" in detail


def test_the_sounder_says_audio_unavailable_for_a_player_that_cannot_start(
        qtbot, tmp_path: Path) -> None:   # noqa: ARG001 - qtbot: a QApplication for the sounder
    from console.ui.audio import AlarmSounder  # noqa: PLC0415

    sounder = AlarmSounder(PlayerAudioOut([str(tmp_path / "paplay")], mixer=None))

    said = sounder.check_available()   # the window's check of the speaker
    assert said is not None and said[0] is False and "paplay cannot start" in said[1]
