"""What the outbox holds: the IHE PCD messages of each commit (console/store/outbox.py's composer).

One PCD-01 (ORU^R01) per commit that holds observations of a session, one PCD-04 (ORU^R40) per
alarm transition, all built by console/network/pcd.py with the control id the log gives them. A
demo or test session's messages go as training (MSH-11 T), so they never reach an EHR as patient
data unmarked. Events (checklist ticks, notes...) have no PCD message and send nothing.

The patient is shown as the clinic chose (network.toml `patient_shown`): its identifier, or none
(the chair alone identifies the session; the EHR matches by chair and time).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from console.clock import Clock
from console.network.pcd import PatientShown, Station, pcd01, pcd04
from console.records import AlarmTransition, ObservationRecord, Record
from console.store.outbox import Outgoing

PCD01 = "pcd01"
PCD04 = "pcd04"


class PcdComposer:
    """Builds the messages of a commit; the log calls it inside the write transaction."""

    def __init__(self, station: Station, patient_for: Callable[[int], PatientShown],
                 destinations: frozenset[str], clock: Clock,
                 demo_sessions: Callable[[int], bool] = lambda _session: False) -> None:
        """
        Args:
            station: this console and its chair.
            patient_for: the patient as shown for a session id.
            destinations: where every message goes (bus, engine).
            clock: MSH-7 and the outbox row's time.
            demo_sessions: whether a session is a demo (its messages go as training, T).
        """
        self._station = station
        self._patient_for = patient_for
        self._destinations = destinations
        self._clock = clock
        self._demo = demo_sessions

    def compose(self, records: Sequence[Record],
                next_control_id: Callable[[], str]) -> list[Outgoing]:
        now = self._clock.now().wall
        out: list[Outgoing] = []
        observations: dict[int, list[ObservationRecord]] = {}
        alarms: list[AlarmTransition] = []
        for record in records:
            if isinstance(record, ObservationRecord):
                observations.setdefault(record.session_id, []).append(record)
            elif isinstance(record, AlarmTransition):
                alarms.append(record)
        for session_id, batch in observations.items():
            control_id = next_control_id()
            processing = "T" if self._demo(session_id) else None
            text = pcd01(batch, control_id=control_id, sent_at=now, station=self._station,
                         patient=self._patient_for(session_id), processing_id=processing)
            out.append(Outgoing(session_id, control_id, PCD01, text, self._destinations, now))
        for alarm in alarms:
            control_id = next_control_id()
            text = pcd04(alarm, control_id=control_id, sent_at=now, station=self._station,
                         patient=self._patient_for(alarm.session_id),
                         processing_id="T" if self._demo(alarm.session_id) else "P")
            out.append(Outgoing(alarm.session_id, control_id, PCD04, text, self._destinations,
                                now))
        return out
