"""`--demo` with an option it has its own answer to: refused in one line, never dropped (review 39).

The demo plays its own simulated monitor for its own demo patient. `--demo --device
/dev/ttyUSB0 --format masimo` (QA or clinic IT trying the demo on the chair's real monitor)
opened a DEMO session fed by the simulator, the options given dropped without a word, as
`--scenario` without `--demo` had been (tests/ui/test_app_start.py).
"""

from __future__ import annotations

import sqlite3

import pytest

from console.ui.app import StartError
from tests.ui.test_app_start import options, started  # noqa: F401 - `started` is the fixture

REAL = "; leave {option} out, or leave --demo out (a session of a real patient on a real monitor)"
MONITOR = "--demo plays its own simulated monitor"
PATIENT = "--demo opens a session of its own demo patient (DEMO-0001, 70 kg)"


@pytest.mark.parametrize(("extra", "option", "message"), [
    (("--device", "/dev/ttyUSB0", "--format", "masimo"), "--device",
     f"--device /dev/ttyUSB0: {MONITOR}"),
    (("--format", "masimo"), "--format", f"--format masimo: {MONITOR} (hl7)"),
    (("--device-profile", "nihon-kohden-pvm"), "--device-profile",
     f"--device-profile nihon-kohden-pvm: {MONITOR} (hl7)"),
    (("--patient", "MRN-94"), "--patient", f"--patient MRN-94: {PATIENT}"),
    (("--weight", "82"), "--weight", f"--weight 82: {PATIENT}"),
    (("--protocol", "esketamine", "--dose-mg", "84"), "--dose-mg",
     "--dose-mg 84: --demo gives its protocol's dose for the demo patient"),
    (("--confirm", "weight"), "--confirm",
     "--confirm weight: --demo has no --patient or --weight to confirm"),
], ids=["device", "format", "device-profile", "patient", "weight", "dose-mg", "confirm"])
def test_a_demo_given_an_option_of_a_real_session_is_refused_not_the_option_dropped(
        started, tmp_path, extra, option, message):
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--demo", *extra))
    assert str(refused.value) == message + REAL.format(option=option)
    # Refused before the log is opened: no demo session, no file.
    assert not (tmp_path / "log.sqlite3").exists()


def test_a_demo_still_takes_the_protocol_and_the_nurse_it_is_given(started, tmp_path, qtbot):
    window = started(options(tmp_path, "--demo", "--protocol", "iv-ketamine-titration",
                             "--nurse", "A. Nurse"))
    qtbot.waitUntil(lambda: window.controller is not None, timeout=5000)
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT demo, patient_id, protocol_id, nurse FROM sessions"
                            ).fetchall() == [(1, "DEMO-0001", "iv-ketamine-titration", "A. Nurse")]
