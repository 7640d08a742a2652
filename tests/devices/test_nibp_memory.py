"""An NIBP without a time of its own is reported once per measurement (devices.stream.UnplacedNibp),
and that memory follows the commit and the connection, not one decoder: a failed commit does not
lose the measurement, a replug does not log it again (review 37, devices defects 1 and 2)."""

from __future__ import annotations

from datetime import datetime

from console.session import feed
from devices.ansar_b import AnsarBDecoder
from devices.formats import FORMATS
from devices.hl7.decoder import HL7Decoder
from devices.reading import AGE_UNKNOWN
from devices.stream import StreamDecoder, UnplacedNibp
from devices.transport import DeviceEvent
from tests.session.helpers import Session

IVY = "/dev/ttyUSB0"
MONITOR = "socket://monitor:4601"


def ivy_frame(nibp: str) -> bytes:
    return (b"\xffANSAR-B " + bytes(400)
            + f"HR=1;80;ECG-II-DIAG;\rSPO2=1;97;PR=80 ;\r{nibp}\r".encode() + b"\xfe")


def hl7_untimed_nibp(control_id: str, spo2: int, at: datetime, nibp: tuple[int, int] = (185, 112)
                     ) -> bytes:
    """A PCD-01 message: SpO2 now, and the monitor's last NIBP with OBX-14 all zeros ("never")."""
    systolic, diastolic = nibp
    now = at.strftime("%Y%m%d%H%M%S+0000")
    rows = [
        f"MSH|^~\\&|MON||||{now}||ORU^R01^ORU_R01|{control_id}|P|2.6",
        f"OBR|1||||||{now}",
        f"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|{spo2}|262688^MDC_DIM_PERCENT^MDC"
        f"|||||R|||{now}",
        f"OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|{systolic}|266016^MDC_DIM_MMHG^MDC"
        "|||||R|||00000000000000",
        f"OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|{diastolic}|266016^MDC_DIM_MMHG^MDC"
        "|||||R|||00000000000000",
    ]
    return b"\x0b" + "\r".join(rows).encode() + b"\r\x1c\r"


class FailingWrites:
    """The session's recorder, whose next write fails as a bug would (not a LogError: the
    engine puts itself back as it was)."""

    def __init__(self, s: Session) -> None:
        self.real = s.recorder.write
        self.fail_next = False
        s.recorder.write = self.write  # type: ignore[method-assign, assignment]

    def write(self, records: object) -> object:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("a bug in the write (not a LogError)")
        return self.real(records)  # type: ignore[arg-type]


def deliver(s: Session, decoder: StreamDecoder, url: str, payload: bytes) -> tuple[bool, bytes]:
    """What the transport and the console do with one read: decode, apply, answer."""
    now = s.now()
    result = decoder.feed(payload, now.wall)
    event = DeviceEvent.data(url, now.wall, now.mono, result)
    try:
        stored = feed.apply(s.engine, event, now)
    except RuntimeError:
        stored = False
    answers = b"".join(reply.answer(stored) for reply in result.replies)
    return stored, answers


def logged(s: Session, metric: str) -> list[tuple[float, bool]]:
    """(value, age unknown) of each logged `metric` row."""
    return [(o.value, AGE_UNKNOWN in o.flags) for o in s.recorder.observations()
            if o.metric == metric]


def test_hl7_untimed_nibp_of_a_message_answered_ae_is_logged_when_the_monitor_resends() -> None:
    s = Session()
    writes = FailingWrites(s)
    decoder = HL7Decoder(MONITOR)
    # 1 s: SpO2 97 and NIBP 185/112 without a time; the commit fails (a bug): AE
    s.t(1)
    message = hl7_untimed_nibp("M1", 97, s.now().wall)
    writes.fail_next = True
    stored, ack = deliver(s, decoder, MONITOR, message)
    assert not stored and b"MSA|AE|M1" in ack
    # 2 s: the monitor resends M1 unchanged: logged whole, NIBP included, and answered AA
    s.t(2)
    stored, ack = deliver(s, decoder, MONITOR, message)
    assert stored and b"MSA|AA|M1" in ack
    assert logged(s, "bp_systolic") == [(185, True)]   # on the monitor when the console connected
    assert logged(s, "bp_diastolic") == [(112, True)]


