"""A pulse oximeter's probe off is not respiratory depression on the REMS draft.

The SpO2 absence rule ("No SpO2 for 30 s" while the monitor sends the other vitals: a probe off,
no pulse signal) raises an `spo2_low` alarm as the low values do. The draft counted it as an
SpO2-low alarm and answered "Respiratory depression: Yes" to the regulator, every RR and SpO2
measured normal. It says what the log holds instead: SpO2 not measured for a while, UNCERTAIN,
to check. No RR (apnoea) stays an answer: the protocol's limits are RR ≤11, SpO2 ≤93 or no RR.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from console.export.rems import AdverseEvent, RemsForm, render_text
from tests.export.test_rems import dosed, form_of


def _monitored(tmp_path, values: Callable[[float], dict[str, float]]) -> RemsForm:
    """Device 1 at 10:10, device 2 at 10:15, then the monitor every 10 s from 10:20 to 10:30
    sending `values(minute)`, every alarm acknowledged."""
    log, r = dosed(tmp_path, "MRN-7201")
    r.at(15)
    r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="lot A")
    r.at(20)
    r.advance()
    r.engine.device_state_changed("connected", r.clock.now())
    for tenth in range(1, 61):
        minute = 20 + tenth / 6
        r.at(minute)
        r.device(**values(minute))
        r.ack_all()
    session = r.id
    log.close()
    return form_of(tmp_path, session)


def _breathing(form: RemsForm) -> AdverseEvent:
    return next(e for e in form.adverse_events if e.name == "respiratory_depression")


def _probe_off(minute: float) -> dict[str, float]:
    # Two minutes with the probe off the finger from 10:24; RR 14 throughout.
    if 24 <= minute < 26:
        return {"heart_rate": 72, "resp_rate": 14}
    return {"heart_rate": 72, "spo2": 97, "resp_rate": 14}


def test_a_probe_off_alone_is_uncertain_never_respiratory_depression_yes(tmp_path):
    form = _monitored(tmp_path, _probe_off)
    breathing = _breathing(form)
    assert breathing.present is None and form.respiratory_depression is None, breathing
    text = render_text(form, tz=UTC)
    (line,) = [x for x in text.splitlines() if x.startswith("Respiratory depression:")]
    assert line.startswith("Respiratory depression: UNCERTAIN (No SpO2 for 30 s at 10:24"), line
    assert "SpO2 not measured" in line and "CHECK" in line, line
    assert "Yes" not in line
    assert "respiratory_depression_unmeasured" in form.missing
    assert "respiratory depression (SpO2 not measured" in text.splitlines()[-1]


def test_no_rr_is_still_respiratory_depression(tmp_path):
    # Apnoea: the RR absence rule ("No respiratory rate for 20 s") answers yes.
    def no_rr(minute: float) -> dict[str, float]:
        if 24 <= minute < 26:
            return {"heart_rate": 72, "spo2": 97}
        return {"heart_rate": 72, "spo2": 97, "resp_rate": 14}

    breathing = _breathing(_monitored(tmp_path, no_rr))
    assert breathing.present is True, breathing
    assert breathing.evidence.startswith("No respiratory rate for 20 s at 10:24"), breathing


def test_a_low_spo2_answers_yes_beside_a_probe_off_not_counted(tmp_path):
    def low_then_off(minute: float) -> dict[str, float]:
        if 22 <= minute < 23:
            return {"heart_rate": 72, "spo2": 91, "resp_rate": 14}
        return _probe_off(minute)

    breathing = _breathing(_monitored(tmp_path, low_then_off))
    assert breathing.present is True, breathing
    assert breathing.evidence.startswith("SpO2 91 %"), breathing
    assert "not counted, SpO2 not measured: No SpO2 for 30 s at 10:24" in breathing.evidence
