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
        # 149522: Comen's (named MDC_PULS_RATE) is its pulse rate; the Aware gateway's is an
        # arterial line's, dropped. Its one cuff measurement once, not in both messages.
        "comen-nc-monitor-test-sender.hl7": 11, "continua-wan-ipf-bp.hl7": 3,
        "continua-wan-ipf-oximeter.hl7": 1, "ihe-pcd01-ipf-ack-error-response.hl7": 0,
        "ihe-pcd01-ipf-ack-response.hl7": 0, "ihe-pcd01-ipf-aware-gateway-ibp-ecg.hl7": 1,
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
    # QA: a kept value's doubt was counted as dropped. 26 OBX rows of the Comen sample: 11 kept
    # (its pulse rate, 149522 named MDC_PULS_RATE, among them), 12 not, and the second
    # message's cuff, the first one's sent again (one nibp-repeat for its 3 rows).
    proc = run("--format", "hl7", str(samples_dir / "comen-nc-monitor-test-sender.hl7"))
    readings = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(readings) == 11
    assert len([r for r in readings if r["channel"] == "1.0.0.149522"]) == 2
    err = proc.stderr.decode()
    assert "2 frames, 11 readings, 13 dropped, 0 warnings, 2 replies" in err
    assert "not-monitored: 10" in err and "unknown-code: 2" in err and "nibp-repeat: 1" in err
    # A kept value's doubt is a warning apart from the drops (OBX-4 ends in another code).
    data = (samples_dir / "comen-nc-monitor-test-sender.hl7").read_bytes().replace(
        b"1.3.1.150456|97", b"1.3.1.150457|97")
    err = run("--format", "hl7", "-", stdin=data).stderr.decode()
    dropped, warnings = err.split("warnings by reason (values kept):")
    assert "path-mismatch" not in dropped and "  path-mismatch: 2" in warnings


def test_stdin(samples_dir: Path) -> None:
    data = (samples_dir / "masimo-rad-serial-ascii-lines.txt").read_bytes()
    proc = run("--format", "masimo", "-", stdin=data)
    assert proc.returncode == 0
    assert [json.loads(x)["value"] for x in proc.stdout.decode().splitlines()] == [98, 123]
    assert "<stdin> (masimo)" in proc.stderr.decode()


