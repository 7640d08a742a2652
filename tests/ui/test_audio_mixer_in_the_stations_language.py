"""A muted system output is said whatever language the station runs in.

pactl prints `get-sink-mute` as "Mute: %s" with the yes/no translated by gettext ("Mute: ja" on
a German station). The console asked pactl in the station's own language and looked for
"Mute: yes": on a German station a muted output was never reported (paplay exits 0 into the
muted sink: no "Audio unavailable" row, no "NO SOUND" button, every alarm silent). The mixer is
asked in the C locale, the rest of its environment kept (the sound server it reaches)."""

from __future__ import annotations

from console.ui.audio import PlayerAudioOut
from tests.ui.test_audio import wait_for_mixer


def german_pactl(tmp_path) -> list[str]:
    """A stand-in for pactl 16 with a German catalogue: it answers in the language gettext
    would pick (LC_ALL, LC_MESSAGES, LANG; LANGUAGE ignored under C), and only when it
    reaches the station's sound server (PULSE_SERVER)."""
    script = tmp_path / "pactl"
    script.write_text(r'''#!/bin/sh
[ "$PULSE_SERVER" = "unix:/run/user/1000/pulse/native" ] || { echo "Connection refused" >&2; exit 1; }
loc="${LC_ALL:-${LC_MESSAGES:-${LANG:-C}}}"
case "$loc" in C|C.*|POSIX) yes=yes; no=no;; *) case "${LANGUAGE:-$loc}" in de*) yes=ja; no=nein;; *) yes=yes; no=no;; esac;; esac
case "$1" in
  get-sink-mute) echo "Mute: $yes";;
  get-sink-volume) echo "Volume: front-left: 65536 / 100% / 0.00 dB"; echo "        balance 0.00";;
  get-default-sink) echo "alsa_output.pci-0000_00_1f.3.analog-stereo";;
esac
''')
    script.chmod(0o755)
    return [str(script)]


def test_a_muted_output_on_a_german_station_is_audio_unavailable(tmp_path, monkeypatch):
    # Step 1: a German station, its sound server reached through PULSE_SERVER, the output muted.
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    monkeypatch.setenv("LANGUAGE", "de_DE:de")
    monkeypatch.setenv("PULSE_SERVER", "unix:/run/user/1000/pulse/native")
    out = PlayerAudioOut(["sh", "-c", "exit 0", "paplay"], probe=False, monotonic=lambda: 0.0,
                         mixer=german_pactl(tmp_path))
    # Step 2: the player exits 0; the mixer says why nothing is heard, in the row's words.
    assert wait_for_mixer(out) == (False, "the system sound is muted: unmute it")
