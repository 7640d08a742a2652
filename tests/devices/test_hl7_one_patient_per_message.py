"""One pushed ORU^R01 holding several patients (a central station or interface engine sending
two beds in one message, PID ... OBX, PID ... OBX): never two patients' values in one session.
The message is refused whole (`several-patients`, answered AR: resent, it would hold the same
two patients), as the Mindray bedside link drops it; one patient's rows beside other patient
groups without rows are read."""

from __future__ import annotations

from devices.hl7 import HL7Decoder, decode_message
from devices.hl7.mindray_bedside import MindrayBedsideDecoder
from devices.stream import DecodeResult
from tests.devices.conftest import RX, feed_all

MSH = ("MSH|^~\\&|CENTRAL^0011223344556677^EUI-64|FAC|||20240101120000+0000"
       "||ORU^R01^ORU_R01|C1|P|2.6")


def patient(mrn: str, bed: str, spo2: int | None = None, hr: int | None = None) -> list[str]:
    """One PATIENT_RESULT group: PID, PV1, and an OBR with the given rows (none when no value)."""
    rows = [f"PID|||{mrn}^^^HOSP^MR||DOE^{mrn}", f"PV1||I|ICU^^{bed}"]
    if spo2 is not None or hr is not None:
        rows.append("OBR|1|||182777000^monitoring^SNOMED-CT|||20240101120000+0000")
    if spo2 is not None:
        rows.append(f"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|{spo2}"
                    "|262688^MDC_DIM_PERCENT^MDC|||||R")
    if hr is not None:
        rows.append(f"OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|{hr}"
                    "|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R")
    return rows


def oru(*groups: list[str], msh: str = MSH) -> bytes:
    return ("\r".join([msh, *(row for group in groups for row in group)]) + "\r").encode()


def reasons(result: DecodeResult) -> list[str]:
    return [d.reason for d in result.dropped]


def answers(result: DecodeResult, stored: bool) -> list[bytes]:
    return [reply.answer(stored) for reply in result.replies]


def test_two_patients_in_one_message_give_no_reading_and_are_refused_not_to_be_resent() -> None:
    # Both had been the bound device's readings: SpO2 97 then 84, HR 72 then 131.
    result = decode_message(oru(patient("P1", "1", 97, 72), patient("P2", "2", 84, 131)), RX)
    assert result.readings == []
    assert reasons(result) == ["several-patients"]
    assert "2 patient groups" in result.dropped[0].detail
    # Never AA (nothing of it is stored), and AR, not AE: resent, it holds the same two patients.
    assert [reply.waits for reply in result.replies] == [False]
    both = answers(result, stored=True) + answers(result, stored=False)
    assert [b"MSA|AR|C1\r" in a for a in both] == [True, True]


def test_a_stream_reads_the_next_one_patient_message_after_a_refused_one() -> None:
    data = b"".join(b"\x0b" + m + b"\x1c\r" for m in (
        oru(patient("P1", "1", 97, 72), patient("P2", "2", 84, 131)),
        oru(patient("P1", "1", 96, 70), msh=MSH.replace("|C1|", "|C2|"))))
    result = feed_all(HL7Decoder(), data)
    assert sorted((r.metric, r.value) for r in result.readings) == [
        ("heart_rate", 70), ("spo2", 96)]
    assert reasons(result) == ["several-patients"]


def test_one_patients_rows_beside_patient_groups_without_rows_are_read() -> None:
    # A group with a PID and no OBX carries no values: nothing of another patient is mixed in.
    result = decode_message(oru(patient("P0", "3"), patient("P1", "1", 97, 72)), RX)
    assert sorted((r.metric, r.value) for r in result.readings) == [
        ("heart_rate", 72), ("spo2", 97)]
    assert reasons(result) == []
    assert [b"MSA|AA|C1\r" in a for a in answers(result, True)] == [True]


def test_a_mindray_bedside_values_message_with_two_patients_gives_no_reading() -> None:
    msh = "MSH|^~\\&|Mindray Monitor||||20260105090000+0000||ORU^R01|204|P|2.3.1"
    data = b"\x0b" + oru(patient("P1", "1", 97, 72), patient("P2", "2", 84, 131), msh=msh) \
        + b"\x1c\r"
    decoder = MindrayBedsideDecoder("sim")
    decoder.outgoing(0.0, RX)
    result = feed_all(decoder, data)
    assert result.readings == []
    assert reasons(result) == ["several-patients"]
    assert result.replies == []   # the bedside link acknowledges nothing


def test_a_message_of_two_patients_is_a_technical_alarm_at_the_chair() -> None:
    """Refused and not read, it left the chair with "no value" alarms and nothing saying why
    (a gateway sending only such messages): "Monitor message not read", as for a message the
    decoder failed on, naming the patients' groups."""
    from console.session import feed
    from devices.hl7.decoder import HL7Decoder
    from devices.stream import DecodeResult
    from devices.transport import DeviceEvent, EventKind
    from tests.session.helpers import Session

    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    now = s.now()
    at = now.wall.strftime("%Y%m%d%H%M%S+0000")
    rows = "".join(
        f"PID|||{mrn}\rOBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|{spo2}|"
        f"262688^MDC_DIM_PERCENT^MDC|||||R|||{at}\r" for mrn, spo2 in (("A-1", 84), ("B-2", 97)))
    message = f"MSH|^~\\&|GW||||{at}||ORU^R01|T1|P|2.6\r{rows}".encode()
    decoder = HL7Decoder("/dev/ttyUSB0")
    result = DecodeResult()
    result.extend(decoder.feed(b"\x0b" + message + b"\x1c\r", now.wall))
    assert feed.apply(s.engine, DeviceEvent(
        EventKind.DATA, "/dev/ttyUSB0", now.wall, now.mono, readings=tuple(result.readings),
        dropped=tuple(result.dropped), frames=result.frames), now)
    assert [o for o in s.recorder.observations() if o.metric == "spo2"] == []
    [row] = [o for o in s.engine.alarms() if o.condition == "device_unreadable"]
    assert (row.priority.label, row.category) == ("medium", "technical")
