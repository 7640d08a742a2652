"""Shared fixtures for the device decoder tests: the third-party samples and chunked feeding."""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from devices.stream import DecodeResult, StreamDecoder

# <repo root>/../shared/device-samples, resolved from this file (tests/devices/conftest.py).
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "device-samples"
RX = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
# The reason a decoder's guard gives when decoding raised (devices.framing.FramedDecoder around
# every framer and frame, devices.hl7.decoder.decode_message around every message): the stream
# survives, but such a drop is a bug. test_fuzz pins the key to both guards.
DECODER_ERROR = "decoder-error"


@pytest.fixture(autouse=True)
def station_zone() -> Iterator[Callable[[str], None]]:
    """Set the station's zone (TZ) for a test; UTC unless the test names another.

    Device times sent without a zone are read in the station's zone (devices.reading.
    STATION_ZONE), so tests that expect a UTC instant from such a time pin it here instead of
    depending on the machine that runs them.
    """
    before = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    set_zone("UTC")
    yield set_zone
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def samples_dir() -> Path:
    """The shared device-samples folder; skips the test when it is absent."""
    if not SAMPLES.is_dir():
        pytest.skip(f"device samples not found at {SAMPLES}")
    return SAMPLES


def random_chunks(data: bytes, seed: int, largest: int = 97) -> list[bytes]:
    """Split `data` into seeded random pieces of 1..`largest` bytes."""
    rng = random.Random(seed)
    pieces, pos = [], 0
    while pos < len(data):
        size = rng.randint(1, largest)
        pieces.append(data[pos : pos + size])
        pos += size
    return pieces


def feed_all(decoder: StreamDecoder, data: bytes, seed: int | None = None) -> DecodeResult:
    """Feed `data` whole (seed None) or in seeded random chunks, then flush; return everything."""
    result = DecodeResult()
    for piece in [data] if seed is None else random_chunks(data, seed):
        result.extend(decoder.feed(piece, RX))
    result.extend(decoder.flush(RX))
    return result


READER_THREAD_PREFIXES = ("device-reader:", "device-simulator")


def _our_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(READER_THREAD_PREFIXES) and t.is_alive()]


@pytest.fixture
def stoppers() -> Iterator[list[Callable[[], object]]]:
    """Register `conn.stop` / `handle.stop`; all are called at teardown, then no reader or
    simulator thread may be left alive."""
    before = set(_our_threads())
    to_stop: list[Callable[[], object]] = []
    yield to_stop
    for stop in reversed(to_stop):
        stop()
    leaked = [t.name for t in _our_threads() if t not in before]
    assert not leaked, f"threads left alive after the test: {leaked}"


COMEN_SAMPLE = "comen-nc-monitor-test-sender.hl7"
COMEN_CUT_AT = b"OBX||NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|80|266016^M"
"""Where `restarted_mid_message` cuts the Comen sample's first message: inside its diastolic row,
after the value, in the unit."""


def restarted_mid_message(samples: Path) -> tuple[bytes, bytes, bytes]:
    """The Comen sample's two bare messages as a monitor that starts again mid-message sends
    them (a power blip, a port reopened): the first cut inside its diastolic row, the second's
    MSH straight after the cut bytes, without a CR.

    Returns:
        (the stream, the first message's rows before the cut row, the second message).
    """
    data = (samples / COMEN_SAMPLE).read_bytes()
    second_at = data.rindex(b"MSH|")
    first, second = data[:second_at], data[second_at:]
    row_at = first.index(COMEN_CUT_AT)
    return first[: row_at + len(COMEN_CUT_AT)] + second, first[:row_at], second
