"""What every benchmark shares: result rows, timing statistics, resident memory, HL7 test messages.

No Qt here: the benchmarks that draw import Qt themselves, inside their own child process.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL_FILE = ROOT / "protocols" / "iv-ketamine.toml"


@dataclass
class Row:
    """One line of the table (and of the JSON).

    Attributes:
        id: P1..P8, the quality bar this row is judged against.
        case: a second line for the same bar ("", "follow view", "at 20 sessions").
        what: what was measured, in a few words.
        figure / unit: the console's figure.
        peer: the peer's figure in the same unit, when the bar has a peer.
        ratio: how the figure compares with the peer, oriented so that the bar reads it
            (throughput: figure / peer; time: figure / peer).
        bar: the bar, as text.
        passed: the verdict; None for rows that only inform.
        details: anything else worth keeping (percentiles, counts, parameters).
    """

    id: str
    what: str
    figure: float | None
    unit: str
    bar: str
    passed: bool | None
    case: str = ""
    peer: float | None = None
    ratio: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) by the nearest-rank method: a value that was measured."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def rss_mib() -> float:
    """This process's resident set size in MiB (Linux: /proc/self/status VmRSS)."""
    return _status_kib("VmRSS") / 1024


def peak_rss_mib() -> float:
    """This process's peak resident set size in MiB (VmHWM)."""
    return _status_kib("VmHWM") / 1024


def _status_kib(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return float(line.split()[1])
    return math.nan


def cache_dir() -> Path:
    """Where built benchmark data is kept between runs ($BENCH_CACHE or the user's cache)."""
    base = os.environ.get("BENCH_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "infusion-console-bench")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------- HL7 test messages

# Six numeric OBX rows, the six vitals the console charts, with the MDC codes and units bedside
# monitors send in IHE PCD-01 (the same codes the simulator uses).
_ROWS = (
    ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "1.3.1.1", "266016^MDC_DIM_MMHG^MDC", "90^160", 124, 9),
    ("150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "1.3.1.2", "266016^MDC_DIM_MMHG^MDC", "50^90", 78, 6),
    ("150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", "1.3.1.3", "266016^MDC_DIM_MMHG^MDC", "60^110", 93, 6),
    ("147842^MDC_ECG_HEART_RATE^MDC", "1.1.1.1", "264864^MDC_DIM_BEAT_PER_MIN^MDC", "50^110", 72, 8),
    ("151562^MDC_RESP_RATE^MDC", "1.1.2.1", "264928^MDC_DIM_RESP_PER_MIN^MDC", "12^24", 15, 3),
    ("150456^MDC_PULS_OXIM_SAT_O2^MDC", "1.2.1.1", "262688^MDC_DIM_PERCENT^MDC", "94^100", 97, 2),
)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _ts(t: datetime) -> str:
    return t.strftime("%Y%m%d%H%M%S") + "+0000"


def pcd01_message(i: int) -> str:
    """HL7 ORU^R01 message number `i` (segments joined by CR, no MLLP envelope), about 1 KB.

    MSH, PID, PV1, OBR and six numeric OBX rows with units, reference ranges, OBX-11 `R`,
    OBX-14 times: the shape of a PCD-01 message from a gateway.
    Values vary with `i` so no two messages are equal.
    """
    at = START + timedelta(seconds=i)
    control = f"MSG{i:08d}"
    segments = [
        "MSH|^~\\&|MONITOR^0200000000ABCDEF^EUI-64|WARD-3|CONSOLE|WARD-3|" + _ts(at)
        + "||ORU^R01^ORU_R01|" + control + "|P|2.6|||NE|AL||UNICODE UTF-8|||"
        "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
        "PID|||MRN-4711^^^HOSP^MR||DOE^JANE^^^^^L||19800101|F",
        "PV1||I|WARD-3^ROOM-12^BED-1",
        "OBR|1|" + control + "^MONITOR|" + control
        + "^MONITOR|182777000^monitoring of patient^SNOMED-CT|||" + _ts(at),
    ]
    for n, (code, path, unit, limits, centre, spread) in enumerate(_ROWS, start=1):
        value = centre + (i * 7 + n * 13) % (2 * spread + 1) - spread
        segments.append(f"OBX|{n}|NM|{code}|{path}|{value}|{unit}|{limits}||||R|||{_ts(at)}")
    return "\r".join(segments) + "\r"


def mllp(message: str) -> bytes:
    return b"\x0b" + message.encode("utf-8") + b"\x1c\r"


def machine_info() -> dict[str, Any]:
    import platform
    import sqlite3
    import sys

    info: dict[str, Any] = {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "sqlite": sqlite3.sqlite_version,
    }
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpu:
            names = [line.split(":", 1)[1].strip() for line in cpu if line.startswith("model name")]
        info["cpu_model"] = names[0] if names else ""
    except OSError:
        info["cpu_model"] = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as mem:
            info["memory_mib"] = round(int(mem.readline().split()[1]) / 1024)
    except OSError:
        pass
    from importlib import metadata

    for dist in ("PySide6-Essentials", "pyqtgraph", "hl7", "sqlite-utils", "pyserial", "numpy"):
        try:
            info[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            info[dist] = None
    try:
        from PySide6 import QtCore

        info["qt"] = QtCore.qVersion()
    except ImportError:
        info["qt"] = None
    return info


class NoAnswers:
    """The nurse's dialogs in a benchmark: every question declined, every reason left empty."""

    def ask(self, title: str, message: str, action: str = "Record",
            refresh: Callable[[], str] | None = None) -> str:
        return ""

    def confirm(self, message: str) -> bool:
        return False

    def agree(self, title: str, message: str, action: str,
              refresh: Callable[[], str] | None = None) -> bool:
        return False


def time_decoder(fmt: str, stream: bytes, chunk: int, frames_expected: int,
                 readings_per_frame: int) -> float:
    """Seconds a fresh `FORMATS[fmt]` decoder takes to read `stream` fed in `chunk`-byte reads
    (P1, P1b), after checking it found every frame and reading.

    Raises:
        RuntimeError: it found another count (a figure of a broken decoder means nothing).
    """
    from devices.formats import FORMATS

    decoder = FORMATS[fmt].new_decoder("bench")
    received = datetime.now(UTC)
    readings = frames = 0
    start = time.perf_counter()
    for pos in range(0, len(stream), chunk):
        result = decoder.feed(stream[pos : pos + chunk], received)
        readings += len(result.readings)
        frames += result.frames
    elapsed = time.perf_counter() - start
    expected = readings_per_frame * frames_expected
    if frames != frames_expected or readings != expected:
        raise RuntimeError(f"{fmt} decoder found {frames} frames / {readings} readings, "
                           f"expected {frames_expected} / {expected}")
    return elapsed
