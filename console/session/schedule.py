"""The vitals schedule: which checks are due, which are overdue, and the prompts they raise.

A check (from the protocol, or a one-off such as "repeat NIBP to confirm") is due at a time; it is
satisfied when every metric it lists has a reading measured at or after `due - early`, one of its
alternatives for an entry that lists some (the heart rate or the oximeter's pulse rate); a cuff
delivered late counts at its measured time, any other value at its arrival (`on_reading`). When due
it raises an INFO prompt (`vitals_due:<name>`); overdue by more than `escalate_after` it becomes
MEDIUM (clinical-defaults.md, alarm behaviour 8). Recurring checks then move to their next slot,
on the phase's grid when met on time, one interval after the vital taken first when met late (a
cuff cycling out of step with the grid), by that same rule: a later slot is met only by vitals
measured inside its own window. A new phase's recurring check comes one interval in, or sooner
where a check of the phase just ended was to ask for some of its vitals before that
(`_sooner_slot`); that sooner slot asks only for the vitals not taken recently. A check at fixed
times after T0 ("BP at T+40") is the protocol's, not its phase's: due from the first dose whatever
phase the nurse is in, once; one already asked when a phase starts stays at its time until its
vitals come (`_add_timed`). Where the dose is nasal devices, the first dose is device 1's tick:
until then those checks wait (no prompt, no reading counts for them), and the tick times them all
from it (`first_dose_given`). A value entered in error counts for no check, as a restart's replay
skips it, whatever phase it came in: the phase starts since are passed again without it
(`take_back_value`).
No Qt, no clock reads: every method takes `now`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace

from console.clock import Moment
from console.session.alarms import Raise
from console.session.conditions import cuff_cycle_jitter_s
from devices.reading import AGE_UNKNOWN
from protocols.vitals import metric
from protocols.model import Phase, PhaseKind, Priority, VitalsCheck

PROMPT_PREFIX = "vitals_due:"


@dataclass(slots=True)
class _Check:
    name: str
    # What it asks for: each entry one value, given as its alternatives (`VitalsCheck.metrics`).
    wants: tuple[tuple[str, ...], ...]
    due: Moment
    early_s: float
    escalate_after_s: float
    every_s: float | None            # None for one-off checks
    # Each metric measured inside the window, with when it last was (mono, as `on_reading` was
    # given it): a later slot counts only those measured inside its own window
    # (`Schedule._satisfied`).
    seen: dict[str, float] = field(default_factory=dict)
    grid: Moment | None = None       # the phase's first slot, once an owed check is met
    # A sooner slot's vitals taken recently (`Schedule._sooner_check`): per metric, the earliest
    # time measured (mono) that counts for this slot, before its own window opens.
    recent_from: dict[str, float] = field(default_factory=dict)
    timed: bool = False   # a check at a fixed time after T0 (`Schedule._add_timed`)
    # A one-off repeat only: the readings that asked it (mono time, value), the first and any
    # later one while it was still owed (`add_one_off`): it is owed while one of them stands
    # (`SessionEngine._withdraw_unasked_repeat`).
    asked_by: tuple[tuple[float, float], ...] = ()
    # The monotonic time its `due` (and `grid`) count from: a phase start, T0 or a reading, or
    # that of a slot so timed (None: not known). One a restart rebuilt from the log is on a
    # clock a later step may correct, and moves with what came when it did
    # (`Schedule.restart_corrected`): a check met between two restarts stays where it is when
    # the step corrects the first one's clock.
    # (not what the check asks: two checks alike but for it are the same to the nurse)
    counts_from: float | None = field(default=None, compare=False)
    grid_counts_from: float | None = field(default=None, compare=False)
    # Every vital it names, alternatives too, flattened once: asked of every check at every
    # reading (P2).
    metrics: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.metrics = tuple(name for names in self.wants for name in names)

    @property
    def condition(self) -> str:
        return PROMPT_PREFIX + self.name

    def lacks(self) -> tuple[tuple[str, ...], ...]:
        """The entries none of whose vitals was measured inside the window yet."""
        return tuple(names for names in self.wants if not any(n in self.seen for n in names))

    def met(self) -> bool:
        return all(any(n in self.seen for n in names) for names in self.wants)

    def takes(self, metric_name: str, measured: float) -> bool:
        """A reading of `metric_name` measured at mono `measured` counts for the current slot."""
        opens = self.due.mono - self.early_s
        return measured >= min(opens, self.recent_from.get(metric_name, opens))


@dataclass(frozen=True, slots=True)
class Counted:
    """A check as it was before a reading counted for it (`Schedule.on_reading`)."""

    check: _Check
    reading: tuple[str, float] | None = None   # (metric, counted mono): what `take_back` voids


@dataclass(frozen=True, slots=True)
class Recounted:
    """What a value counted for among the checks a take-back changed (`take_back_value`): in
    place of what `on_reading` had returned for them."""

    checks: frozenset[str]          # the checks changed, by name
    counted: tuple[Counted, ...]    # those of them it counts for now, as they were before it


@dataclass(frozen=True, slots=True)
class DueInfo:
    """A check as the nurse sees it: `due_in_s` negative once it is overdue. `metrics` names
    every vital that counts for it, `missing` those that would meet what it still lacks, an
    entry's alternatives too (the heart rate and the pulse rate: either one)."""

    name: str
    metrics: tuple[str, ...]
    due_at: Moment
    due_in_s: float
    missing: tuple[str, ...]
    # Late past its grace (`escalate_after`): the prompt is a medium alarm. Before that a check
    # past its time is due, not overdue (clinical-defaults.md alarm behaviour 8).
    overdue: bool = False


