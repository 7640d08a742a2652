"""Console faults the session engine could not take: how they are shown, silenced and sounded.

The "Console fault" alarm goes through the engine, but when the engine is what failed, or the
session has ended (a discharged record takes nothing more), the console must still show and
sound it. `FallbackFaults` holds those faults and applies the rules of the engine's own fault
alarm (IEC 60601-1-8: a technical alarm's audio can be paused and acknowledged; it stays shown
until it ends, here at a restart): high, ids -2, -3, ...; F2 silences one until the board's
reminder time; F3 pauses it (the engine's pause, or its own when the engine cannot pause); a new
fault breaks through a pause that holds no high alarm silent, and ends it as the engine's new high
alarm does (until the next F3: the patient's paused alarms sound again once the fault is
acknowledged); "paused" is never said over a tone. A quiet room sounds them at full volume:
no central station hears of them (`local_only`).
Nothing here is logged or reads a clock: the caller passes the time and the engine's values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from console.clock import Moment
from console.session.alarms import TECHNICAL, AlarmState, AudioSignal, Occurrence
from console.session.engine import CONSOLE_FAULT
from protocols.model import Priority


class FallbackFaults:
    """The faults shown without the engine, their acknowledgements and the audio pause of their
    own."""

    def __init__(self) -> None:
        self.texts: list[str] = []   # in order raised; the fault at index i has id -2 - i
        self._silenced: dict[int, float] = {}   # fault index: mono time of its F2
        self._pause_until: float | None = None   # mono; a pause the engine could not take
        self._pause_broken = False   # a fault broke through the engine's pause: it ended

    @property
    def ids(self) -> list[int]:
        return [-2 - index for index in range(len(self.texts))]

    def raise_fault(self, text: str, now: Moment, engine_signal: AudioSignal | None,
                    engine_alarms: Sequence[Occurrence], reminder_seconds: float | None) -> None:
        """Show and sound `text`. Like a new alarm of the engine it breaks through a running
        pause that holds no high alarm silent. `engine_signal` None: the engine could not say
        (it may be what is broken); the fault sounds unless a pause of its own runs."""
        breaks = engine_signal is not None and bool(
            self.audio(now, engine_signal, reminder_seconds).paused_seconds_left) and not any(
            o.priority is Priority.HIGH and o.state is not AlarmState.ACKNOWLEDGED
            for o in self.alarms(now, reminder_seconds, engine_alarms))
        self.texts.append(text)
        if breaks:
            self._pause_until, self._pause_broken = None, True

    def acknowledge(self, occurrence_ids: Iterable[int], now: Moment,
                    reminder_seconds: float | None) -> bool:
        """F2 on the faults among `occurrence_ids` (a sounding one goes silent); True if there
        was one."""
        wanted = set(occurrence_ids)
        found = False
        for index, occurrence_id in enumerate(self.ids):
            if occurrence_id in wanted:
                found = True
                if self._state(index, now.mono, reminder_seconds) is AlarmState.ACTIVE:
                    self._silenced[index] = now.mono
        return found

    def pause_requested(self) -> bool:
        """F3 was pressed: a new pause ends a break-through and the pause of its own. True if
        faults are shown (the caller pauses here too, with `pause`, when the engine cannot)."""
        self._pause_broken = False
        if not self.texts:
            return False
        self._pause_until = None
        return True

    def pause(self, now: Moment, pause_seconds: float) -> None:
        """The pause of its own, for an engine that cannot pause."""
        self._pause_until = now.mono + pause_seconds

    def _state(self, index: int, mono: float, reminder_seconds: float | None) -> AlarmState:
        silenced = self._silenced.get(index)
        if silenced is not None and (reminder_seconds is None or mono - silenced < reminder_seconds):
            return AlarmState.ACKNOWLEDGED
        return AlarmState.ACTIVE

    def alarms(self, now: Moment, reminder_seconds: float | None,
               engine_alarms: Sequence[Occurrence] = ()) -> list[Occurrence]:
        """The faults as the alarm area draws them, followed by `engine_alarms`."""
        out: list[Occurrence] = []
        for index, text in enumerate(self.texts):
            state = self._state(index, now.mono, reminder_seconds)
            out.append(Occurrence(
                id=-2 - index, condition=CONSOLE_FAULT, category=TECHNICAL, priority=Priority.HIGH,
                current=Priority.HIGH, state=state, raised_at=now, message=text, value=None,
                threshold="", seen=index in self._silenced,
                silenced_at=(self._silenced.get(index)
                             if state is AlarmState.ACKNOWLEDGED else None)))
        return [*out, *engine_alarms]

    def audio(self, now: Moment, engine_signal: AudioSignal, reminder_seconds: float | None,
              engine_alarms: Callable[[], Sequence[Occurrence]] | None = None) -> AudioSignal:
        """The engine's signal, with the faults sounding high unless acknowledged or paused.
        A pause a fault broke through has ended: the engine's alarms (`engine_alarms`) sound as
        without it (it had kept a medium alarm silent once the fault was acknowledged)."""
        signal = engine_signal
        if self._pause_broken and signal.paused_seconds_left:
            signal = _unpaused(engine_alarms() if engine_alarms is not None else ())
        if not self.texts:
            return signal
        own = self._pause_until - now.mono if self._pause_until is not None else 0.0
        engine_left = signal.paused_seconds_left
        sounding = frozenset(o.id for o in self.alarms(now, reminder_seconds)
                             if o.state is AlarmState.ACTIVE)
        if sounding and not (engine_left or own > 0):
            return AudioSignal(Priority.HIGH, None, signal.alarms | sounding)
        if signal.priority is not None:
            return AudioSignal(signal.priority, None, signal.alarms)
        return AudioSignal(None, signal.paused_seconds_left or (own if own > 0 else None),
                           signal.alarms)

    def local_only(self, signal: AudioSignal) -> bool:
        """Whether `signal` (this object's `audio`) sounds one of its faults. The central station
        never hears of them (not in the log: no PCD-04; the chair's status lists the engine's
        alarms), so none confirms them: a quiet room sounds them at full volume (README "Quiet
        room": soft tones only while a central confirms every alarm sounding)."""
        return not signal.alarms.isdisjoint(self.ids)


def _unpaused(engine_alarms: Sequence[Occurrence]) -> AudioSignal:
    """What the engine sounds without its pause (`AlarmBoard.audio`'s rule): the highest
    priority among its alarms not acknowledged, prompts aside."""
    held = [o for o in engine_alarms
            if o.state is not AlarmState.ACKNOWLEDGED and o.priority > Priority.INFO]
    if not held:
        return AudioSignal(None, None)
    top = max(o.priority for o in held)
    return AudioSignal(top, None, frozenset(o.id for o in held if o.priority == top))
