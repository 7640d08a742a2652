"""A clinic of 20 chairs for the central window's layout tests and screenshots: real engines at
every chair in the states a busy afternoon has (quiet sessions in several phases, a high and a
medium alarm, an acknowledged one, an acknowledgement on its way, a monitor unplugged, a quiet
room on soft tones, a chair without session, one whose console vanished, one gone quiet), all
delivered to one board."""

from __future__ import annotations

from tests.central.helpers import Central, Chair

ROOMS = {
    4: "Room 4 · window side",
    12: "Quiet room (dim)",
}
PATIENTS = ["K-0042", "K-0107", "MRN-55120931", "K-0300", "Pseudonym Blue Heron", "K-0413",
            "K-0520", "K-0611", "K-0702", "K-0815", "K-0901", "K-1010", "K-1104", "K-1212",
            "K-1301", "K-1409", "K-1507", "K-1613", "K-1719", "K-1820"]


def quiet_vitals(chair: Chair, n: int) -> None:
    chair.monitor({"bp_systolic": 128 + n, "bp_diastolic": 78 + n % 7, "bp_mean": 95 + n % 5,
                   "heart_rate": 70 + n, "resp_rate": 14, "spo2": 98 - n % 3})


def busy_clinic(central: Central, count: int = 20) -> dict[int, Chair]:
    """`count` chairs on `central`'s board, 9 minutes into the afternoon."""
    chairs: dict[int, Chair] = {}
    for n in range(1, count + 1):
        name = f"chair-{n}"
        room = ROOMS.get(n, f"Room {n}")
        chair = central.chair(name, room, patient=PATIENTS[(n - 1) % len(PATIENTS)],
                              session=n != 11)
        chairs[n] = chair
        if chair.s is not None:
            chair.start_infusion()
            quiet_vitals(chair, n)
    for chair in chairs.values():   # every chair heard at the start of the afternoon
        central.deliver(chair.status())
    central.t(9 * 60)
    for n, chair in chairs.items():
        if chair.s is None:
            continue
        quiet_vitals(chair, n)
        if n == 2:     # SpO2 88: high, flashing
            chair.device("spo2", 88)
        if n == 5:     # Systolic 186: medium, acknowledged at the bedside
            chair.device("bp_systolic", 186)
            chair.device("bp_diastolic", 104)
            chair.device("bp_mean", 131)
            (occurrence,) = chair.occurrences()
            chair.acknowledge_at_bedside(occurrence.id)
        if n == 7:     # HR 118: medium, flashing
            chair.device("heart_rate", 118)
        if n == 9:     # the monitor unplugged: a technical alarm at the chair
            chair.s.engine.device_state_changed("disconnected", central.now(), "cable")
        if n == 15:    # SpO2 92: medium; the central will acknowledge it (ack sent…)
            chair.device("spo2", 92)
        if n == 17:    # RR 7: high and SpO2 92: medium, two alarms
            chair.device("resp_rate", 7)
            chair.device("spo2", 92)
    for n, chair in chairs.items():
        if n == 13:
            continue   # gone quiet: its last status is older than 10 s (below)
        for message in chair.new_pcd04s() if chair.s is not None else ():
            central.deliver(message)
        phase = {3: ("observation", "Observation"), 6: ("pre", "Pre-session checks"),
                 10: ("discharge", "Discharge")}.get(n)
        session = {"elapsed_s": 9 * 60 + 97 * n}
        if phase:
            session |= {"phase": phase[0], "phase_name": phase[1]}
        # Room 12 is a quiet room: its bedside plays soft tones while this station confirms.
        central.deliver(chair.status(session=session, audio="quiet" if n == 12 else "full"))
    if 8 in chairs:
        central.deliver(chairs[8].will())
    if 15 in chairs:
        central.acknowledge("chair-15", "B. Central")
    return chairs