@dataclass(frozen=True, slots=True)
class _Milestone:
    """A phase start or the first dose (`Schedule.start_phase`, `first_dose_given`) at mono `at`,
    with the schedule as it was just before it (`before`: never changed, with no milestones of
    its own): a value entered in error that had counted before it is taken back from there
    (`Schedule.take_back_value`)."""

    at: float
    before: Schedule
    # The milestone, passed on the schedule given with its times (`moments`: kept apart, for a
    # step correcting a restart's clock to move them, `Schedule.restart_corrected`).
    apply: Callable[[Schedule, tuple[Moment | None, ...]], None]
    moments: tuple[Moment | None, ...]

    def pass_on(self, schedule: Schedule) -> None:
        self.apply(schedule, self.moments)

    def follows(self, metric_name: str, came: float, counted_from: float) -> bool:
        """A reading of `metric_name` that came at mono `came`, counted from `counted_from`,
        came before this milestone; one of the same moment if the schedule had it already
        (a phase started as the T+40 values were typed, on a clock that did not move)."""
        return came < self.at or (came == self.at
                                  and counted_from in self.before._received.get(metric_name, ()))


# The recent values per vital that "entered in error" can take back (the engine keeps them with
# their row ids).
KEEP_ROWS = 20
# Times kept per vital (as `on_reading` counted them): every value a take-back can name and the
# one before it, so a check it had counted for is put back with the value that stands before it.
# Four kept, a monitor's RR every 30 s had forgotten it: the check took the newest RR in its place
# and "Vitals and sedation" came 30 s later live than after a restart (a review).
_RECEIVED_KEPT = KEEP_ROWS + 1


def _listed(names: Sequence[str]) -> str:
    """An entry of a check as its prompt lists it: "Systolic BP", "Heart rate or pulse rate".
    "Sedation (MOAA/S)" inside the list's own brackets read "(…, Sedation (MOAA/S))" (a nurse
    walk on X): "Sedation: MOAA/S" there."""
    labels = [metric(m).label.replace(" (", ": ").removesuffix(")") for m in names]
    # An alternative's label goes on in lower case where it is a word ("pulse rate"), not a
    # name ("SpO2").
    return " or ".join([labels[0], *(x[:1].lower() + x[1:] if x[1:2].islower() else x
                                     for x in labels[1:])])


def _sooner_slot(phase_start: Moment, every_s: float, metrics: Sequence[str],
                 ending: Sequence[_Check]) -> tuple[Moment, frozenset[str]] | None:
    """A slot before a new phase's own first one (one interval in) for a recurring check, where a
    check of the phase just ended (not yet due) shares some of its vitals: one of this check's
    intervals after that check's last slot, not before the phase starts; with the vitals those
    checks were to ask for. None if none is sooner. The infusion's RR and sedation check met at
    T+30, its T+45 slot dropped at the end (T+40) and the observation's first check one interval
    on (T+55): 25 minutes without RR or sedation where ASA asks for them every 10-15."""
    first = phase_start.mono + every_s
    sooner: Moment | None = None
    owed: set[str] = set()
    for old in ending:
        shared = set(old.metrics) & set(metrics)
        if old.every_s is None or not shared:
            continue
        slot = old.due.plus(every_s - old.every_s)   # its last slot, plus one interval
        if slot.mono < first:
            owed |= shared
            sooner = slot if sooner is None or slot.mono < sooner.mono else sooner
    if sooner is None:
        return None
    return (sooner if sooner.mono > phase_start.mono else phase_start), frozenset(owed)


def counts_for_checks(flags: Collection[str]) -> bool:
    """A reading of these flags can meet a check: not one measured at a time not known (an
    Ivy's NIBP found on its screen when the console connects, `AGE_UNKNOWN`: its tile says
    "measured at an unknown time"). It had met "BP at T+40" after a restart at T+39, with no
    BP taken after the dose (a review); it stays on the tile and in the alarm rules."""
    return AGE_UNKNOWN not in flags


def timed_names(check: VitalsCheck) -> tuple[str, ...]:
    """The names of a check's times after T0 as the nurse sees them ("Pre-discharge BP at
    T+115"). A check named for its time already ("BP at T+40") is not named twice: the header
    read "Next vitals: BP at T+40 at T+40 34:33 min" (a walk on X)."""
    names = []
    for minutes in check.at_minutes_after_t0:
        when = f" at T+{minutes:g}"
        names.append(check.name if check.name.endswith(when) else f"{check.name}{when}")
    return tuple(names)


def _at(moment: Moment | None) -> Moment:
    """A milestone's time that is always given (`Schedule._pass`)."""
    assert moment is not None
    return moment


