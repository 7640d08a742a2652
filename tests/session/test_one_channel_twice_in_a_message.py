"""One probe's SpO2 twice in one message (a gateway forwarding the last seconds: 85 two seconds
ago, 97 now, both on OBX-4 1.3.1.150456) is two values of one channel, not two channels: the
newer 97 is judged, not flagged OTHER_CHANNEL and left off the tile, the trend, the central and
the FHIR Bundle while the low SpO2 alarm stood on a value 2 s old (a review)."""
from __future__ import annotations

from datetime import timedelta

from devices.hl7.decoder import decode_message
from devices.reading import OTHER_CHANNEL
from tests.session.test_two_channels_of_one_vital import chair  # noqa: F401  (fixture)

ROW = ("OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|{v}|262688^MDC_DIM_PERCENT^MDC"
       "|||||F|||{t}")


def test_one_channels_newer_value_is_not_called_another_channel(chair) -> None:  # noqa: F811
    now = chair.clock.advance(1)

    def hl7(at) -> str:
        return (at + timedelta(hours=8)).strftime("%Y%m%d%H%M%S") + "+0800"

    t = hl7(now.wall)
    segments = [
        f"MSH|^~\\&|GW|KC261551373G|||{t}||ORU^R01^ORU_R01|000000000000000077|P|2.6"
        "||||||UNICODE UTF-8",
        "PID|||10006||lee|||M||Unknown",
        f"OBR||||1^MON_PARAM^99COMEN|||{t}",
        ROW.format(v=85, t=hl7(now.wall - timedelta(seconds=2))),
        ROW.format(v=97, t=t),
    ]
    decoded = decode_message(("\r".join(segments) + "\r").encode(), now.wall)
    assert [r.value for r in decoded.readings if r.metric == "spo2"] == [85, 97]
    assert chair.engine.ingest_message(decoded.readings, now)
    chair.engine.tick(now)
    logged = [(r.value, OTHER_CHANNEL in r.flags)
              for _, r in chair.log.observations(chair.engine.session_id) if r.metric == "spo2"]
    assert logged == [(85, False), (97, False)], logged
    assert chair.tile("spo2") == 97
