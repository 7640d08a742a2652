"""A Dräger gateway's care unit and bed are written into the console's query as ASCII: a name
with any other character ("Intensiv Süd/Bett 3") is refused where it is given, in one line
naming the characters the query carries, before a port opens.

Before: `infusion-sim --format draeger-gateway --bed "Intensiv Süd/Bett 3"` and a profile's
`poll.bed` took it, but the query wrote it with '?' for 'ü' (`query._frame`: ASCII, replace),
so the gateway (the simulated one, as a real one) answered every query "Bed not found" and the
chair showed "no data".
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from devices.hl7.query import build_query, query_spec
from devices.profiles import ProfileError, load_profile
from devices.simulator import cli
from devices.simulator.physiology import Physiology
from devices.simulator.polled_monitor import PolledMonitor

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CARRIED = ("which the query cannot carry: give it in printable ASCII (letters, digits, spaces "
           "and punctuation but | ^ ~ \\ &), as the gateway's bed list spells it")


def gateway_answer(bed: str) -> bytes:
    """MSA of the simulated gateway serving `bed`, asked by the console's query for `bed`."""
    query = build_query(query_spec("draeger-gateway", bed=bed), "Q1", NOW)
    sample = next(Physiology({}, [], 1, 300).samples(1))
    answer = PolledMonitor("draeger-gateway", bed=bed).on_bytes(query, sample, NOW, NOW)
    return next(s for s in answer.split(b"\r") if s.startswith(b"MSA|"))


@pytest.mark.parametrize(("bed", "said"), [
    ("Intensiv Süd/Bett 3", "draeger-gateway: unit 'Intensiv Süd' holds 'ü', "),
    ("ICU1/Bett-Ä", "draeger-gateway: bed 'Bett-Ä' holds 'Ä', "),
    ("Stroke Unit/Bett\t3", "draeger-gateway: bed 'Bett\\t3' holds '\\t', "),
])
def test_a_unit_or_bed_the_query_cannot_carry_is_refused_naming_what_it_can(
        bed: str, said: str) -> None:
    with pytest.raises(ValueError) as refused:
        query_spec("draeger-gateway", bed=bed)
    assert str(refused.value) == said + CARRIED


def test_an_ascii_unit_and_bed_with_spaces_is_found_by_the_gateway() -> None:
    assert gateway_answer("Intensiv Sued/Bett 3").startswith(b"MSA|AA|Q1")


def test_infusion_sim_refuses_such_a_bed_in_one_line_before_a_port_opens(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def serve(*args: object, **kwargs: object) -> object:   # it answers until stopped
        raise AssertionError("a port was opened for a bed the query cannot carry")

    monkeypatch.setattr(cli, "answer_in_thread", serve)
    assert cli.main(["--format", "draeger-gateway", "--bed", "Intensiv Süd/Bett 3"]) == 2
    assert capsys.readouterr() == ("", "infusion-sim: error: --bed: draeger-gateway: unit "
                                       f"'Intensiv Süd' holds 'ü', {CARRIED}\n")


def test_a_profile_with_such_a_bed_is_refused_naming_poll_bed(tmp_path: Path) -> None:
    path = tmp_path / "chair-3-draeger.toml"
    path.write_text('model = "Chair 3"\nformat = "hl7-polled"\nconnection = "tcp"\n'
                    'dialect = "draeger-infinity"\n[poll]\nperiod_seconds = 5\n'
                    'query = "draeger-gateway"\nbed = "Intensiv Süd^^Bett 3"\n', encoding="utf-8")
    with pytest.raises(ProfileError) as refused:
        load_profile(path)
    assert str(refused.value) == (f"{path}: poll.bed: draeger-gateway: unit 'Intensiv Süd' "
                                  f"holds 'ü', {CARRIED}")