def test_ivy_cuff_measurement_whose_frame_failed_to_commit_is_logged_from_the_next_frame() -> None:
    s = Session()
    writes = FailingWrites(s)
    decoder = AnsarBDecoder(IVY)
    # 1-19 s: no cuff measurement yet
    for n in range(1, 20):
        s.t(n)
        deliver(s, decoder, IVY, ivy_frame("NIBP=4;;;;;;"))
    # 20 s: the cuff measured 150/95; this frame's commit fails
    s.t(20)
    writes.fail_next = True
    stored, _ = deliver(s, decoder, IVY, ivy_frame("NIBP=4;150;95;113;80;;"))
    assert not stored
    # 21-39 s: the monitor repeats it in every frame: the next frame brings it, once
    for n in range(21, 40):
        s.t(n)
        deliver(s, decoder, IVY, ivy_frame("NIBP=4;150;95;113;80;;"))
    assert len(logged(s, "heart_rate")) == 38
    assert logged(s, "bp_systolic") == [(150, False)]   # seen come, not "age unknown"


def test_ivy_cuff_measurement_seen_live_is_not_logged_again_after_a_replug() -> None:
    s = Session()
    nibp = UnplacedNibp()   # the connection's (DeviceConnection._nibp)

    def reopened() -> StreamDecoder:
        nibp.new_connection()
        return FORMATS["ansar-b"].new_decoder(IVY, nibp)

    decoder = reopened()
    # 1-19 s: no cuff measurement; 20-59 s: 150/95, seen come at 20 s
    for n in range(1, 60):
        s.t(n)
        deliver(s, decoder, IVY, ivy_frame("NIBP=4;;;;;;" if n < 20 else "NIBP=4;150;95;113;80;;"))
    # 60 s: the USB adapter drops out and comes back: a fresh decoder, the same memory
    decoder = reopened()
    for n in range(61, 70):
        s.t(n)
        deliver(s, decoder, IVY, ivy_frame("NIBP=4;150;95;113;80;;"))
    assert logged(s, "bp_systolic") == [(150, False)]
    # 70 s: replugged again, and the cuff measured meanwhile: when, nothing tells
    decoder = reopened()
    s.t(70)
    deliver(s, decoder, IVY, ivy_frame("NIBP=4;140;90;107;78;;"))
    assert logged(s, "bp_systolic") == [(150, False), (140, True)]


def test_two_untimed_nibps_whose_commits_both_fail_are_both_reported_again_on_resend() -> None:
    """The reader decodes the next message while the owner commits the last: B and C decoded,
    then both commits fail (B's first). Each resend must bring its own NIBP back."""
    s = Session()
    decoder = HL7Decoder(MONITOR)
    s.t(1)
    deliver(s, decoder, MONITOR, hl7_untimed_nibp("M1", 97, s.now().wall, (120, 80)))
    s.t(2)
    message_b = hl7_untimed_nibp("M2", 97, s.now().wall, (185, 112))
    decoded_b = decoder.feed(message_b, s.now().wall)
    s.t(3)
    message_c = hl7_untimed_nibp("M3", 96, s.now().wall, (190, 115))
    decoded_c = decoder.feed(message_c, s.now().wall)
    for decoded in (decoded_b, decoded_c):   # the owner could not take either: AE, AE
        DeviceEvent.data(MONITOR, s.now().wall, s.now().mono, decoded).rolled_back()
    s.t(4)
    stored, ack = deliver(s, decoder, MONITOR, message_b)
    assert stored and b"MSA|AA|M2" in ack
    s.t(5)
    stored, ack = deliver(s, decoder, MONITOR, message_c)
    assert stored and b"MSA|AA|M3" in ack
    assert [value for value, _ in logged(s, "bp_systolic")] == [120, 185, 190]


def test_an_undo_run_twice_forgets_one_measurement_not_the_one_before() -> None:
    """A failed hand-over is undone by the owner and again by the transport: the second undo must
    not take out the measurement before, which was committed (the monitor would log it twice)."""
    s = Session()
    decoder = HL7Decoder(MONITOR)
    s.t(1)
    deliver(s, decoder, MONITOR, hl7_untimed_nibp("M1", 97, s.now().wall, (120, 80)))
    s.t(2)
    message_b = hl7_untimed_nibp("M2", 97, s.now().wall, (185, 112))
    event = DeviceEvent.data(MONITOR, s.now().wall, s.now().mono,
                             decoder.feed(message_b, s.now().wall))
    event.rolled_back()
    event.rolled_back()
    s.t(3)   # the monitor had not yet moved on: it still repeats 120/80 (M1's)
    deliver(s, decoder, MONITOR, hl7_untimed_nibp("M3", 97, s.now().wall, (120, 80)))
    assert [value for value, _ in logged(s, "bp_systolic")] == [120]
