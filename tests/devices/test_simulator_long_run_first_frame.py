"""A long soak run (`infusion-sim --duration-minutes 1440`) sends its first frame as soon as the
console has opened the port, stamped with the time the reader came.

Before: once the reader came the program compiled the whole day's timeline again (86,400 HL7
messages, 4.4-4.6 s; the first compile, before the wait, as long), so its first byte came after
the console's 4 s HL7 watchdog had raised "no data", and every message was stamped that much
before it was sent. Now the frames are made as they are played, the device's clock starting
when the reader came. The program runs here in this process against a stand-in port whose
reader comes when the test says, on a wall clock the test sets: nothing waits on real time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from devices.simulator import cli
from devices.simulator.acks import Ack
from devices.simulator.encode import Hl7Encoder
from devices.simulator.physiology import Sample
from devices.simulator.sinks import PlayerStats

STARTED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
READER_AFTER = timedelta(seconds=90)   # the console opens the port a minute and a half later


class WallClock:
    """The program's wall clock, set by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class ConsolePort:
    """A pty of the program's own, as the console sees it: its reader comes after READER_AFTER
    (the wall clock moved on), takes the first frame, and the test then stops the program."""

    path = "/tmp/infusion-sim-test/port"

    def __init__(self, clock: WallClock, frames_made: Callable[[], int]) -> None:
        self._clock = clock
        self._frames_made = frames_made
        self.made_when_the_reader_came = -1
        self.made_when_the_first_byte_went = -1
        self.received: list[bytes] = []

    def wait_for_reader(self, stop: threading.Event, stats: PlayerStats) -> bool:
        self._clock.now += READER_AFTER
        self.made_when_the_reader_came = self._frames_made()
        return True

    def write(self, data: bytes, stop: threading.Event, stats: PlayerStats) -> bool:
        if not self.received:
            self.made_when_the_first_byte_went = self._frames_made()
        self.received.append(data)
        stop.set()   # the first frame is all this test reads: end the run (as SIGTERM does)
        return True

    def wait(self, seconds: float, stats: PlayerStats) -> None:
        pass

    def take_acks(self) -> list[Ack]:
        return []

    def unplug(self) -> None:
        pass

    def replug(self) -> None:
        pass

    def unread(self) -> int:
        return 0

    def close(self) -> None:
        pass


@pytest.fixture
def frames_made(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many HL7 messages the program has encoded so far."""
    made = [0]
    encode = Hl7Encoder.frame

    def counted(self: Hl7Encoder, sample: Sample, at: datetime, start: datetime) -> bytes:
        made[0] += 1
        return encode(self, sample, at, start)

    monkeypatch.setattr(Hl7Encoder, "frame", counted)
    return lambda: made[0]


def run_a_day(monkeypatch: pytest.MonkeyPatch, frames_made: Callable[[], int]) -> ConsolePort:
    clock = WallClock(STARTED)
    port = ConsolePort(clock, frames_made)
    monkeypatch.setattr(cli, "open_sink", lambda path, fmt: port)
    assert cli.main(["--scenario", "normal", "--format", "hl7", "--duration-minutes", "1440"],
                    now=clock) == 0
    return port


def test_the_first_frame_of_a_days_run_is_the_only_one_made_before_it_is_sent(
        monkeypatch: pytest.MonkeyPatch, frames_made: Callable[[], int]) -> None:
    port = run_a_day(monkeypatch, frames_made)
    assert len(port.received) == 1
    # Once the reader came, one message was made before the first went: not the day's 86,400
    # (seconds of work, past the console's 4 s watchdog), nor any made before the wait.
    made = port.made_when_the_first_byte_went - port.made_when_the_reader_came
    assert (port.made_when_the_reader_came, made) == (0, 1)


def test_the_first_frame_is_stamped_when_the_reader_came(
        monkeypatch: pytest.MonkeyPatch, frames_made: Callable[[], int]) -> None:
    port = run_a_day(monkeypatch, frames_made)
    msh = port.received[0].split(b"\r")[0].split(b"|")
    # MSH-7: the device's clock starts with the scenario, when the console opened the port.
    assert msh[6] == (STARTED + READER_AFTER).strftime("%Y%m%d%H%M%S+0000").encode()
