"""An absence rule shorter than a monitor sends is refused: it alarms between two readings.

protocols/README.md, Conventions: "Durations are in minutes, except sustained_seconds and
absent_seconds". The shipped "no RR for 20 s" copied as a third of a minute,
`absent_seconds = 0.33`, loaded, and a monitor sending RR every second raised and cleared the
HIGH "No respiratory rate" alarm between each two readings of a patient breathing 14/min (a
review of the protocols). The least absence taken is 10 s: two answers of the slowest shipped
monitors, asked every 5 s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.profiles import builtin_profiles_dir, load_catalogue
from devices.reading import Reading
from protocols.loader import (
    MIN_ABSENT_SECONDS,
    ProtocolError,
    builtin_protocols_dir,
    load_or_refusal,
    load_protocol,
)
from tests.session.helpers import Session

pytestmark = pytest.mark.faults

SHIPPED = builtin_protocols_dir() / "iv-ketamine.toml"
# The shipped "no RR for 20 s" rule (high), the one a clinic copies.
NO_RR = next(i for i, r in enumerate(load_protocol(SHIPPED).alarms)
             if r.metric == "resp_rate" and r.absent_seconds is not None)


def clinic_copy(tmp_path: Path, absent: str) -> Path:
    """The shipped IV protocol under a clinic's id, its "no RR for 20 s" made `absent`."""
    text = SHIPPED.read_text(encoding="utf-8").replace('id = "iv-ketamine"\n',
                                                       'id = "clinic-iv"\n', 1)
    assert text.count("absent_seconds = 20\n") == 1
    path = tmp_path / "clinic-iv.toml"
    path.write_text(text.replace("absent_seconds = 20\n", f"absent_seconds = {absent}\n"),
                    encoding="utf-8")
    return path


def why(absent: str) -> str:
    return (f"clinic-iv.toml: alarms[{NO_RR}].absent_seconds: {absent} s is shorter than 10 s,"
            " the least absence the console takes: the slowest monitors it is shipped for are"
            " asked for their values every 5 s, and one answer a little late would raise"
            " resp_rate_low"
            " (high) between two readings of a patient with nothing wrong; absent_seconds is in"
            " seconds, 10–3600 s")


def test_twenty_seconds_written_as_a_third_of_a_minute_is_refused_naming_the_seconds(
        tmp_path: Path) -> None:
    # The clinic is told the figure, what is allowed, and what 0.33 min is in seconds.
    outcome = load_or_refusal(clinic_copy(tmp_path, "0.33"))
    assert isinstance(outcome, ProtocolError), "0.33 s loaded: an alarm between two readings"
    assert str(outcome) == why("0.33") + (
        " (minutes written? 0.33 min is about 20 s: absent_seconds = 20)")


@pytest.mark.parametrize("absent", ["0.1", "1", "5", "9.5"])
def test_an_absence_a_slow_monitor_cannot_keep_quiet_is_refused(tmp_path: Path,
                                                                absent: str) -> None:
    outcome = load_or_refusal(clinic_copy(tmp_path, absent))
    assert isinstance(outcome, ProtocolError), f"absent_seconds = {absent} loaded"
    minutes = float(absent) * 60
    hint = (f" (minutes written? {absent} min is {minutes:g} s: absent_seconds = {minutes:g})"
            if minutes >= 10 else " (the shipped rules wait 20 s: absent_seconds = 20)")
    assert str(outcome) == why(absent) + hint


@pytest.mark.parametrize("absent", [10, 20, 30])
def test_an_absence_of_ten_seconds_or_more_loads(tmp_path: Path, absent: int) -> None:
    outcome = load_or_refusal(clinic_copy(tmp_path, str(absent)))
    assert not isinstance(outcome, ProtocolError), str(outcome)
    assert outcome.alarms[NO_RR].absent_seconds == absent


def test_at_the_least_absence_a_breathing_patient_on_a_1hz_monitor_raises_nothing(
        tmp_path: Path) -> None:
    protocol = load_protocol(clinic_copy(tmp_path, "10"))
    s = Session(protocol)
    s.engine.device_state_changed("connected", s.now())
    # RR 14 and SpO2 98 every second for half a minute, the console ticking between messages.
    for n in range(1, 30):
        now = s.t(n)
        s.engine.ingest_message([Reading("resp_rate", 14, "breaths/min", now.wall, now.wall,
                                         "hl7:MON"),
                                 Reading("spo2", 98, "%", now.wall, now.wall, "hl7:MON")], now)
        s.t(n + 0.5)
    assert [t for t in s.recorder.transitions() if t[0].startswith("resp_rate")] == []
    # The RR stops while SpO2 goes on: 10 s later the nurse has the high alarm.
    for n in range(30, 41):
        now = s.t(n)
        s.engine.ingest_message([Reading("spo2", 98, "%", now.wall, now.wall, "hl7:MON")], now)
    assert ("resp_rate_low", "high", "active") in s.shown()


def test_every_shipped_monitor_answers_twice_within_the_least_absence() -> None:
    # The floor's reason: no shipped monitor waits longer between two answers than half of it,
    # the same two periods its own "no data" watchdog allows.
    catalogue = load_catalogue([builtin_profiles_dir()])
    assert catalogue.errors == [] and catalogue.profiles
    slowest = max(catalogue.profiles.values(), key=lambda p: p.stale_after_seconds)
    assert slowest.stale_after_seconds <= MIN_ABSENT_SECONDS, slowest.describe()