@pytest.mark.parametrize("args,needle", [
    (("--format", "nonin", "x.bin"), "--format: unknown device profile or format 'nonin'; known: "),
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


def test_reading_standard_input_when_there_is_none_exits_2_with_one_clear_line() -> None:
    # Review 47: run from a service or with `<&-`, Python has no sys.stdin at all; `-` gave an
    # AttributeError traceback.
    proc = subprocess.run(
        ["sh", "-c", '"$0" "$@" <&-', sys.executable, "-c",
         "from devices.decode_tool import main; raise SystemExit(main())", "--format", "hl7", "-"],
        capture_output=True, cwd=REPO, timeout=60, check=False)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err
    assert err.startswith("infusion-console decode: error: no standard input to read: give a "
                          "capture file")
    assert len(err.strip().splitlines()) == 1 and proc.stdout == b""


def test_help_exits_0() -> None:
    proc = run("--help")
    assert proc.returncode == 0 and b"--format" in proc.stdout


def test_decoders_never_import_qt() -> None:
    code = ("import sys, devices.formats, devices.decode_tool, devices.framing; "
            "print([m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=REPO,
                          timeout=60, check=True)
    assert proc.stdout.strip() == b"[]"


def test_an_nibp_of_unknown_age_shows_no_measured_time_in_any_format(samples_dir: Path) -> None:
    # QA: HL7 with OBX-14 00000000000000 flagged AGE_UNKNOWN but gave the message time as
    # measured_at; ANSAR-B gave null. Both now say null: the time of that measurement is unknown.
    rows = "".join(f"OBX|{i}|NM|{code}^{name}^MDC|1.1.9.{code}|{v}|266016^MDC_DIM_MMHG^MDC|||||F"
                   "|||00000000000000\r"
                   for i, (code, name, v) in enumerate([(150021, "MDC_PRESS_BLD_NONINV_SYS", 120),
                                                        (150022, "MDC_PRESS_BLD_NONINV_DIA", 80)],
                                                       1))
    hl7 = ("MSH|^~\\&|MON|W|||20240101120000+0000||ORU^R01|C1|P|2.6\r"
           "OBR|1|||x|||20240101120000+0000\r" + rows).encode()
    ivy = (samples_dir / "ivy-450c-ansar-b-capture.bin").read_bytes()
    for fmt, data in (("hl7", hl7), ("ansar-b", ivy)):
        readings = [json.loads(x) for x in run("--format", fmt, "-", stdin=data).stdout.decode()
                    .splitlines()]
        unknown = [r for r in readings if "AGE_UNKNOWN" in r["flags"]]
        assert unknown and {r["metric"][:3] for r in unknown} <= {"bp_", "pul"}, fmt
        assert {r["measured_at"] for r in unknown} == {None}, fmt


def test_a_plain_hl7_file_cut_inside_a_segment_says_so(samples_dir: Path) -> None:
    # QA: `head -c 705 ihe-pcd01-ipf-nibp-request.hl7` kept the diastolic row cut after
    # `|80|266016^MDC_DIM_MMHG` as whole, "0 dropped", and the lost mean row went unmentioned.
    whole = (samples_dir / "ihe-pcd01-ipf-nibp-request.hl7").read_bytes()
    cut = whole[:705]
    assert cut.endswith(b"|80|266016^MDC_DIM_MMHG")
    proc = run("--format", "hl7", "-", stdin=cut)
    readings = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert [(r["metric"], r["value"]) for r in readings] == [("bp_systolic", 120)]
    err = proc.stderr.decode()
    assert "1 frames, 1 readings, 1 dropped" in err
    assert ("  truncated-frame: 1\n    e.g. the stream ends inside a segment (no CR or LF after "
            "it): dropped, as its last field may be cut and what followed it is lost; the 6 "
            "segment(s) before it kept: OBX|4|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.0.1.2|80|"
            "266016^MDC_DIM_MMHG\n") in err
    # The whole file, and a file whose last segment ends in its CR, lose nothing.
    assert "truncated-frame" not in run("--format", "hl7", "-", stdin=whole).stderr.decode()
    assert "truncated-frame" not in run("--format", "hl7", "-",
                                        stdin=whole.rstrip(b"\r\n") + b"\r").stderr.decode()


def test_a_hex_text_file_for_a_binary_format_is_said_to_be_hex(samples_dir: Path) -> None:
    # QA: decode --format intellivue of the hex sample gave "0 frames ... garbage" and nothing
    # said the file was hex text. Not decoded as hex: the capture is what the console reads.
    note = ("note: this file looks like hex text, not the device's bytes: convert it first "
            "(xxd -r -p; drop '#' comment lines first: grep -v '^#' FILE | xxd -r -p > FILE.bin)")
    for name in ("philips-intellivue-mib-serial-capture.txt",
                 "philips-intellivue-lan-udp-samples.txt"):
        proc = run("--format", "intellivue", str(samples_dir / name))
        assert proc.returncode == 0
        assert proc.stderr.decode().splitlines()[1] == note, name
    assert note in run("--format", "ansar-b", "-", stdin=b"ff 41 4e 53\n# x\n").stderr.decode()
    # Real bytes, and text formats, are never taken for hex text.
    for fmt, name in (("ansar-b", "ivy-450c-ansar-b-capture.bin"),
                      ("hl7", "ihe-pcd01-ipf-nibp-request.hl7")):
        assert "hex text" not in run("--format", fmt, str(samples_dir / name)).stderr.decode()
    assert "hex text" not in run("--format", "hl7", "-", stdin=b"c0 11 01\n").stderr.decode()


def test_examples_keep_the_reasons_words_and_stay_bounded(samples_dir: Path) -> None:
    # QA: examples were cut at 160 characters, losing the point ("... (its name
    # MDC_PRESS_BLD_NONINV_SYS is MDC" and no more).
    proc = run("--format", "hl7", str(samples_dir / "ihe-pcd01-ipf-maximum-request-edgecases.hl7"))
    assert ("    e.g. OBX 3 1500212^MDC_PRESS_BLD_NONINV_SYS^MDC at 1.0.1.1: code '1500212' is not "
            "in the MDC, MDIL, Mindray or LOINC tables (its name MDC_PRESS_BLD_NONINV_SYS is MDC "
            "150021's, but the code is trusted)\n") in proc.stderr.decode()
    from devices.decode_tool import EXAMPLE_CHARS, example

    # A long location is shortened first, so the reason after it stays whole.
    where = "OBX 7 " + "^".join(["X" * 30] * 8) + " at 1.2.3"
    long = f"{where}: code 'X' is not in the MDC tables (the reason, whole)"
    shown = example(long)
    assert shown.endswith(": code 'X' is not in the MDC tables (the reason, whole)")
    assert shown.startswith("OBX 7 XXX") and " …: " in shown and len(shown) <= EXAMPLE_CHARS
    # A long list is cut after a whole item, and said to be cut.
    ids = ", ".join(f"{0x300 + i:#06x} (ST)" for i in range(60))
    shown = example(f"poll 1: 60 value(s) of ids this console does not show: {ids}")
    assert len(shown) <= EXAMPLE_CHARS and shown.endswith(" (ST) …")
    assert example("short: as it is") == "short: as it is"


def test_a_device_profile_decodes_with_its_vendor_code_map(tmp_path: Path) -> None:
    # QA: decode had no way to a profile, so a Nihon Kohden capture gave 0 readings
    # ("code '007000' is not in the MDC ... tables") though the console reads it with the
    # profile's code map.
    # MSH-3/MSH-4 that no code map's [recognise] names (review 37: plain hl7 now recognises
    # `NIHON KOHDEN`): only the profile tells which code map applies.
    capture = tmp_path / "nk.hl7"
    capture.write_bytes(b"MSH|^~\\&|BEDSIDE|WARD|||20250101120000||ORU^R01|1|P|2.4\r"
                        b"PID|1\rOBR|1\rOBX|1|NM|007000^VITAL SpO2||97|%|||||F\r")
    plain = run("--format", "hl7", str(capture))
    assert plain.stdout == b"" and b"unknown-code: 1" in plain.stderr
    profiled = run("--format", "nihon-kohden-pvm", str(capture))
    assert profiled.returncode == 0
    [reading] = [json.loads(line) for line in profiled.stdout.decode().splitlines()]
    assert (reading["metric"], reading["value"]) == ("spo2", 97.0)
    unknown = run("--format", "nope", str(capture))
    assert unknown.returncode == 2
    assert b"unknown device profile or format 'nope'; known: " in unknown.stderr


def test_a_capture_of_a_polled_monitor_decodes_with_its_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Review 37: a capture (`capture_path`) of an Efficia CM holds its ORF^R04 answers to the
    console's queries; decoded with the profile, each was dropped as `unmatched-reply` (answers a
    query "which is not an outstanding query"): 0 readings, exit 0, the capture blamed."""
    from datetime import UTC, datetime, timedelta

    from devices import decode_tool
    from devices.simulator.answering import new_responder
    from devices.simulator.physiology import Sample
    from devices.transport import resolve_format

    console = resolve_format("philips-efficia-cm").new_decoder("/dev/ttyUSB0")
    monitor = new_responder("philips-efficia")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    capture, live = b"", 0
    for n in range(3):   # the console asks every 5 s; the simulated Efficia answers
        at = start + timedelta(seconds=5 * n)
        query = console.outgoing(float(5 * n), at)
        assert query
        for answer in monitor.answer(query, Sample(5.0 * n, 72, 72, 14, 97, None), at):
            capture += answer
            live += len(console.feed(answer, at).readings)
    assert live >= 3
    path = tmp_path / "efficia-capture.bin"
    path.write_bytes(capture)
    assert decode_tool.main(["--format", "philips-efficia-cm", str(path)]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == live, err
    assert "unmatched-reply" not in err
