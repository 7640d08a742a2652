"""84 mg planned, devices 1 and 2 given, the devices' phase left with the reason "patient
declined the third device": the chair reads "2 of 3 devices recorded given", the review "(3
devices; 2 recorded given)", but the REMS draft read "Dose (mg): 84" and listed device 3 as
missing, to complete by hand: an invitation to enter a device never given (an esketamine
review). The draft says the devices recorded given beside the plan, to check, with the reason
the phase was left; the device not given is not data missing from the log."""

from __future__ import annotations

from datetime import UTC, datetime

from console.export.rems import render_text
from console.store import EventLog
from tests.export.test_rems import at, form_of
from tests.review.scenarios import Driver

DECLINED = "patient declined the third device, prescriber informed"


def _two_of_three(tmp_path, reason: str = DECLINED) -> int:
    log = EventLog.open(tmp_path / "s.sqlite3", "t", now=datetime(2026, 3, 1, tzinfo=UTC))
    r = Driver(log, "esketamine", "MRN-1", 64.0, "nurse.ben", at(10, 0), 1, chosen_mg=84)
    r.manual(bp_systolic=128, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()
    assert r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A").done
    r.at(10); assert r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot B").done
    if reason:
        r.at(16); r.advance(reason)
    session = r.id
    log.close()
    return session


def test_the_dose_reads_as_the_devices_recorded_given_with_the_reason(tmp_path) -> None:
    form = form_of(tmp_path, _two_of_three(tmp_path))
    lines = render_text(form, tz=UTC).splitlines()
    dose = lines.index(next(line for line in lines if line.startswith("Dose (mg):")))
    assert lines[dose:dose + 4] == [
        "Dose (mg): 84 planned; 2 devices (56 mg) recorded given: CHECK (devices' phase left "
        f"with the reason: {DECLINED})",
        "Device 1: given at 10:05; lot/note: lot A",
        "Device 2: given at 10:10; lot/note: lot B",
        "Device 3: not recorded given (see the dose)",
    ]
    assert not [name for name in form.missing if name.startswith("device")]
    assert form.devices_left_reason == DECLINED
    assert form.to_json()["devices_left_reason"] == DECLINED


def test_a_draft_still_on_the_devices_screen_says_the_same_without_a_reason(tmp_path) -> None:
    lines = render_text(form_of(tmp_path, _two_of_three(tmp_path, reason="")),
                        tz=UTC).splitlines()
    assert "Dose (mg): 84 planned; 2 devices (56 mg) recorded given: CHECK" in lines
