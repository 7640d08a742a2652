"""Tones played into the sound server's "Dummy Output" are not heard.

With the HDMI monitor or the USB speaker unplugged, PulseAudio (module-always-sink) and
pipewire-pulse fall back to the null sink "auto_null" ("Dummy Output"): paplay plays every burst
into it and exits 0, and the sink is neither muted nor at 0 %. The console said nothing: no
"Audio unavailable" row, no "NO SOUND" button, every alarm silent. The mixer's round also asks
which sink is the default (`pactl get-default-sink`; a pactl older than 15 lacks it, and
`pactl info` says "Default Sink:")."""

from __future__ import annotations

from console.ui.audio import PlayerAudioOut
from tests.ui.test_audio import wait_for_mixer

SPEAKER = "alsa_output.usb-Logitech_USB_Speaker-00.analog-stereo"


def pactl(tmp_path, default_sink: str, old: bool = False) -> list[str]:
    """A stand-in for pactl on a station whose default sink is `default_sink` (its output
    neither muted nor at 0 %); `old`: a pactl without get-default-sink (PulseAudio 14). Each
    query asked is written to `asked`; the sink is read from the file `sink`."""
    (tmp_path / "sink").write_text(default_sink)
    script = tmp_path / "pactl"
    script.write_text(rf'''#!/bin/sh
echo "$1" >> "{tmp_path}/asked"
sink=$(cat "{tmp_path}/sink")
case "$1" in
  get-sink-mute) echo "Mute: no";;
  get-sink-volume) echo "Volume: front-left: 65536 / 100% / 0.00 dB"; echo "        balance 0.00";;
  get-default-sink) {"echo 'No valid command specified.' >&2; exit 1" if old else 'echo "$sink"'};;
  info) echo "Server Name: pulseaudio"; echo "Default Sink: $sink"; echo "Default Source: $sink.monitor";;
esac
''')
    script.chmod(0o755)
    return [str(script)]


class Clock:
    def __init__(self) -> None:
        self.mono = 0.0

    def __call__(self) -> float:
        return self.mono


def test_tones_into_the_dummy_output_are_audio_unavailable_until_a_speaker_is_back(tmp_path):
    clock = Clock()
    out = PlayerAudioOut(["sh", "-c", "exit 0", "paplay"], probe=False, monotonic=clock,
                         mixer=pactl(tmp_path, "auto_null"))
    # Step 1: the speaker unplugged, the server plays into its null sink: said, with the cure.
    assert wait_for_mixer(out) == (False, "no speaker connected (Dummy Output): connect the speaker")
    # Step 2: the speaker plugged back in is the default sink again: heard at the next round.
    (tmp_path / "sink").write_text(SPEAKER)
    clock.mono = 10.0
    assert wait_for_mixer(out) == (True, "")


def test_an_older_pactl_tells_the_dummy_output_by_its_info(tmp_path):
    clock = Clock()
    out = PlayerAudioOut(["sh", "-c", "exit 0", "paplay"], probe=False, monotonic=clock,
                         mixer=pactl(tmp_path, "auto_null", old=True))
    # Step 1: pactl 14 refuses get-default-sink; its next round asks `info` instead.
    wait_for_mixer(out)
    clock.mono = 10.0
    assert wait_for_mixer(out) == (False, "no speaker connected (Dummy Output): connect the speaker")
    # Step 2: from then on one query says the default sink, not two (the round runs every 10 s).
    clock.mono = 20.0
    wait_for_mixer(out)
    asked = (tmp_path / "asked").read_text().split()
    assert asked.count("get-default-sink") == 1 and asked.count("info") == 2, asked
