"""A nasal device ticked while a device numbered before it is open is the device given now under
the wrong row: refused, pointing to the open one. Device 2 had been taken with device 1 open (and
device 3 of 84 mg with device 2 open): the record then read device 1 given at 10:16 beside device
2 at 10:11, the observation from 10:11 (an esketamine review). The same after a restart."""

from __future__ import annotations

from pathlib import Path

from tests.session.test_esketamine_checks_from_t0 import T0
from tests.session.test_scores_since_dose import NURSE, Run


def _at_t0(tmp_path: Path, mg: float) -> Run:
    """Baseline, pre-checks, T0 at 10 min; no device ticked."""
    r = Run(tmp_path, "esketamine", chosen_mg=mg)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(T0); r.advance()
    return r


def test_device_2_ticked_while_device_1_is_open_points_to_device_1(tmp_path: Path) -> None:
    r = _at_t0(tmp_path, 56)
    r.at(T0 + 1)
    outcome = r.engine.tick_item("device-2", NURSE, r.now(), note="lot A")
    assert not outcome.done
    assert outcome.message == ("Device 2 follows device 1, which is open: tick device 1 for the "
                               "device given now.")
    assert "device-2" not in r.engine.ticks()
    assert r.engine.tick_item("device-1", NURSE, r.now(), note="lot A").done   # its own row


def test_device_3_of_84_mg_ticked_while_device_2_is_open_points_to_device_2(
        tmp_path: Path) -> None:
    r = _at_t0(tmp_path, 84)
    r.at(T0 + 1); assert r.engine.tick_item("device-1", NURSE, r.now(), note="lot A").done
    r.at(T0 + 6)
    r.restart()                                        # the ticks read back from the log
    outcome = r.engine.tick_item("device-3", NURSE, r.now(), note="lot A")
    assert not outcome.done
    assert outcome.message == ("Device 3 follows device 2, which is open: tick device 2 for the "
                               "device given now.")
    assert r.engine.tick_item("device-2", NURSE, r.now(), note="lot A").done


def test_device_beyond_the_dose_keeps_its_own_refusal(tmp_path: Path) -> None:
    r = _at_t0(tmp_path, 56)
    r.at(T0 + 1); assert r.engine.tick_item("device-1", NURSE, r.now(), note="lot A").done
    r.at(T0 + 6)
    outcome = r.engine.tick_item("device-3", NURSE, r.now(), note="lot A")
    assert outcome.message == ("Device 3 is beyond this session's dose (56 mg is 2 devices) "
                               "while device 2 is open: tick device 2 for the device given now.")
