"""One probe's value, the other probe's, then the first probe's newer value in one message (a
gateway forwarding the last seconds, A B A): the newer value of probe A is a newer value of one
channel, judged and shown; joined to the first group, the tile and the alarm stood on A's value
2 s old (85) beside a patient at 96 (a review)."""
from __future__ import annotations

from datetime import timedelta

from devices.hl7.decoder import decode_message
from devices.reading import OTHER_CHANNEL
from tests.session.test_two_channels_of_one_vital import chair  # noqa: F401  (fixture)

ROW = ("OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|{ch}|{v}|262688^MDC_DIM_PERCENT^MDC"
       "|||||F|||{t}")


def test_a_probes_newer_value_after_the_other_probes_is_judged(chair) -> None:  # noqa: F811
    now = chair.clock.advance(1)

    def hl7(at) -> str:
        return (at + timedelta(hours=8)).strftime("%Y%m%d%H%M%S") + "+0800"

    t = hl7(now.wall)
    segments = [
        f"MSH|^~\\&|GW|KC261551373G|||{t}||ORU^R01^ORU_R01|000000000000000078|P|2.6"
        "||||||UNICODE UTF-8",
        "PID|||10006||lee|||M||Unknown",
        f"OBR||||1^MON_PARAM^99COMEN|||{t}",
        ROW.format(ch="1.3.1.150456", v=85, t=hl7(now.wall - timedelta(seconds=2))),
        ROW.format(ch="1.3.2.150456", v=97, t=t),
        ROW.format(ch="1.3.1.150456", v=96, t=t),
    ]
    decoded = decode_message(("\r".join(segments) + "\r").encode(), now.wall)
    assert [r.value for r in decoded.readings if r.metric == "spo2"] == [85, 97, 96]
    assert chair.engine.ingest_message(decoded.readings, now)
    chair.engine.tick(now)
    logged = [(r.value, OTHER_CHANNEL in r.flags)
              for _, r in chair.log.observations(chair.engine.session_id) if r.metric == "spo2"]
    assert (96, False) in logged, logged
    assert chair.tile("spo2") == 96
