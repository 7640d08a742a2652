"""A clinic's own esketamine protocol gets the REMS Patient Monitoring Form, decided by what the
protocol is, not by the letters of its id.

protocols/README.md, "Adding your clinic's own protocol", tells a clinic to copy a shipped file
and give it its own id (`spravato-clinic-a`). The loader treats such a copy as esketamine nasal
spray (route intranasal, dosed by device: the label's 28 mg devices, 5-min rest and 2 hours are
enforced on it) and the review offers its REMS button (its `rems_fields`), but the export
decided by `"esketamine" in protocol_id` and refused: "session 1 used protocol
spravato-clinic-a: the REMS Patient Monitoring Form is for esketamine sessions only". The
clinic must submit the form within 7 days of each session (clinical-defaults.md). A review of
the protocols; proof /tmp/s56/proofs/protocols/test_clinic_esketamine_rems.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.export.rems import is_rems_protocol, rems_form
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.review.scenarios import Driver


class ClinicDriver(Driver):
    """tests.review.scenarios.Driver, on a protocol file of the clinic's folder."""

    def __init__(self, log: EventLog, path: Path, start: datetime,
                 chosen_mg: float | None = None) -> None:
        self.clock = ManualClock(start)
        self.nurse = "nurse.ben"
        self.protocol = load_protocol(path)
        self.engine = SessionEngine.open(self.protocol, log, Patient("MRN-7003", 64.0),
                                         self.nurse, self.clock.now(), session_number=1,
                                         chosen_mg=chosen_mg)
        self.origin = self.clock.now().mono


def _clinic_copy(tmp_path: Path, shipped: str, new_id: str) -> Path:
    """The shipped protocol `shipped` as a clinic's copy under its own id."""
    text = (builtin_protocols_dir() / f"{shipped}.toml").read_text(encoding="utf-8")
    assert f'id = "{shipped}"\n' in text
    folder = tmp_path / "clinic"
    folder.mkdir()
    path = folder / f"{new_id}.toml"
    path.write_text(text.replace(f'id = "{shipped}"\n', f'id = "{new_id}"\n', 1),
                    encoding="utf-8")
    return path


def _session(tmp_path: Path, path: Path, chosen_mg: float | None) -> SessionDetail:
    """A session of the protocol file `path`, run to its dose (T0), as the review reads it."""
    with EventLog.open(tmp_path / "s.sqlite3", "t", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = ClinicDriver(log, path, datetime(2026, 3, 6, 10, 0, tzinfo=UTC), chosen_mg)
        r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
                 dissociation=0)
        r.tick_required()
        r.at(10); r.advance()                   # T0: the devices' (or the infusion's) phase
        session = r.id
    conn = open_readonly(tmp_path / "s.sqlite3")
    try:
        return load_session(conn, session)
    finally:
        conn.close()


def test_a_clinic_copy_of_esketamine_with_its_own_id_gets_its_rems_form(tmp_path: Path) -> None:
    path = _clinic_copy(tmp_path, "esketamine", "spravato-clinic-a")
    protocol = load_protocol(path)          # loads: it is a valid esketamine protocol
    assert protocol.route == "intranasal" and protocol.rems_fields   # the REMS fields kept

    # Read from the protocol the session logged at its start: the clinic file need not be
    # installed where the form is exported.
    form = rems_form(_session(tmp_path, path, chosen_mg=56), tz=UTC)

    assert form.protocol.startswith("spravato-clinic-a")
    assert (form.dose_mg, form.devices_needed) == (56, 2)


def test_an_iv_infusion_whose_id_says_esketamine_gets_no_rems_form(tmp_path: Path) -> None:
    # The form is the Spravato nasal spray's: an IV infusion is no session of it, whatever its
    # id says (IV esketamine is given off-label, outside the REMS).
    path = _clinic_copy(tmp_path, "iv-ketamine", "iv-esketamine-clinic-a")
    detail = _session(tmp_path, path, chosen_mg=None)
    with pytest.raises(ValueError, match="used protocol iv-esketamine-clinic-a: the REMS Patient"
                                         " Monitoring Form is for esketamine sessions only"):
        rems_form(detail, tz=UTC)


def test_without_the_protocols_text_the_id_decides() -> None:
    # A session logged before the console kept its protocol's text, its file not installed:
    # the id is all there is to go by.
    assert is_rems_protocol("esketamine-2024", None)
    assert not is_rems_protocol("clinic-iv", None)
