"""One probe's value twice in one message is two values of one channel, not two channels: the
newer is judged. A gateway forwarding the last seconds sends 85 two seconds ago and 97 now on OBX-4
1.3.1.150456: the 97 had been flagged OTHER_CHANNEL and left off the tile, the trend, the central
and the FHIR Bundle while the low SpO2 alarm stood on a value 2 s old. The same with the other
probe's value between them (A B A): A's newer 96 had joined the first group and the tile stood at
85 beside a patient at 96 (reviews)."""
from __future__ import annotations

from datetime import datetime, timedelta

from devices.hl7.decoder import decode_message
from devices.reading import OTHER_CHANNEL
from tests.session.test_two_channels_of_one_vital import Chair, chair  # noqa: F401  (fixture)

ROW = ("OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|{ch}|{v}|262688^MDC_DIM_PERCENT^MDC"
       "|||||F|||{t}")
PROBE_A, PROBE_B = "1.3.1.150456", "1.3.2.150456"


def _hl7(at: datetime) -> str:
    return (at + timedelta(hours=8)).strftime("%Y%m%d%H%M%S") + "+0800"


def _send(chair: Chair, rows: list[tuple[str, float, int]]) -> list[tuple[float, bool]]:
    """One message of SpO2 rows (channel, value, seconds old); the SpO2 rows logged, each with
    whether it was flagged as another channel."""
    now = chair.clock.advance(1)
    t = _hl7(now.wall)
    segments = [
        f"MSH|^~\\&|GW|KC261551373G|||{t}||ORU^R01^ORU_R01|000000000000000077|P|2.6"
        "||||||UNICODE UTF-8",
        "PID|||10006||lee|||M||Unknown",
        f"OBR||||1^MON_PARAM^99COMEN|||{t}",
        *(ROW.format(ch=ch, v=v, t=_hl7(now.wall - timedelta(seconds=old)))
          for ch, v, old in rows),
    ]
    decoded = decode_message(("\r".join(segments) + "\r").encode(), now.wall)
    assert [r.value for r in decoded.readings if r.metric == "spo2"] == [v for _, v, _ in rows]
    assert chair.engine.ingest_message(decoded.readings, now)
    chair.engine.tick(now)
    return [(r.value, OTHER_CHANNEL in r.flags)
            for _, r in chair.log.observations(chair.engine.session_id) if r.metric == "spo2"]


def test_one_channels_newer_value_is_not_called_another_channel(chair) -> None:  # noqa: F811
    logged = _send(chair, [(PROBE_A, 85, 2), (PROBE_A, 97, 0)])
    assert logged == [(85, False), (97, False)], logged
    assert chair.tile("spo2") == 97


def test_a_probes_newer_value_after_the_other_probes_is_judged(chair) -> None:  # noqa: F811
    logged = _send(chair, [(PROBE_A, 85, 2), (PROBE_B, 97, 0), (PROBE_A, 96, 0)])
    assert (96, False) in logged, logged
    assert chair.tile("spo2") == 96
