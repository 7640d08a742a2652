"""`infusion-console decode`: run as a subprocess on every sample; usage errors exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FORMAT_OF = {".hl7": "hl7", ".bin": "ansar-b"}


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", "from devices.decode_tool import main; raise SystemExit(main())",
         *args],
        input=stdin, capture_output=True, cwd=REPO, timeout=60, check=False,
    )


def fmt_for(path: Path) -> str:
    return "masimo" if path.name.startswith("masimo") else FORMAT_OF[path.suffix]


def test_every_sample(samples_dir: Path) -> None:
    samples = [p for p in sorted(samples_dir.iterdir())
               if p.suffix in (".hl7", ".bin") or p.name.startswith("masimo")]
    expected_readings = {
        "comen-nc-monitor-test-sender.hl7": 14, "continua-wan-ipf-bp.hl7": 3,
        "continua-wan-ipf-oximeter.hl7": 1, "ihe-pcd01-ipf-ack-error-response.hl7": 0,
        "ihe-pcd01-ipf-ack-response.hl7": 0, "ihe-pcd01-ipf-aware-gateway-ibp-ecg.hl7": 2,
        "ihe-pcd01-ipf-maximum-request-edgecases.hl7": 2, "ihe-pcd01-ipf-nibp-request.hl7": 3,
        "ivy-450c-ansar-b-capture.bin": 112,  # its one NIBP once, not 27 times
        "masimo-rad-serial-ascii-lines.txt": 2,
        "philips-intellivue-mx500-pocd-ig-example.hl7": 1,
    }
    assert sorted(p.name for p in samples) == sorted(expected_readings)
    for path in samples:
        proc = run("--format", fmt_for(path), str(path))
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.decode().splitlines()
        assert len(lines) == expected_readings[path.name], path.name
        for line in lines:
            obj = json.loads(line)
            assert set(obj) == {"metric", "value", "unit", "measured_at", "received_at",
                                "source", "channel", "flags"}
            assert obj["received_at"].endswith("+00:00")
            assert obj["flags"] == sorted(obj["flags"])
        err = proc.stderr.decode()
        assert f"{len(lines)} readings" in err and "frames" in err
        assert "Traceback" not in err


def test_json_values_and_summary_for_oximeter(samples_dir: Path) -> None:
    proc = run("--format", "hl7", str(samples_dir / "continua-wan-ipf-oximeter.hl7"))
    (obj,) = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert obj["metric"] == "spo2" and obj["value"] == 80.5 and obj["unit"] == "%"
    assert obj["measured_at"] == "2009-07-15T07:07:07+00:00"
    assert obj["source"] == "hl7:AcmeInc^ACDE48234567ABCD^EUI-64"
    assert obj["channel"] == "1.0.0.1" and obj["flags"] == []
    err = proc.stderr.decode()
    assert "1 frames, 1 readings, 1 dropped, 0 warnings, 1 replies" in err
    assert "waveform-skipped: 1" in err and "e.g. " in err


def test_summary_counts_warnings_on_kept_values_apart_from_drops(samples_dir: Path) -> None:
    # QA: the Comen sample's two PR rows (code 149522 named MDC_PULS_RATE) are printed as
    # readings, yet the summary said "14 dropped" including them. 26 OBX rows: 14 kept, 12 not.
    proc = run("--format", "hl7", str(samples_dir / "comen-nc-monitor-test-sender.hl7"))
    readings = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(readings) == 14
    assert len([r for r in readings if r["channel"] == "1.0.0.149522"]) == 2
    err = proc.stderr.decode()
    assert "2 frames, 14 readings, 12 dropped, 2 warnings, 2 replies" in err
    dropped, warnings = err.split("warnings by reason (values kept):")
    assert "name-mismatch" not in dropped and "not-monitored: 10" in dropped
    assert "unknown-code: 2" in dropped
    assert "  name-mismatch: 2" in warnings and "trusting the code" in warnings


def test_stdin(samples_dir: Path) -> None:
    data = (samples_dir / "masimo-rad-serial-ascii-lines.txt").read_bytes()
    proc = run("--format", "masimo", "-", stdin=data)
    assert proc.returncode == 0
    assert [json.loads(x)["value"] for x in proc.stdout.decode().splitlines()] == [98, 123]
    assert "<stdin> (masimo)" in proc.stderr.decode()


@pytest.mark.parametrize("args,needle", [
    (("--format", "nonin", "x.bin"), "unknown --format 'nonin'; allowed: hl7, masimo, ansar-b"),
    (("--format", "hl7", "/no/such/file.hl7"), "cannot read FILE '/no/such/file.hl7': no such "
                                                 "file"),
    (("--format", "hl7", "/"), "it is a directory"),
    (("x.hl7",), "required: --format"),
    ((), "required: --format, FILE"),
])
def test_bad_usage_exits_2_with_one_clear_line(args: tuple[str, ...], needle: str) -> None:
    proc = run(*args)
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert proc.stdout == b""


def test_help_exits_0() -> None:
    proc = run("--help")
    assert proc.returncode == 0 and b"--format" in proc.stdout


def test_decoders_never_import_qt() -> None:
    code = ("import sys, devices.formats, devices.decode_tool, devices.framing; "
            "print([m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=REPO,
                          timeout=60, check=True)
    assert proc.stdout.strip() == b"[]"
