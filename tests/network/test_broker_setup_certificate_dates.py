"""`network setup`'s certificates: from when and until when they are good. They were valid from
the very second of the set-up, so a chair whose clock was a minute behind the broker machine's
was refused ("outside its dates; renew it on the broker"), and a new set-up made the same again;
and nothing it wrote or printed said when the broker's certificate expires (825 days on, every
chair and the central station lose the bus at once), so IT could not plan the renewal."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network import broker_setup

SET_UP_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
# 825 days from an hour before the set-up.
EXPIRES = datetime(2028, 6, 4, 9, 0, tzinfo=UTC)


def set_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    out = tmp_path / "clinic-broker"
    code = broker_setup.main(["setup", "--chairs", "2", "--host", "broker.clinic.lan",
                              "--out", str(out)], clock=ManualClock(SET_UP_AT))
    printed, err = capsys.readouterr()
    assert (code, err) == (0, "")
    return out, printed


def accepted_at(out: Path, at: datetime) -> bool:
    """Whether a chair whose clock reads `at` accepts the broker's certificate (openssl's own
    check against ca.crt, as TLS does it, at that time)."""
    done = subprocess.run(
        ["openssl", "verify", "-attime", str(int(at.timestamp())), "-purpose", "sslserver",
         "-CAfile", str(out / "ca.crt"), str(out / "server.crt")],
        capture_output=True, text=True, check=False)
    return done.returncode == 0


def test_a_chair_whose_clock_is_behind_the_brokers_accepts_the_certificate(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = set_up(tmp_path, capsys)
    assert accepted_at(out, SET_UP_AT)
    # A minute behind, and most of an hour behind: accepted.
    assert accepted_at(out, SET_UP_AT - timedelta(minutes=1))
    assert accepted_at(out, SET_UP_AT - timedelta(minutes=59))
    # A clock more than an hour behind is wrong: the chair says to set it right.
    assert not accepted_at(out, SET_UP_AT - timedelta(hours=2))


def test_the_summary_and_mosquitto_conf_say_when_the_certificate_expires(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, printed = set_up(tmp_path, capsys)
    # The date said is the certificate's own.
    assert accepted_at(out, EXPIRES - timedelta(minutes=1))
    assert not accepted_at(out, EXPIRES + timedelta(minutes=1))
    assert ("the broker's certificate expires on 2028-06-04 09:00 UTC: before then, run the "
            "set-up again and give every station its new kit") in printed
    conf = (out / "mosquitto.conf").read_text(encoding="utf-8")
    assert ("# server.crt is valid from 2026-03-02 09:00 UTC until 2028-06-04 09:00 UTC "
            "(ca.crt until 2036-02-28 09:00 UTC).") in conf
    assert "# Before then, run the set-up again" in conf


def test_the_set_up_leaves_only_its_certificates_and_keys(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Signing with `openssl ca` keeps a database and copies: none of it is left in the folder.
    out, _ = set_up(tmp_path, capsys)
    assert sorted(p.name for p in out.iterdir()) == [
        "acl", "ca.crt", "ca.key", "clinic-broker.service", "credentials.txt", "data",
        "mosquitto.conf", "passwd", "server.crt", "server.key", "stations"]
