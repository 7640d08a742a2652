"""MSH-3, OBR-3 and OBX-18 name this console `infusion-console-<log id>`, and its universal id type
said `UUID` (HL7 table 0301: a DCE UUID). The id is no UUID: a validating engine (or a Gazelle EVS
check of the EI/HD datatype) refused the type, and one that keys equipment by UUID could not.
The text stays (nothing keyed on it changes) and its type is L, local; the central reads only
the id (pcd_read `Header.equipment_id`)."""

from __future__ import annotations

from console.network.config import NetworkConfig
from console.network.pcd import PatientShown, pcd01, pcd04, segments
from console.network.pcd_read import read_pcd04
from console.records import AlarmTransition, ObservationRecord
from console.store import EventLog
from tests.session.helpers import START


def test_the_consoles_equipment_id_is_sent_with_the_type_it_is(tmp_path):
    from console.ui.app import _station   # how the console makes its Station

    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    try:
        station = _station(NetworkConfig(chair="chair-3", room="Room 3", facility="Clinic"), log)
        (uid,) = log.conn.execute("SELECT value FROM meta WHERE key = 'log_uid'").fetchone()
    finally:
        log.close()
    step = AlarmTransition(1, 1, "device_lost", "technical", "medium", "raised", START,
                           "Monitor disconnected")
    alarm = pcd04(step, control_id="X-1", sent_at=START, station=station,
                  patient=PatientShown("P-1"))
    value = pcd01([ObservationRecord(1, "heart_rate", 72.0, "beats/min", "manual", START, START,
                                     "nurse.ana")],
                  control_id="X-2", sent_at=START, station=station, patient=PatientShown("P-1"))
    equipment = f"infusion-console-{uid}"   # the text as before
    for message in (alarm, value):
        msh3 = segments(message)[0][2]
        obr3 = next(s for s in segments(message) if s[0] == "OBR")[3]
        obx18 = {s[18] for s in segments(message) if s[0] == "OBX" and s[18]}
        # HL7 table 0301 L, local: it said UUID of a text no UUID parser reads.
        assert msh3 == f"INFUSION_CONSOLE^{equipment}^L", msh3
        assert obr3.endswith(f"^INFUSION_CONSOLE^{equipment}^L"), obr3
        assert obx18 == {f"{equipment}^^{equipment}^L"}, obx18
    assert read_pcd04(alarm).header.equipment_id == equipment   # what the central reads
