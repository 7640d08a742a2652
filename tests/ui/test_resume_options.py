"""`--resume N` with an option its logged session has its own answer to: refused in one line,
never dropped (review 39).

`--resume 1 --patient MRN-2 --protocol esketamine --weight 80` resumed session 1 of MRN-94
under iv-ketamine: the options were dropped without a word, and the nurse believed she was
charting MRN-2's esketamine session.
"""

from __future__ import annotations

import pytest

from console.ui.app import StartError
from tests.ui.test_app_start import left_open, options, sessions, started  # noqa: F401 - fixture

WAYS = ("--resume {sid} carries on session {sid} with the patient, protocol, weight and dose its "
        "log holds; leave {option} out (the start screen shows the session), or leave --resume "
        "out to start a session")


@pytest.mark.parametrize(("extra", "option", "said"), [
    (("--patient", "MRN-2", "--protocol", "esketamine"), "--patient", "--patient MRN-2"),
    (("--protocol", "esketamine"), "--protocol", "--protocol esketamine"),
    (("--weight", "80"), "--weight", "--weight 80"),
    (("--dose-mg", "84"), "--dose-mg", "--dose-mg 84"),
    (("--confirm", "weight"), "--confirm", "--confirm weight"),
    (("--new-session",), "--new-session", "--new-session"),
], ids=["patient", "protocol", "weight", "dose-mg", "confirm", "new-session"])
def test_resume_given_an_option_its_log_decides_is_refused(started, tmp_path, extra, option,
                                                           said):
    sid = left_open(tmp_path, hours_ago=0.5)
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--resume", str(sid), *extra))
    assert str(refused.value) == f"{said}: " + WAYS.format(sid=sid, option=option)
    assert sessions(tmp_path) == [(sid, None)]   # still open, nothing resumed


def test_resume_still_takes_a_device_and_the_nurse(started, tmp_path):
    sid = left_open(tmp_path, hours_ago=0.5)
    window = started(options(tmp_path, "--resume", str(sid), "--nurse", "Ana",
                             "--device", "loop://", "--format", "hl7"))
    assert window.controller is not None and window.controller.view.session_id == sid
