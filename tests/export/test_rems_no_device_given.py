"""56 mg planned, the devices' phase left with the reason "Patient declined the spray: no device
given" before any device was ticked: the REMS draft read "Dose (mg): 56", listed device 1 and
device 2 as NOT RECORDED, asked for both (and their times and lots) to be completed by hand, and
left the logged reason out (review of the REMS draft; proof /tmp/s52/proofs/rems/
test_no_device_given.py). With one device of two given, the same draft already said the devices
recorded given beside the plan, to CHECK, with the reason
(tests/export/test_rems_fewer_devices_than_the_dose.py). None given is said the same way."""

from __future__ import annotations

from datetime import UTC, datetime

from console.export.rems import render_text
from console.store import EventLog
from tests.export.test_rems import at, form_of
from tests.review.scenarios import Driver

DECLINED = "Patient declined the spray: no device given"


def _none_given(tmp_path, reason: str = DECLINED) -> int:
    log = EventLog.open(tmp_path / "s.sqlite3", "t", now=datetime(2026, 3, 1, tzinfo=UTC))
    r = Driver(log, "esketamine", "MRN-7003", 64.0, "nurse.ben", at(10, 0), 1, chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10); r.advance()                       # T0: the devices' phase
    if reason:
        r.at(14); r.advance(reason)             # left with no device ticked
    session = r.id
    log.close()
    return session


def test_no_device_given_reads_as_none_given_with_the_reason_not_devices_to_complete(tmp_path):
    form = form_of(tmp_path, _none_given(tmp_path))
    lines = render_text(form, tz=UTC).splitlines()
    dose = lines.index(next(line for line in lines if line.startswith("Dose (mg):")))
    assert lines[dose:dose + 3] == [
        "Dose (mg): 56 planned; no device recorded given: CHECK (devices' phase left with the "
        f"reason: {DECLINED})",
        "Device 1: not recorded given (see the dose)",
        "Device 2: not recorded given (see the dose)",
    ]
    # Nothing of a device never given is asked for by hand: not the device, its time or lot.
    assert not [name for name in form.missing if name.startswith("device")], form.missing_words()
    assert form.devices_left_reason == DECLINED
    assert form.to_json()["devices_left_reason"] == DECLINED


def test_a_draft_still_on_the_devices_screen_with_none_given_asks_for_the_devices(tmp_path):
    # No override logged yet: the devices may still come; the draft asks for them as before.
    form = form_of(tmp_path, _none_given(tmp_path, reason=""))
    lines = render_text(form, tz=UTC).splitlines()
    assert "Dose (mg): 56" in lines
    assert "Device 1: NOT RECORDED (56 mg is 2 devices)" in lines
    assert {"device-1", "device-2"} <= set(form.missing)
    assert form.devices_left_reason is None
