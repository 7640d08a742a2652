"""Alarm audio: the `AudioOut` port, its implementations, and the sounder that drives it.

The engine decides what should sound (`SessionEngine.audio(now)` → `AudioSignal`); this module only
turns that into tones and reports, once per change, whether the speaker path works and if not
why (`engine.audio_status`), so that a broken speaker becomes the visible technical alarm
"Audio unavailable: alarms are visual only" instead of silence.

Decision: how the tones are played (measured on this machine, Debian 12, x86_64, Python 3.11):

- QtMultimedia's QSoundEffect is in PySide6-Addons, not in PySide6-Essentials. The Addons 6.11.3
  wheel is a 175 MB download and 417 MB installed (Essentials: 80 MB wheel, 234 MB installed), so
  it would nearly triple the install to play three short WAVs; it pins Essentials to the exact same
  version, and it bundles FFmpeg 7.1 (libav*, 58 MB with libQt6Multimedia).
- Without Debian's libpulse0, `import PySide6.QtMultimedia` raises ImportError
  ("libpulse.so.0: cannot open shared object file"). With libpulse0 but no sound server,
  QMediaDevices.audioOutputs() is empty, the default output isNull(), and QSoundEffect goes
  Loading → Error ("playback of this format is not supported on the selected audio device") and
  play() does nothing: silent unless its status is read, as architecture.md warns.
- The operating system's own player costs nothing in the wheel and fails loudly: `paplay`
  (pulseaudio-utils, 334 KB, also talks to PipeWire's pulse server) and `aplay` (alsa-utils) both
  exit 1 here with "Connection refused" / "audio open error"; Windows has `winsound` in the
  standard library. That failure is read from the exit status and becomes the technical alarm.

So the default is `PlayerAudioOut` (no extra Python dependency), and `QtAudioOut` is used when
PySide6-Addons is installed and QtMultimedia reports a working output; `default_audio_out()`
picks. Both report what is wrong through `available()`. Addons stays an optional extra:

    [project.optional-dependencies]
    qt-audio = [
        "PySide6-Addons>=6.8,!=6.9.1,<6.12; python_version < '3.12'",
        "PySide6-Addons>=6.8,!=6.9.1,<7; python_version >= '3.12'",
    ]

(same markers as the PySide6-Essentials lines: Addons requires the identical Essentials version, so
the 3.11 crash fence must be repeated on it.)

Repetition (high every 6 s, medium every 10 s, low once; start to start, `TonePattern.repeat_s`)
is a precise QTimer in `AlarmSounder`; tests fire `sounder.timer.timeout.emit()` and read what
`RecordingAudioOut` was asked to play.

The speaker never fails silently (the console's first rule): `play` says whether the burst
started; a player that cannot start, exits with an error, or is still running long after its
burst should have ended or when its repeat is due (hung) makes `available()` false with the
reason, which becomes the "Audio unavailable" technical alarm; the sounder keeps a burst as
"sounding" only once it started, and tries again every `RETRY_SECONDS` while it cannot, or while
a burst played once (low) has failed since it started (`AudioOut.burst_failed`).
`stop()` never blocks the GUI thread and never raises: the player is killed and reaped later,
whatever it does with SIGTERM.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.resources
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Hashable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from PySide6 import QtCore

from console.session.alarms import AudioSignal
from console.ui.tones import (
    PATTERNS,
    QUIET_PATTERNS,
    SAMPLE_RATE,
    TonePattern,
    pattern_for,
    write_wav,
)

if TYPE_CHECKING:
    from console.ui.controller import SessionController

# Players tried in order: PipeWire and PulseAudio desktops (paplay reaches both), then bare ALSA.
PLAYERS: tuple[tuple[str, ...], ...] = (("paplay",), ("pw-play",), ("aplay", "-q"), ("afplay",))
HANG_GRACE_SECONDS = 3.0
"""A player still running this long after its burst should have ended is hung (killed, reported)."""
REPEAT_MARGIN_SECONDS = 0.5
"""A repeating burst's player is hung this long before the next repeat at the latest: the repeat
kills it to play again, and one killed unjudged was never reported (a high burst, 3.4 s every
5 s, with 3 s of grace: every hung player was replaced before it counted as hung, a silent high
alarm). Half a second before, though the repeat timer is precise (a coarse one had fired up to
5 % early, 0.3 s of 6). With the high burst every 6 s (IEC's 2.5 s of silence after it) a hung
player counts 2.1 s after its burst."""
RETRY_SECONDS = 5.0
"""While the speaker fails, the sounder tries the burst again this often (a burst played once
that failed, too)."""
AVAILABILITY_CHECK_SECONDS = 2.0
"""How often a bound sounder reads the speaker's availability when nothing else happens."""
REPROBE_SECONDS = 10.0
"""While the player has failed and nothing plays, its silent probe runs again this often: a sound
server back after an outage cleared "Audio unavailable" only at the next alarm tone, so the
central's banner stood over a working speaker (a charge nurse's walk)."""


class AudioOut(Protocol):
    """The speaker, as the sounder sees it."""

    def play(self, pattern: TonePattern) -> bool:
        """Start one burst of `pattern`, replacing whatever is playing; False if it did not start."""

    def stop(self) -> None:
        """Silence the speaker now. Never blocks, never raises."""

    def available(self) -> tuple[bool, str]:
        """Whether tones can be heard, and if not a short reason a nurse or technician can act on."""

    def verdict_pending(self) -> bool:
        """The speaker is being tried and has not answered yet: `available` does not know."""

    def burst_failed(self) -> bool:
        """The last burst `play` started failed since (its player ended in an error, or hung):
        it was not heard. False while it plays, once `stop` was called, and where `play` itself
        tells."""


@contextlib.contextmanager
def tones_directory() -> Iterator[Path]:
    """The directory holding the tone WAVs, as a real path (extracted if the package is zipped)."""
    with importlib.resources.as_file(importlib.resources.files("resources") / "tones") as path:
        yield Path(path)


def _tone_path(pattern: TonePattern, stack: contextlib.ExitStack) -> Path:
    return Path(stack.enter_context(tones_directory())) / pattern.file_name


def _tone_files_problem() -> str:
    """"" or which alarm tone files cannot be played: missing, not a WAV, or cut short.

    The silent probe plays a file of its own, so it cannot tell: with high.wav gone it played,
    and ended "Audio unavailable" between the high bursts that failed (a review: the alarm
    raised and ended every 10 s while no high tone ever sounded). Reading them all takes 0.4 ms.
    """
    bad = []
    with tones_directory() as directory:
        for pattern in (*PATTERNS.values(), *QUIET_PATTERNS.values()):
            try:
                with wave.open(str(directory / pattern.file_name), "rb") as f:
                    frames = f.getnframes()
                    frame_bytes = f.getsampwidth() * f.getnchannels()
                    whole = 0 < frames == len(f.readframes(frames)) // frame_bytes
            except (OSError, EOFError, wave.Error):
                whole = False
            if not whole:
                bad.append(pattern.file_name)
    if not bad:
        return ""
    return (f"alarm tone file missing or unreadable: {', '.join(bad)} (in {directory}): "
            "reinstall the console")


class RecordingAudioOut:
    """A fake speaker for tests: records every request; its availability is set by the test."""

    def __init__(self, available: bool = True, detail: str = "") -> None:
        self.played: list[TonePattern] = []
        self.stops = 0
        self._available = (available, detail)

    def play(self, pattern: TonePattern) -> bool:
        self.played.append(pattern)
        return self._available[0]

    def stop(self) -> None:
        self.stops += 1

    def available(self) -> tuple[bool, str]:
        return self._available

    def verdict_pending(self) -> bool:
        return False

    def burst_failed(self) -> bool:
        return False   # `play` answers at once

    def set_available(self, available: bool, detail: str = "") -> None:
        self._available = (available, detail)

    @property
    def last(self) -> TonePattern | None:
        return self.played[-1] if self.played else None


class QtAudioOut:
    """Plays the tones with QSoundEffect (PySide6-Addons); unavailable when QtMultimedia is not.

    QtMultimedia is imported here, lazily, so a console without PySide6-Addons or without libpulse0
    still starts and reports "audio unavailable" instead of failing at import.
    """

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        self._effects: dict[Any, Any] = {}
        self._files = contextlib.ExitStack()
        self._problem = ""
        try:
            # import_module, not `from PySide6 import`: only the former tells "not installed"
            # (ModuleNotFoundError) apart from "installed but a library is missing" (ImportError).
            QtMultimedia = importlib.import_module("PySide6.QtMultimedia")
        except ModuleNotFoundError:
            self._problem = "QtMultimedia not installed (PySide6-Addons)"
            return
        except ImportError as exc:   # e.g. libpulse.so.0 missing: the message names the library
            self._problem = f"QtMultimedia cannot load: {str(exc).split(':')[0]}"
            return
        self._mm = QtMultimedia
        for pattern in (*PATTERNS.values(), *QUIET_PATTERNS.values()):
            effect = QtMultimedia.QSoundEffect(parent)
            effect.setSource(QtCore.QUrl.fromLocalFile(str(_tone_path(pattern, self._files))))
            effect.setVolume(1.0)
            self._effects[pattern.file_name] = effect

    def play(self, pattern: TonePattern) -> bool:
        self.stop()
        effect = self._effects.get(pattern.file_name)
        if effect is None:
            return False
        effect.play()
        return self.available()[0]

    def stop(self) -> None:
        for effect in self._effects.values():
            effect.stop()

    def verdict_pending(self) -> bool:
        return False   # QMediaDevices and the effects' status are read at once

    def burst_failed(self) -> bool:
        return False   # `play` reads the effects' status at once

    def available(self) -> tuple[bool, str]:
        if self._problem:
            return False, self._problem
        # Measured: with no sound server the output list is empty and every effect ends in Error,
        # while play() raises nothing. Both are read here because neither is signalled to us.
        if not self._mm.QMediaDevices.audioOutputs():
            return False, "no sound output device (is a sound server running?)"
        if any(e.status() is self._mm.QSoundEffect.Status.Error for e in self._effects.values()):
            return False, "the sound device refused the alarm tones"
        return True, ""


MIXER_SECONDS = 10.0
"""How often the system's mixer is asked whether its output is muted, at 0 % or no speaker."""
_PERCENT = re.compile(rb"(\d+)%")
_INFO_DEFAULT_SINK = re.compile(rb"^Default Sink: *(.*)$", re.MULTILINE)
NULL_SINK = b"auto_null"
"""The sink PulseAudio (module-always-sink) and pipewire-pulse fall back to with no output left
("Dummy Output"): a player plays into it and exits 0."""


class MixerWatch:
    """Whether the system's default output is muted, turned down to 0 % or no speaker at all
    (PulseAudio's or PipeWire's `pactl`): a player then exits 0 and nothing is heard, so the
    console must say so (IEC 60601-1-8: a visual indication whenever the alarm sound is off).

    Asked every MIXER_SECONDS without waiting: `problem()` starts three short queries (mute,
    volume, the default sink's name) and reads them at a later call. A mixer that cannot be
    asked (no server, no pactl) says nothing: the player's own failure already does.

    pactl is asked in the C locale: it translates its answers ("Mute: ja" on a German station:
    a muted output went unsaid). The default sink is `get-default-sink`; a pactl without it
    (before PulseAudio 15) is asked `info` ("Default Sink: ...") from its next round on.
    The null sink is told by its name only: its description ("Dummy Output") would take
    `pactl list sinks`, every sink's every property, each round.
    """

    def __init__(self, command: Sequence[str], monotonic: Callable[[], float],
                 every: float = MIXER_SECONDS) -> None:
        self._command = list(command)
        self._mono = monotonic
        self._every = every
        self._next_at = 0.0
        self._asking: list[subprocess.Popen[bytes]] = []   # mute, volume, default sink
        self._sink_query = "get-default-sink"   # "info" once pactl lacks it
        self._problem = ""

    def problem(self) -> str:
        """"" or why nothing is heard: "the system sound is muted", "... volume is at 0 %"."""
        if self._asking:
            if any(p.poll() is None for p in self._asking):
                return self._problem
            mute, volume, sink = (p.stdout.read() if p.stdout and p.returncode == 0 else b""
                                  for p in self._asking)
            if mute and self._asking[2].returncode != 0:   # the server answers, not this query
                self._sink_query = "info"
            self._asking = []
            self._problem = _mixer_problem(mute, volume, _sink_name(sink))
        elif self._mono() >= self._next_at:
            self._next_at = self._mono() + self._every
            queries = (["get-sink-mute", "@DEFAULT_SINK@"], ["get-sink-volume", "@DEFAULT_SINK@"],
                       [self._sink_query])
            try:
                self._asking = [subprocess.Popen([*self._command, *query],
                                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                 stderr=subprocess.DEVNULL, env=_c_locale())
                                for query in queries]
            except OSError:
                self._asking = []
        return self._problem


def _c_locale() -> dict[str, str]:
    """This process's environment (the sound server it reaches: PULSE_SERVER, XDG_RUNTIME_DIR)
    with messages in the C locale. LANGUAGE goes too: GNU gettext ignores it under C, others
    need not."""
    env = {k: v for k, v in os.environ.items() if k != "LANGUAGE"}
    env["LC_ALL"] = "C"
    return env


def _sink_name(answer: bytes) -> bytes:
    """The default sink's name, from `get-default-sink` (the name alone) or `info`."""
    found = _INFO_DEFAULT_SINK.search(answer)
    return (found.group(1) if found else answer).strip()


def _mixer_problem(mute: bytes, volume: bytes, sink: bytes = b"") -> str:
    if sink.split(b".")[0] == NULL_SINK:   # "auto_null.2" where the name was taken
        return "no speaker connected (Dummy Output): connect the speaker"
    if b"Mute: yes" in mute:
        return "the system sound is muted: unmute it"
    levels = [int(m) for m in _PERCENT.findall(volume)]
    if levels and not any(levels):
        return "the system volume is at 0 %: turn it up"
    return ""


def _default_mixer(player: Sequence[str] | None) -> list[str] | None:
    """pactl beside a PulseAudio or PipeWire player (paplay, pw-play), when installed."""
    if player and Path(player[0]).name in ("paplay", "pw-play") and shutil.which("pactl"):
        return ["pactl"]
    return None


class PlayerAudioOut:
    """Plays the tones with the operating system's player (paplay, pw-play, aplay; winsound on
    Windows), so alarms are audible without PySide6-Addons.

    A player process that cannot start, exits with an error, or hangs marks the output
    unavailable, with the reason. A probe at construction (50 ms of silence) finds a dead speaker
    path before the first alarm needs it; a probe that cannot be written (the temp folder full or
    gone) leaves the speaker unavailable too, never the console unstarted. An alarm burst's
    failure stands until a later burst plays while an alarm tone is due (from `play` until
    `stop`): the probe plays another file, so its success says nothing of the tones; each tone
    file is checked at construction and at each re-probe. With no tone due (the alarm
    acknowledged, paused or over) no burst comes to end it, so a re-probe that plays, every
    tone file whole, does.

    Args:
        command: the player and its options (default: the first of PLAYERS found).
        probe: play silence once at construction to check the path.
        monotonic: the clock that tells a hung player (injected by tests).
        mixer: the command asked whether the output is muted or at 0 % (`MixerWatch`); by
            default pactl beside paplay or pw-play; None asks nothing.
    """

    def __init__(self, command: Sequence[str] | None = None, probe: bool = True,
                 monotonic: Callable[[], float] = time.monotonic,
                 mixer: Sequence[str] | None | bool = True) -> None:
        self._files = contextlib.ExitStack()
        self._command: list[str] | None = list(command) if command else _find_player()
        self._mono = monotonic
        mixer_command = _default_mixer(self._command) if mixer is True else (mixer or None)
        self._mixer = MixerWatch(mixer_command, monotonic) if mixer_command else None
        self._process: subprocess.Popen[bytes] | None = None
        self._deadline = 0.0   # monotonic time by which the current player should have ended
        self._probing: tuple[subprocess.Popen[bytes], float] | None = None   # a probe and its
        # deadline, left to answer beside the first burst (`play`)
        self._dying: list[subprocess.Popen[bytes]] = []   # killed, not yet reaped
        self._problem = ""         # the probe's failure (ended by a probe or burst that plays)
        self._burst_problem = ""   # the last alarm burst's failure: while a tone is due only
        # a burst that plays ends it, never the probe (a missing high.wav's alarm had flapped)
        self._due = False          # an alarm burst asked for since the last `stop`
        self._tones_problem = _tone_files_problem()   # checked again at each re-probe
        self._burst = False        # `_process` plays an alarm burst, not the probe
        self._silence: Path | None = None
        self._reprobe_at = 0.0
        self._judged = self._command is None   # a player has answered (ended, or hung) once
        if sys.platform != "win32" and self._command is None:
            self._problem = "no sound player found (install pulseaudio-utils or alsa-utils)"
        elif probe and self._command is not None:
            self._probe()

    def play(self, pattern: TonePattern) -> bool:
        self._due = True
        self._check_exit()
        if (not self._judged and self._process is not None and not self._burst
                and self._probing is None):
            # The start's probe still runs: it answers beside the burst (it plays silence),
            # killing it left the speaker unknown (a restart with a high alarm standing).
            self._probing, self._process = (self._process, self._deadline), None
        self._end_player()
        path = _tone_path(pattern, self._files)
        if self._command is None:   # Windows: winsound (see __init__)
            self._said(_winsound_play(path), burst=True)
            return not self._burst_problem
        return self._start([*self._command, str(path)], pattern.duration_ms / 1000,
                           pattern.repeat_s, burst=True)

    def _start(self, argv: list[str], seconds: float, repeat_s: float | None = None,
               burst: bool = False) -> bool:
        self._burst = burst
        try:
            self._process = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as exc:
            self._said(f"{Path(argv[0]).name} cannot start: {exc.strerror or exc}", burst)
            # An answer, as an exit status is: left pending, the sounder said nothing while
            # no tone could ever play (a player found at start, then removed or not
            # executable: a review).
            self._judged = True
            return False
        grace = HANG_GRACE_SECONDS
        if repeat_s is not None:   # hung before the repeat replaces it (REPEAT_MARGIN_SECONDS)
            grace = max(0.0, min(grace, repeat_s - REPEAT_MARGIN_SECONDS - seconds))
        self._deadline = self._mono() + seconds + grace
        return True

    def _probe(self) -> None:
        """Play 50 ms of silence; the player's verdict is read by the next `available()` (the
        sounder's check at the next refresh, within half a second), never waited for: waiting
        cost the start-up 15-60 ms (P7) and a working device plays the whole 50 ms first."""
        if self._silence is None:
            try:
                directory = Path(self._files.enter_context(tempfile.TemporaryDirectory()))
                write_wav(directory / "probe.wav", np.zeros(SAMPLE_RATE // 20, dtype=np.int16))
            except OSError as exc:
                # A temp folder that takes no file (full, TMPDIR removed) had stopped the
                # console's start. No probe plays, so this is the verdict ("Audio unavailable";
                # a pending one is never said), tried again by `available` (REPROBE_SECONDS).
                self._problem = f"cannot write the speaker's probe: {exc.strerror or exc}"
                self._judged = True
                return
            self._silence = directory / "probe.wav"
        if self._command is not None:
            self._start([*self._command, str(self._silence)], 0.05)

    def stop(self) -> None:
        """Silence now: kill the player (SIGKILL: a player may ignore SIGTERM) and reap it later.
        No alarm tone is due until the next `play`."""
        self._due = False
        self._end_player()
        probe, self._probing = self._probing, None
        self._kill(probe[0] if probe is not None else None)
        self._reap()

    def _end_player(self) -> None:
        if self._command is None:
            _winsound_stop()
        self._check_exit()   # one that already ended (or hung) gives its answer before it goes
        process, self._process = self._process, None
        self._kill(process)

    def _kill(self, process: subprocess.Popen[bytes] | None) -> None:
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError):
                process.kill()
            self._dying.append(process)

    def _reap(self) -> None:
        self._dying = [p for p in self._dying if p.poll() is None]

    def verdict_pending(self) -> bool:
        """No player has answered yet (ended with its exit status, or hung): whether the speaker
        works is not known. A start's probe killed by the first burst, and that burst killed
        when the alarm stopped, answered nothing: a restart then said the speaker worked while
        it failed throughout (a walk on X). A tone file missing is known at once."""
        self._check_exit()
        return not self._judged and not self._tones_problem

    def burst_failed(self) -> bool:
        self._check_exit()
        burst_playing = self._process is not None and self._burst
        return self._due and bool(self._burst_problem) and not burst_playing

    def available(self) -> tuple[bool, str]:
        self._reap()
        self._check_exit()
        if ((self._tones_problem or self._burst_problem or self._problem or not self._judged)
                and self._process is None and self._command is not None
                and self._mono() >= self._reprobe_at):
            self._reprobe_at = self._mono() + REPROBE_SECONDS
            self._tones_problem = _tone_files_problem()   # a tone file put back ends it
            self._probe()   # its verdict is read by a later call, as at construction
        # The tone files' cause first: it names what to mend; the player's words only echo it.
        problem = (self._tones_problem or self._burst_problem or self._problem
                   or (self._mixer.problem() if self._mixer is not None else ""))
        return (not problem), problem

    def _check_exit(self) -> None:
        if self._probing is not None and self._judge(*self._probing):
            self._probing = None
        if self._process is not None and self._judge(self._process, self._deadline,
                                                     self._burst):
            self._process = None

    def _judge(self, process: subprocess.Popen[bytes], deadline: float,
               burst: bool = False) -> bool:
        """Read `process`'s answer into the speaker's state; False while it may still play."""
        name = Path(self._command[0]).name if self._command else "player"
        if process.poll() is None:
            if self._mono() <= deadline:
                return False
            self._kill(process)   # long past its burst: hung
            self._said(f"{name} stopped responding (killed)", burst)
        elif process.returncode != 0:
            err = (process.stderr.read() if process.stderr else b"").decode(errors="replace")
            first = next((line for line in err.splitlines() if line.strip()), "")
            self._said(f"{name} failed (exit {process.returncode}): {first.strip()[:80]}", burst)
        else:
            self._said("", burst)
        self._judged = True
        return True

    def _said(self, problem: str, burst: bool) -> None:
        """Keep a player's verdict ("" when it played). A burst that played means the speaker
        path recovered; while a tone is due a burst's failure stands until then, whatever the
        probe says: the probe plays its own file, and its success had ended "Audio unavailable"
        between high bursts that could not open high.wav (a review: the alarm flapped, no high
        tone ever sounded). With none due no burst comes: a probe that plays, the tone files
        whole, ends it (a burst failed once as the sound server restarted, then the alarm was
        acknowledged: "Audio unavailable" stood over a working speaker, a review)."""
        if burst:
            self._burst_problem = problem
        elif not problem and not self._due and not self._tones_problem:
            self._burst_problem = ""
        if not (burst and problem):
            self._problem = problem


if sys.platform == "win32":   # pragma: no cover - not exercised on the Linux test machine
    import winsound

    def _winsound_play(path: Path) -> str:
        """Play `path` asynchronously; return "" or the reason it failed."""
        try:
            winsound.PlaySound(str(path), winsound.SND_FILENAME | winsound.SND_ASYNC
                               | winsound.SND_NODEFAULT)
        except RuntimeError as exc:
            return f"Windows sound: {exc}"
        return ""

    def _winsound_stop() -> None:
        winsound.PlaySound(None, winsound.SND_PURGE)
else:
    def _winsound_play(path: Path) -> str:
        return "no sound player found"

    def _winsound_stop() -> None:
        pass


def _find_player() -> list[str] | None:
    for argv in PLAYERS:
        if shutil.which(argv[0]):
            return list(argv)
    return None


def default_audio_out(parent: QtCore.QObject | None = None) -> AudioOut:
    """QtAudioOut when PySide6-Addons is installed and has a working output, else the OS player."""
    qt = QtAudioOut(parent)
    ok, _ = qt.available()
    return qt if ok else PlayerAudioOut()


class AlarmSounder(QtCore.QObject):
    """Plays the burst of the highest-priority sounding alarm and repeats it at its interval.

    It holds no alarm rules: the engine's `AudioSignal` says which priority sounds (already
    silenced for pauses and acknowledgements, and broken through by a higher new alarm).

    Signals:
        pattern_changed: the burst now sounding changed; carries its file name, or "" for silence.
        availability_changed: the speaker path became available (True) or not (False), with why;
            also when it stays unavailable for another reason.
    """

    pattern_changed = QtCore.Signal(str)
    availability_changed = QtCore.Signal(bool, str)

    def __init__(self, out: AudioOut, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.out = out
        self.timer = QtCore.QTimer(self)
        # Precise: Qt's default coarse timer may fire 5 % early, and the high burst (3.4 s every
        # 6 s) came back after 2.3 s of silence, under IEC 60601-1-8's 2.5 s (a review).
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._on_repeat_timeout)
        self.check_timer = QtCore.QTimer(self)   # the speaker read while bound (`bind`)
        self.check_timer.timeout.connect(self._on_check_timeout)
        self._pattern: TonePattern | None = None   # the burst the speaker has started
        self._failed: TonePattern | None = None    # a burst the speaker could not start
        self._retry_at = 0.0                        # monotonic: when to try `_failed` again
        self._reported: tuple[bool, str] | None = None   # last (ok, why) told to the engine
        self._controller: SessionController | None = None
        self._quiet = False   # quiet-room tones (console/ui/tones.py): only while allowed
        self._heard: frozenset[Hashable] = frozenset()   # the alarms of the last signal

    @property
    def quiet(self) -> bool:
        return self._quiet

    def set_quiet(self, quiet: bool) -> None:
        """Play the quiet-room version of the bursts (True) or the full ones. The network link
        allows quiet only while a central station confirms every alarm; a change takes effect
        at once (the burst now sounding restarts at the new loudness)."""
        if quiet != self._quiet:
            self._quiet = quiet
            self._on_session_changed()

    @property
    def pattern(self) -> TonePattern | None:
        """The burst sounding now (repeating or just played once), or None."""
        return self._pattern

    def update(self, signal: AudioSignal, now: float | None = None,
               local_only: bool = False) -> None:
        """Follow the engine's audio signal: start, switch or stop the burst.

        A burst counts as sounding only once the speaker started it; until then every call (the
        controller's 2 Hz tick among them) tries again, at most once every RETRY_SECONDS. So
        does a burst played once (low) that failed after it started.
        `local_only`: the signal sounds an alarm only this station knows (`SessionController.
        local_only`), played at full volume whatever `quiet` says.
        """
        # Soft tones only for alarms a central station confirms (README "Quiet room", after
        # IEC 60601-1-8 6.11: the bedside leans on the central only for what reaches it). A
        # fault the engine could not take reaches no central: it was played soft all the same.
        quiet = self._quiet and not local_only
        pattern = (pattern_for(signal.priority, quiet) if signal.priority is not None
                   else None)
        joined = signal.alarms - self._heard
        self._heard = signal.alarms
        moment = time.monotonic() if now is None else now
        if (pattern is not None and pattern == self._pattern and pattern.repeat_s is None
                and self.out.burst_failed()):
            # No repeat plays a low burst again: one that failed after it started (the sound
            # server restarting) was never heard, and "NO SOUND" stood over a working speaker
            # for as long as the low alarm did (a review). Tried again as one that could not
            # start; the one that plays ends the failure (PlayerAudioOut._said).
            self._failed, self._retry_at = pattern, moment + RETRY_SECONDS
            self._pattern = None
        if pattern is None and self._failed is not None:
            # The alarm whose burst could not start is over, acknowledged or paused: no tone is
            # due, and the speaker is told (its re-probe may then end the failure: PlayerAudioOut).
            self._failed = None
            self.out.stop()
        if pattern == self._pattern and not (joined and pattern is not None
                                             and pattern.repeat_s is None):
            # The same burst keeps its own rhythm (restarting it would garble it); a burst
            # played once (low) plays again for an alarm that joins it.
            return
        self.timer.stop()
        if pattern is None:
            self._pattern = None
            self.out.stop()
            self.pattern_changed.emit("")
            return
        if pattern == self._failed and moment < self._retry_at:
            return
        if not self.out.play(pattern):
            # Nothing sounds now: the burst that sounded before stopped with its timer. Forget
            # it, so a return to it starts it again (a medium alarm went silent for good after a
            # high one failed to start and was acknowledged).
            self._failed, self._retry_at = pattern, moment + RETRY_SECONDS
            self._pattern = None
            return
        self._failed = None
        self._pattern = pattern
        if pattern.repeat_s is not None:
            self.timer.start(int(pattern.repeat_s * 1000))
        self.pattern_changed.emit(pattern.file_name)

    def check_available(self) -> tuple[bool, str] | None:
        """Read the speaker's availability; return it when it or its reason changed since the
        last check (the sound server back but the output muted: the row had kept "Connection
        refused", and IT restarted the server while the cure was to unmute).

        Nothing is said before the speaker's first answer is in (its probe at start): a
        restart's first "available" while the probe still ran ended the restored "Audio
        unavailable", and 64 ms later the probe's failure raised it again as a new alarm (a
        walk on X)."""
        if self._reported is None and self.out.verdict_pending():
            return None
        ok, detail = self.out.available()
        if (ok, detail) == self._reported:
            return None
        self._reported = ok, detail
        self.availability_changed.emit(ok, detail)
        return ok, detail

    def bind(self, controller: SessionController) -> None:
        """Follow `controller`'s engine: sound its alarms, report audio availability to it
        (also when nothing else changes: a speaker back after an outage ends its alarm)."""
        self._controller = controller
        controller.changed.connect(self._on_session_changed)
        self.check_timer.start(int(AVAILABILITY_CHECK_SECONDS * 1000))
        self._on_session_changed()

    def unbind(self) -> None:
        """Stop following the session (its window went): no more checks, no more tones."""
        if self._controller is not None:
            self._controller.changed.disconnect(self._on_session_changed)
        self._controller = None
        self.check_timer.stop()
        self.update(AudioSignal(None, None))

    @QtCore.Slot()
    def _on_check_timeout(self) -> None:
        self._report_availability()

    def _report_availability(self) -> None:
        """Tell the engine when the speaker's availability, or why it is not, changed."""
        controller = self._controller
        change = self.check_available() if controller is not None else None
        if controller is not None and change is not None:
            # Committed, so the controller tells every view (this one too, re-entrantly).
            controller.audio_status(change[0], change[1])

    @QtCore.Slot()
    def _on_session_changed(self) -> None:
        controller = self._controller
        if controller is None:
            return
        now = controller.clock.now()
        # The engine's signal, with a console fault the engine could not take (high until
        # acknowledged or paused: `SessionController.audio`), at full volume.
        signal = controller.audio(now)
        self.update(signal, now.mono, controller.local_only(signal))
        self._report_availability()

    @QtCore.Slot()
    def _on_repeat_timeout(self) -> None:
        if self._pattern is not None and not self.out.play(self._pattern):
            # The speaker failed mid-alarm: forget the burst so the next refresh starts it again,
            # and let the availability check raise the technical alarm.
            self._failed, self._retry_at = self._pattern, time.monotonic() + RETRY_SECONDS
            self._pattern = None
            self.timer.stop()
            if self._controller is not None:
                self._on_session_changed()