def timed_checks(phases: Sequence[Phase]) -> tuple[VitalsCheck, ...]:
    """The checks of `phases` at fixed times after T0, in protocol order."""
    return tuple(c for p in phases for c in p.checks if c.at_minutes_after_t0)


class Schedule:
    def __init__(self, phases: Sequence[Phase] = (), dosed_by_device: bool = False) -> None:
        """`phases`: the protocol's; their checks at fixed times after T0 are due from the first
        dose whatever the phase (`start_phase`). `dosed_by_device`: the dose is nasal devices,
        the first dose device 1's tick (`first_dose_given`), which those checks wait for."""
        self._timed = timed_checks(phases)
        self._by_device = dosed_by_device
        # T0 while the first device is awaited: the timed checks wait (`_waits`).
        self._dose_awaited: Moment | None = None
        self._checks: dict[str, _Check] = {}
        self._reported: set[str] = set()   # prompt conditions last reported as held
        self._done: set[str] = set()       # one-off checks satisfied ("BP at T+40")
        # Per vital, the times its last few readings counted from (mono, as `on_reading` was
        # given them, in the order they came; values entered in error taken out): what a
        # sooner slot counts as taken recently (`_sooner_check`).
        self._received: dict[str, tuple[float, ...]] = {}
        # Every phase start and first dose so far, in order, each with the schedule before it
        # (`take_back_value`).
        self._milestones: tuple[_Milestone, ...] = ()
        # A restart's monotonic time, while its clock is not yet corrected: what counts from
        # before it (or from it: the log's newest time, a clock behind) was rebuilt from the log
        # (`restarted`).
        self._restart_at: float | None = None

    def clone(self) -> Schedule:
        """An independent copy (the engine's per-step snapshot)."""
        twin = self._bare()
        twin._milestones = self._milestones   # immutable: shared
        return twin

    def _bare(self) -> Schedule:
        """An independent copy without the milestones (a milestone's `before`)."""
        twin = Schedule()
        twin._timed = self._timed
        twin._by_device, twin._dose_awaited = self._by_device, self._dose_awaited
        twin._checks = {k: replace(c, seen=dict(c.seen), recent_from=dict(c.recent_from))
                        for k, c in self._checks.items()}
        twin._reported = set(self._reported)
        twin._done = set(self._done)
        twin._received = dict(self._received)
        twin._restart_at = self._restart_at
        return twin

    def restarted(self, at: float) -> None:
        """The schedule was rebuilt from the log by a restart at mono `at`, on a clock that may be
        wrong: every time so far counts from the log (`restart_corrected`)."""
        self._restart_at = at

    def restart_corrected(self, shift: float, at: float | None = None) -> None:
        """A step put right the clock of the restart (`restarted`), or of an earlier one it
        reached back to (what came up to mono `at`, before that restart): what it rebuilt from
        the log, and the slots timed from it, move by `shift` seconds, as a replay of the log
        places them (`SessionEngine._restart_corrected`, which moves T0 and the phase start by
        as much): left, the checks an hour more overdue than the replay says after a restart an
        hour ahead, 30 s late after one behind. Once only: a later step moves nothing."""
        if self._restart_at is None:
            return
        at = self._restart_at if at is None else min(at, self._restart_at)

        def moved(mono: float) -> float:
            return mono + shift if mono <= at else mono

        def counted_before(mono: float | None) -> bool:
            return mono is not None and mono <= at

        for check in self._checks.values():
            if counted_before(check.counts_from):
                check.due = Moment(check.due.mono + shift, check.due.wall)
            if check.grid is not None and counted_before(check.grid_counts_from):
                check.grid = Moment(check.grid.mono + shift, check.grid.wall)
            check.counts_from = check.grid_counts_from = None
            check.seen = {m: moved(t) for m, t in check.seen.items()}
            check.recent_from = {m: moved(t) for m, t in check.recent_from.items()}
            check.asked_by = tuple((moved(t), value) for t, value in check.asked_by)
        self._received = {m: tuple(moved(t) for t in times)
                          for m, times in self._received.items()}
        if self._dose_awaited is not None and self._dose_awaited.mono <= at:
            self._dose_awaited = Moment(self._dose_awaited.mono + shift, self._dose_awaited.wall)
        milestones = []
        for milestone in self._milestones:   # shared with clones: replaced, never changed
            before = milestone.before._bare()
            before.restart_corrected(shift, at)
            milestones.append(replace(milestone, at=moved(milestone.at), before=before, moments=tuple(
                None if m is None else Moment(moved(m.mono), m.wall)
                for m in milestone.moments)))
        self._milestones = tuple(milestones)
        self._restart_at = None

    def done(self, name: str) -> bool:
        """True once the one-off check `name` has had a reading of each of its metrics."""
        return name in self._done

    def start_phase(self, phase: Phase, phase_start: Moment, t0: Moment | None) -> None:
        """Replace the recurring checks with those of `phase`; one-off checks stay.

        The discharge phase adds its own and keeps the ones running: the patient is observed
        at the observation's cadence until they leave. Moved to Discharge early (a reason
        given), a session ran 75 minutes without a prompt (an esketamine walk). One of its own
        named as a running check takes it over at that check's time where that comes sooner
        (`_add_recurring`).

        `t0`: when the first dose was given (None before T0). From then on every check of the
        protocol at fixed times after T0 is due, whatever this phase: esketamine's "BP at T+40"
        lived in Observation only, and a nurse still on the nasal devices' screen at T+50 was
        asked nothing (review 42). Nasal devices' dosing phase at T0: they wait for device 1
        (`first_dose_given`); a later phase asks them from T0, device 1 given or not."""
        self._pass(lambda s, m: s.start_phase(phase, _at(m[0]), m[1]), phase_start, t0)
        ending: list[_Check] = []
        if phase.kind is not PhaseKind.DISCHARGE:
            ending = [c for c in self._checks.values()
                      if c.every_s is not None and c.due.mono > phase_start.mono]
            # A check already due when its phase ends is still owed: it stays, at its own time,
            # until its vitals come (a prompt, medium once overdue, ends when what it asks for
            # is measured, not at a phase change: an infusion stopped at T+16 for nausea ended
            # the overdue T+10 BP alarm with nothing measured, the next prompt at T+32).
            self._checks = {k: c if c.every_s is None else replace(c, every_s=None)
                            for k, c in self._checks.items()
                            if c.every_s is None or c.due.mono <= phase_start.mono}
        anchor = t0 or phase_start
        self._dose_awaited = (t0 if self._by_device and phase.kind is PhaseKind.DOSING
                              and t0 is not None and t0.mono == phase_start.mono else None)
        for check in phase.checks:
            if check.every_minutes:
                self._add_recurring(check, phase_start, ending)
            self._add_timed(check, anchor, phase_start)
        for check in self._timed if t0 is not None else ():
            self._add_timed(check, anchor, phase_start)

    def first_dose_given(self, first_dose: Moment, now: Moment) -> None:
        """The first dose was given at `first_dose` (`now`), at T0 or after: esketamine's device 1,
        ticked on the devices' screen. Every check timed after T0 not yet met counts from it,
        one past its time too: the label's BP is 40 minutes after the dose. Moved only at the
        next phase start, "BP at T+40" with device 1 ten minutes into the phase was met 30
        minutes after the dose (review 45); kept when already due, device 1 given 45 minutes
        after T0 had it asked before the dose and met by a BP 5 minutes after it, and no BP
        was asked 40 minutes after the dose (review 46)."""
        self._pass(lambda s, m: s.first_dose_given(_at(m[1]), _at(m[0])), now, first_dose)
        self._dose_awaited = None
        for check in self._timed:
            self._add_timed(check, first_dose, now, keep_asked=False)

    def _pass(self, apply: Callable[[Schedule, tuple[Moment | None, ...]], None], at: Moment,
              *moments: Moment | None) -> None:
        """Note the milestone `apply` at `at` (given `at` and `moments`), with the schedule as it
        is before it."""
        self._milestones = (*self._milestones,
                            _Milestone(at.mono, self._bare(), apply, (at, *moments)))

    def _waits(self, check: _Check) -> bool:
        """`check` is timed from a dose not yet given (the first device awaited): not asked,
        and no reading counts for it."""
        return check.timed and self._dose_awaited is not None

    def _add_timed(self, check: VitalsCheck, anchor: Moment, phase_start: Moment,
                   keep_asked: bool = True) -> None:
        """`check`'s times after T0, from `anchor` (the first dose), each asked once: one met is
        not asked again, one pending stays with the vitals it has. A phase start moves one not
        yet due to the anchor (esketamine's first device ticked after the devices' phase began:
        40 min after the device, not the phase start); one already due there is asked and
        stays at its own time until its vitals come. Moved, a BP at T+40 overdue 6 min on the
        devices' screen left the board with no BP taken, "due in 4 min" (review 42). Not
        `keep_asked`: one already due moves too (the first dose given, `first_dose_given`)."""
        early, escalate = check.early_minutes * 60, check.escalate_after_minutes * 60
        for minutes, name in zip(check.at_minutes_after_t0, timed_names(check), strict=True):
            pending = self._checks.get(name)
            if name in self._done or (pending is not None and not pending.timed):
                continue
            if pending is None:
                self._checks[name] = _Check(name, check.metrics, anchor.plus(minutes * 60), early,
                                            escalate, None, timed=True,
                                            counts_from=anchor.mono)
            elif not keep_asked or pending.due.mono > phase_start.mono:   # on to the dose's time
                pending.due = anchor.plus(minutes * 60)
                pending.counts_from = anchor.mono
                pending.seen = {m: at for m, at in pending.seen.items() if pending.takes(m, at)}

    def _add_recurring(self, check: VitalsCheck, phase_start: Moment,
                       ending: Sequence[_Check] = ()) -> None:
        early, escalate = check.early_minutes * 60, check.escalate_after_minutes * 60
        every = (check.every_minutes or 0.0) * 60
        # The same check, still owed (`start_phase`): a check already due stays at its time
        # until its vitals come, the new cadence after it. Discharge keeps the running checks
        # as they are, so its own of the same name met one overdue there: the observation's
        # "BP and HR" overdue (medium) ended at the move with nothing measured, the next 30 min
        # on (review 46). One running, not yet due, keeps its time where that comes before
        # the new first slot: moved to Discharge at T+68, the observation's BP due at T+70 was
        # asked at T+98, 43 min after the last (a review).
        first = phase_start.plus(every)
        owed = self._checks.get(check.name)
        if owed is not None and owed.due.mono > phase_start.mono and (
                owed.every_s is None or owed.due.mono >= first.mono):
            owed = None
        sooner = _sooner_slot(phase_start, every, check.named, ending)
        if owed is not None:
            # Only what the new check asks for, and met by it, on to its cadence: a Discharge
            # "BP and HR" naming the BP alone took over the observation's owed one with its BP
            # and stood asking for nothing ("BP and HR ()", medium), the heart rate it had asked
            # for no longer ending it (a review).
            taken = _Check(check.name, check.metrics, owed.due, early, escalate, every,
                           grid=first, counts_from=owed.counts_from,
                           grid_counts_from=phase_start.mono)
            taken.seen = {m: at for m, at in owed.seen.items() if m in taken.metrics}
            if taken.met():
                self._advance(taken)
            self._checks[check.name] = taken
        elif sooner is not None:
            # (timed as the ended checks' slots, or as the phase start where it takes their place)
            counts_from = (phase_start.mono if sooner[0] is phase_start else min(
                (c.counts_from for c in ending if c.counts_from is not None), default=None))
            self._checks[check.name] = self._sooner_check(
                _Check(check.name, check.metrics, sooner[0], early, escalate, every,
                       counts_from=counts_from),
                phase_start, sooner[1])
        else:
            self._checks[check.name] = _Check(check.name, check.metrics, first, early,
                                              escalate, every,
                                              counts_from=phase_start.mono)

    def _sooner_check(self, check: _Check, phase_start: Moment, owed: frozenset[str]) -> _Check:
        """`check` at its sooner slot S, then on from the vitals met there (`_advance`). S asks
        only for the vitals not taken recently: one measured within the check's interval before S
        (outside S's window) counts, so at T+45 the BP, HR and SpO2 of T+40 stand and the nurse
        is asked for RR and sedation only. A vital the ended check was to ask for (`owed`)
        counts only if taken since the phase started (less the early window): RR at T+33, met
        for the T+30 slot, is asked at T+45, not first at T+55."""
        every = check.every_s or 0.0
        recent = check.due.mono - every + check.early_s
        check.recent_from = {m: max(recent, phase_start.mono - check.early_s) if m in owed
                             else recent for m in check.metrics}
        for name in check.metrics:
            received = self._received.get(name)
            if received and check.takes(name, max(received)):
                check.seen[name] = max(received)
        if check.met():
            self._advance(check)   # all taken recently: on one interval after the first
        return check

    def add_one_off(self, name: str, metrics: tuple[str, ...], due: Moment, repeat_s: float,
                    escalate_after_s: float = 300,
                    asked_by: tuple[float, float] | None = None) -> None:
        """A repeat to confirm a value (`ConditionTracker.on_value`), asked `repeat_s` after it:
        met by a reading from the cuff's jitter before `due` on, as the repeat escalates
        (`cuff_cycle_jitter_s`). `asked_by`: that reading (mono time, value), also noted on a
        check already asked (`_Check.asked_by`)."""
        asked = () if asked_by is None else (asked_by,)
        check = self._checks.get(name)
        if check is None:
            self._checks[name] = _Check(name, tuple((m,) for m in metrics), due,
                                        cuff_cycle_jitter_s(repeat_s), escalate_after_s, None,
                                        asked_by=asked,
                                        counts_from=due.mono - repeat_s)
        elif check.every_s is None:
            check.asked_by = (*check.asked_by, *asked)

    def asked_by_standing(self, name: str, standing: tuple[tuple[float, float], ...]) -> None:
        """The one-off check `name` is owed to the readings `standing` alone, of those that asked
        it (`_Check.asked_by`, the others taken back or corrected): timed from the first of them,
        as a restart's replay, which never counts the others, asks it."""
        check = self._checks.get(name)
        if check is None or check.every_s is not None or not check.asked_by:
            return
        first, now_first = check.asked_by[0][0], standing[0][0]
        check.asked_by = standing
        if now_first > first:
            check.due = check.due.plus(now_first - first)
            check.counts_from = now_first

    def one_off(self, name: str) -> Counted | None:
        """The one-off check `name` as it stands now (a copy), or None: what `put_back_one_off`
        puts back when a value entered in error is taken back."""
        check = self._checks.get(name)
        if check is None or check.every_s is not None:
            return None
        return Counted(replace(check, seen=dict(check.seen)))

    def put_back_one_off(self, name: str, before: Counted | None) -> None:
        """The one-off check `name` as it was (`one_off`, or the check a reading counted for),
        or none: `add_one_off` keeps a check already asked, so a repeat asked by a value taken
        back would otherwise stay timed from that value."""
        self.drop_one_off(name)
        if before is not None and name not in self._checks:
            self._checks[name] = replace(before.check, seen=dict(before.check.seen))
            self._done.discard(name)

    def count_for_one_off(self, name: str, metric_name: str, at: Moment) -> None:
        """A reading replayed for the one-off check `name` alone, as `on_reading` counted it
        (the other checks were given it already: `take_back`)."""
        check = self._checks.get(name)
        if check is not None and metric_name in check.metrics and check.takes(metric_name, at.mono):
            self._count(name, check, metric_name, at)

    def drop_one_off(self, name: str) -> None:
        """Withdraw a one-off check nobody needs any more (its prompt ends at the next `prompts`)."""
        check = self._checks.get(name)
        if check is not None and check.every_s is None:
            del self._checks[name]

    def on_reading(self, metric_name: str, at: Moment,
                   flags: Collection[str] = ()) -> tuple[Counted, ...]:
        """A reading measured at `at` counts for every check whose window it falls in. Returns
        those checks as they were before it (for `take_back`). `at`: when it was measured, as
        the trend places it, never after its arrival (`SessionEngine._counts_from`): a cuff
        of T+30 delivered at T+45 after a link outage is no BP of "BP at T+40" (window from
        T+38), nor of a recurring check's slot; counted at its arrival it had met the check,
        while the REMS draft, placing it at T+30, said no BP was taken for it (a review).
        `flags`: the reading's; one measured at a time not known counts for none
        (`counts_for_checks`)."""
        if not counts_for_checks(flags):
            return ()
        kept = self._received.get(metric_name, ())[-(_RECEIVED_KEPT - 1):]
        self._received[metric_name] = (*kept, at.mono)
        counted = []
        for name, check in list(self._checks.items()):
            if (metric_name in check.metrics and check.takes(metric_name, at.mono)
                    and not self._waits(check)):
                counted.append(Counted(replace(check, seen=dict(check.seen)),
                                       (metric_name, at.mono)))
                self._count(name, check, metric_name, at)
        return tuple(counted)

    def _count(self, name: str, check: _Check, metric_name: str, at: Moment) -> None:
        check.seen[metric_name] = max(at.mono, check.seen.get(metric_name, at.mono))
        if check.met():
            self._satisfied(name, check)

    def take_back(self, counted: tuple[Counted, ...],
                  since: Sequence[tuple[str, Moment]]) -> dict[int, Recounted]:
        """A reading entered in error counts for no check, as a restart's replay never counted
        it: each check it counted for (`counted`, as `on_reading` returned them) is put back as
        it was before it, then given the readings that came after it and stand (`since`:
        (metric, when it counts from, as `on_reading` is given it), in the order they came).
        The caller gives only a reading of the current phase (a phase change replaces the
        recurring checks).

        Returns, by index in `since`, what each counts for now among the checks put back
        (`Recounted`, as `take_back_value`'s): an RR 17 that met "RR and sedation" once the RR
        22 before it was taken back had counted for nothing when it came, and taken back in
        turn it left the check met (a review)."""
        names = frozenset(before.check.name for before in counted)
        again: dict[int, Recounted] = {index: Recounted(names, ()) for index in range(len(since))}
        for gone in {c.reading for c in counted if c.reading is not None}:
            self.forget_received(*gone)
        for before in counted:
            old = before.check
            # A repeat asked anew once `old` was met (by the value taken back), by a value that
            # came after it: the replay asks it too, after the values since meet `old` (below).
            asked_since = self._checks.get(old.name) if old.every_s is None else None
            if asked_since is not None and asked_since.due.mono <= old.due.mono:
                asked_since = None
            self._done.discard(old.name)
            # Only what stands: a value of the check taken back since `old` was kept (a BP's
            # systolic, then its diastolic) is no longer received (`forget_received`). Put back
            # with it, the check lacked the diastolic alone live, both after a restart (a review).
            # The newest value of its vital still received in the window before it counts in its
            # place (those after it are given again below): dropped, a typed HR under a
            # monitor's HR taken back was asked again live, and met it after a restart (a
            # review).
            seen = {m: at if at in self._received.get(m, ()) else self._standing(old, m, at)
                    for m, at in old.seen.items()}
            check = self._checks[old.name] = replace(old, seen={
                m: at for m, at in seen.items() if at is not None})
            for index, (metric_name, at) in enumerate(since):
                if self._checks.get(old.name) is not check:
                    break   # met again (a one-off is then done)
                if metric_name in check.metrics and check.takes(metric_name, at.mono):
                    again[index] = replace(again[index], counted=(
                        *again[index].counted,
                        Counted(replace(check, seen=dict(check.seen)), (metric_name, at.mono))))
                    self._count(old.name, check, metric_name, at)
            if asked_since is not None:
                self._asked_again(check, asked_since)
        return again

    def _asked_again(self, put_back: _Check, asked_since: _Check) -> None:
        """A one-off check put back by a take-back (`put_back`), where a later one of its name
        had been asked since (`asked_since`): met again by the values since, the later one
        stands as it was; still owed, it is asked by those values too (`add_one_off` keeps a
        check already asked). Overwritten, a 213's "Repeat Systolic BP" went when a 121 that had
        met the 188's repeat before it was entered in error, and stood after a restart
        (a review)."""
        name = put_back.name
        if self._checks.get(name) is put_back:
            put_back.asked_by = (*put_back.asked_by,
                                 *(a for a in asked_since.asked_by if a not in put_back.asked_by))
        elif name in self._done:
            self._done.discard(name)
            self._checks[name] = asked_since

    def take_back_value(self, gone: tuple[str, float], came: float, counted: tuple[Counted, ...],
                        since: Sequence[tuple[float, str, Moment]]) -> dict[int, Recounted]:
        """A value entered in error counts for no check, as a restart's replay never counted it,
        whatever phase it came in. `gone`: its vital and when it counted from, as `on_reading`
        was given it; `came`: when it came (mono); `counted`: the checks it counted for, as
        `on_reading` returned them; `since`: (when it came, vital, when it counts from) of each
        value that came after it and stands, in the order they came.

        In the phase it came in, `take_back`. A phase start (or the first dose) since then had
        carried over the checks as they were with the value: each is passed again from the
        schedule as it was before it, the value taken back there, and every check it makes
        otherwise than it did live takes the live one's place, given the values since. So a
        check the value met at a phase's end is owed at its own time, as the replay carries
        it, and asked again: the T+40 SpO2 of an IV infusion entered in error once Observation
        had begun, and an SpO2 of Observation's "Sedation and breathing" entered in error in
        Discharge, had left their checks met live, nothing asked, while a restart had them owed
        and, 5 min on, a medium "Vitals overdue" holding the discharge (a review).

        Returns, by index in `since`, what the values given to a check that changed counted for
        now (`Recounted`): what `on_reading` had returned for them is no longer what they would
        take back (a review: a later RR entered in error put back the check as it
        was before this rebuild, the BP of its window lost)."""
        metric_name, counted_from = gone
        self.forget_received(metric_name, counted_from)
        milestones = list(self._milestones)
        first = next((i for i, m in enumerate(milestones)
                      if m.follows(metric_name, came, counted_from)), None)
        if first is None:
            if not counted:
                return {}
            return self.take_back(counted, [(name, at) for _, name, at in since])
        # The schedule as it was before the first milestone since, without the value.
        rebuilt = milestones[first].before._bare()
        rebuilt.forget_received(metric_name, counted_from)
        recounted: dict[int, Recounted] = {}
        if counted:
            # What the values before the milestone count for now, for `_recount`: dropped, an
            # RR 17 that met the infusion's check once the RR 22 was taken back gave nothing back
            # when it was taken back in turn, and the check stood met live, owed after a restart.
            ahead = [(index, name, at) for index, (arrived, name, at) in enumerate(since)
                     if milestones[first].follows(name, arrived, at.mono)]
            counts = rebuilt.take_back(counted, [(name, at) for _, name, at in ahead])
            recounted.update((ahead[j][0], r) for j, r in counts.items())
        for i in range(first, len(milestones)):
            passed = milestones[i]
            milestones[i] = replace(passed, before=rebuilt._bare())
            as_live = passed.before._bare()
            passed.pass_on(as_live)
            passed.pass_on(rebuilt)
            changed = frozenset(name for name in as_live._names() | rebuilt._names()
                                if as_live._as_it_is(name) != rebuilt._as_it_is(name))
            after = milestones[i + 1] if i + 1 < len(milestones) else None
            # The live schedule at the next milestone (or now), each check changed given the
            # values that came between the two.
            target = self if after is None else after.before._bare()
            if after is not None:   # this schedule's was forgotten above
                target.forget_received(metric_name, counted_from)
            window = [(index, name, at) for index, (arrived, name, at) in enumerate(since)
                      if not passed.follows(name, arrived, at.mono)
                      and (after is None or after.follows(name, arrived, at.mono))]
            if changed:
                recounted.update((index, Recounted(changed, ())) for index, _, _ in window)
            for name in sorted(changed):
                for index, again in target._take_over(name, rebuilt, window):
                    recounted[index] = replace(recounted[index],
                                               counted=(*recounted[index].counted, again))
            rebuilt = target
        self._milestones = tuple(milestones)
        return recounted

    def _names(self) -> set[str]:
        return {*self._checks, *self._done}

    def _as_it_is(self, name: str) -> _Check | bool:
        """The check `name` as it stands, else whether it is done."""
        return self._checks.get(name) or name in self._done

    def _take_over(self, name: str, source: Schedule,
                   since: Sequence[tuple[int, str, Moment]]) -> list[tuple[int, Counted]]:
        """The check `name` as `source` has it (or done, or none) in place of this one, then
        given the readings `since` ((index, vital, when it counts from), in the order they came)
        as `on_reading` counts them. Returns what each reading counted for, by its index."""
        self._checks.pop(name, None)
        self._done.discard(name)
        taken = source._checks.get(name)
        if taken is None:
            if name in source._done:
                self._done.add(name)
            return []
        check = self._checks[name] = replace(taken, seen=dict(taken.seen),
                                             recent_from=dict(taken.recent_from))
        out = []
        for index, metric_name, at in since:
            if self._checks.get(name) is not check:
                break   # met (a one-off is then done)
            if (metric_name in check.metrics and check.takes(metric_name, at.mono)
                    and not self._waits(check)):
                out.append((index, Counted(replace(check, seen=dict(check.seen)),
                                           (metric_name, at.mono))))
                self._count(name, check, metric_name, at)
        return out

    def _standing(self, check: _Check, metric_name: str, before: float) -> float | None:
        """The newest time still received of `metric_name` before `before` (a value taken back)
        that counts for `check`'s slot, or None: the values after it are given to the check
        again in the order they came (`take_back`), as a restart's replay gives them."""
        return max((at for at in self._received.get(metric_name, ())
                    if at < before and check.takes(metric_name, at)), default=None)

    def forget_received(self, metric_name: str, at: float) -> None:
        """A value entered in error is not taken recently: the one before it (if still kept)
        stands, else none (its vital asked again at a sooner slot: the safe side)."""
        received = list(self._received.get(metric_name, ()))
        if at in received:
            received.remove(at)
        if received:
            self._received[metric_name] = tuple(received)
        else:
            self._received.pop(metric_name, None)
        for check in self._checks.values():   # a sooner slot that took it as recent asks again
            if check.seen.get(metric_name) == at:
                del check.seen[metric_name]

    def _satisfied(self, name: str, check: _Check) -> None:
        if check.every_s is None:
            del self._checks[name]
            self._done.add(name)
            return
        self._advance(check)

    @staticmethod
    def _advance(check: _Check) -> None:
        """A recurring check met: on to the next slot (met late, one interval after the vital
        taken first), and past it only when every vital it lists was measured inside its own
        window too. Past every slot whose window had opened by the last reading, a T+10 check
        with BP at T+9 and SpO2 at T+18.5 also met T+20: no BP asked until T+30."""
        every = check.every_s or 0.0
        while check.met():
            if check.recent_from:
                # A sooner slot met: the next when the vital taken first is due again (IV to
                # plan: BP at T+40, RR at T+45, next T+55, the phase's own slot). On the phase's
                # own slots, an infusion stopped at T+5 asked all six vitals at T+15 and again
                # at T+20 (a review of the change).
                earliest = min(check.seen.values())
                if earliest + every > check.due.mono:   # timed from that vital
                    check.counts_from = earliest
                check.due = check.due.plus(max(earliest + every, check.due.mono)
                                           - check.due.mono)
            elif check.grid is not None:   # an owed check met: on to the phase's own slots
                check.due, check.grid = check.grid, None
                check.counts_from, check.grid_counts_from = check.grid_counts_from, None
            else:
                # Met late, the next slot is one interval after the vital taken first, as a
                # sooner slot's; met on time, the grid stands. On the grid, a cuff cycling every
                # 10 min out of step with it (T+7, 17, 27) met each slot 7 min late, 3 min before
                # the next, whose window could not take the next cuff: a medium "Vitals overdue"
                # every cycle, no BP gap over 10 min (a review).
                earliest = min(check.seen.values())
                if earliest + every - check.due.mono > every:   # timed from that vital
                    check.counts_from = earliest
                check.due = check.due.plus(max(every, earliest + every - check.due.mono))
            check.recent_from = {}   # a sooner slot's recent vitals count for it alone
            opens = check.due.mono - check.early_s
            check.seen = {m: at for m, at in check.seen.items() if at >= opens}

    def adopt_reported(self, conditions: set[str]) -> None:
        """Prompts a restart restored on the board: the next `prompts` ends those no check holds."""
        self._reported |= {c for c in conditions if c.startswith(PROMPT_PREFIX)}

    def prompts(self, now: Moment) -> dict[str, Raise | None]:
        """Every prompt condition whose state may have changed: held Raise, or None to clear."""
        held: dict[str, Raise | None] = {}
        for check in self._checks.values():
            late = now.mono - check.due.mono
            if late < 0 or self._waits(check):
                continue
            missing = [_listed(names) for names in check.lacks()]
            if late >= check.escalate_after_s:
                raise_ = Raise(
                    Priority.MEDIUM,
                    f"Vitals overdue by {late // 60:.0f} min: {check.name} ({', '.join(missing)})",
                )
            else:
                raise_ = Raise(Priority.INFO, f"Vitals due: {check.name} ({', '.join(missing)})")
            held[check.condition] = raise_
        for gone in self._reported - held.keys():
            held[gone] = None
        self._reported = {k for k, v in held.items() if v is not None}
        return held

    def upcoming(self, now: Moment) -> list[DueInfo]:
        """All pending checks, soonest first. One waiting for the first device is shown as due
        as long after now as after T0: its time if the device were given now."""
        def info(c: _Check) -> DueInfo:
            if self._dose_awaited is not None and self._waits(c):
                wait = c.due.mono - self._dose_awaited.mono
                return DueInfo(c.name, c.metrics, now.plus(wait), wait, c.metrics)
            return DueInfo(c.name, c.metrics, c.due, c.due.mono - now.mono,
                           tuple(m for names in c.lacks() for m in names),
                           now.mono - c.due.mono >= c.escalate_after_s)

        return sorted((info(c) for c in self._checks.values()), key=lambda d: d.due_in_s)
