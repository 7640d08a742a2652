"""A vital sent on two channels of one monitor message (two SpO2 probes): the PCD-01 carries
both values, each on its own OBX-4 as the monitor sent them, and marks the one not judged in
OBX-17 (observation method) with a local code beside AMEAS, so a receiver can tell it is not the
vital's value; the central's reader maps the mark back. Unmarked, a central drew the other
probe's 97 beside a chair alarming at 85."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import hl7
import hl7.mllp
import pytest

from console.network.pcd import PatientShown, Station, pcd01, segments, sent_observation
from console.network.pcd_read import read_pcd01
from console.records import ObservationRecord
from devices.hl7 import decode_message
from devices.reading import OTHER_CHANNEL, Reading
from tests.mosquitto import wait_until
from tests.network.mllp_peer import MllpPeer, always
from tests.network.test_link import Chair, engine_config
from tests.session.helpers import START, Session

STATION = Station("0200000000C0FFEE", facility="Clinic", room="Room 2", bed="Chair 3")
PATIENT = PatientShown("K-0042")
SENT = START + timedelta(minutes=5)
AMEAS = "AMEAS^auto-measurement^MDC"
MARK = "OTHER_CHANNEL^other channel, not the vital's judged value^99ICN"
PROBE_1, PROBE_2 = "1.3.1.150456", "1.3.2.150456"


def _two_probes(values: tuple[float, float] = (85, 97)) -> list[ObservationRecord]:
    """One monitor message with SpO2 on both probes, judged by a real engine: its two rows."""
    s = Session()
    s.to_infusion()
    s.t(60)
    now = s.clock.now()
    s.engine.ingest_message([
        Reading("spo2", values[0], "%", now.wall, now.wall, "hl7:SIM", PROBE_1, message="M1"),
        Reading("spo2", values[1], "%", now.wall, now.wall, "hl7:SIM", PROBE_2, message="M1"),
    ], now)
    records = [r for r in s.recorder.observations() if r.metric == "spo2"]
    assert [(r.value, OTHER_CHANNEL in r.flags) for r in records] == [
        (values[0], values[0] > values[1]), (values[1], values[1] > values[0])]
    return records


def _spo2_rows(message: str) -> list[list[str]]:
    return [f for f in segments(message) if f[0] == "OBX" and "MDC_PULS_OXIM_SAT_O2" in f[3]]


def test_the_other_probes_value_goes_marked_in_obx17_and_the_judged_one_as_ever() -> None:
    message = pcd01(_two_probes(), control_id="OBS-1", sent_at=SENT, station=STATION,
                    patient=PATIENT)
    rows = _spo2_rows(message)
    assert [(r[4], r[5], r[8], r[17]) for r in rows] == [
        (PROBE_1, "85", "", AMEAS),
        (PROBE_2, "97", "", f"{AMEAS}~{MARK}"),
    ]
    # Every OBX still has its 18 fields, and an HL7 parser reads the mark as a second repetition
    # of OBX-17, AMEAS first.
    assert {len(r) for r in rows} == {19}
    parsed = hl7.parse(message)
    methods = [str(obx(17)) for obx in parsed.segments("OBX")]
    assert methods == [AMEAS, f"{AMEAS}~{MARK}"]
    assert [str(obx(17)(1)) for obx in parsed.segments("OBX")] == [AMEAS, AMEAS]
    # The console's decoder (any engine's) still reads both values, each on its channel.
    result = decode_message(message.encode("utf-8"), SENT)
    assert [(r.value, r.channel) for r in result.readings] == [(85, PROBE_1), (97, PROBE_2)]
    assert not result.dropped


def test_the_mark_follows_the_value_not_judged_whichever_probe_sends_it() -> None:
    message = pcd01(_two_probes((96, 88)), control_id="OBS-2", sent_at=SENT, station=STATION,
                    patient=PATIENT)
    assert [(r[5], r[17]) for r in _spo2_rows(message)] == [("96", f"{AMEAS}~{MARK}"),
                                                            ("88", AMEAS)]


def test_the_centrals_reader_knows_the_other_channels_value() -> None:
    message = pcd01(_two_probes(), control_id="OBS-3", sent_at=SENT, station=STATION,
                    patient=PATIENT)
    report = read_pcd01(message, SENT)
    assert [(o.value, o.channel, OTHER_CHANNEL in o.flags, o.manual)
            for o in report.observations] == [(85, PROBE_1, False, False),
                                              (97, PROBE_2, True, False)]
    assert report.dropped == 0


def test_a_withdrawal_finds_the_other_channels_row_as_it_went() -> None:
    records = _two_probes()
    message = pcd01(records, control_id="OBS-4", sent_at=SENT, station=STATION,
                    patient=PATIENT)
    found = sent_observation(records[1], [message])
    assert found is not None and found.path == PROBE_2


class _KeepingPeer(MllpPeer):
    """The MLLP peer, keeping each message's text as python-hl7 parsed it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.messages: list[str] = []

    async def _handle(self, reader: hl7.mllp.HL7StreamReader,
                      writer: hl7.mllp.HL7StreamWriter) -> None:
        read = reader.readmessage

        async def keep() -> Any:
            message = await read()
            self.messages.append(str(message))
            return message

        reader.readmessage = keep
        await super()._handle(reader, writer)


@pytest.fixture
def peer(reserved_port: int) -> Iterator[_KeepingPeer]:
    made = _KeepingPeer(reserved_port, always("AA"))
    yield made
    made.close()


@pytest.fixture
def chair(tmp_path: Any) -> Iterator[Callable[[int], Chair]]:
    made: list[Chair] = []

    def make(port: int) -> Chair:
        made.append(Chair(tmp_path / "log.sqlite3", engine_config(port)))
        return made[-1]

    yield make
    for c in made:
        c.close()


def test_the_interface_engine_receives_both_probes_values_the_other_one_marked(
        chair: Callable[[int], Chair], peer: _KeepingPeer, reserved_port: int) -> None:
    peer.listen()
    c = chair(reserved_port)
    now = c.clock.now()
    c.engine.ingest_message([
        Reading("spo2", 85, "%", now.wall, now.wall, "hl7:SIM", PROBE_1, message="M1"),
        Reading("spo2", 97, "%", now.wall, now.wall, "hl7:SIM", PROBE_2, message="M1"),
    ], now)
    sent = c.outbox_ids()
    peer.wait_for(lambda: len(peer.received) >= len(sent), "every message")
    assert peer.received == sent
    wait_until(lambda: (c.link.pump(), len(c.deliveries()) == len(sent))[1], "deliveries logged")
    assert {outcome for _, _, outcome in c.deliveries()} == {"delivered"}
    (observations,) = [m for m in peer.messages if "|ORU^R01^ORU_R01|" in m]
    assert [(r[4], r[5], r[17]) for r in _spo2_rows(observations)] == [
        (PROBE_1, "85", AMEAS), (PROBE_2, "97", f"{AMEAS}~{MARK}")]
