"""The simulator without a port: physiology, encoders, scenario files, timelines, CLI arguments."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devices.formats import FORMATS
from devices.masimo import decode_line
from devices.simulator import cli
from devices.simulator.acks import Ack, AckReader
from devices.simulator.answering import answer_in_thread
from devices.simulator.encode import FORMAT_NAMES, Hl7Encoder
from devices.simulator.physiology import JITTER_BOUND, JITTER_SIGMA, Physiology, Ramp
from devices.simulator.scenario import (
    ALARM_CONDITIONS,
    Disconnect,
    ScenarioError,
    Write,
    builtin_names,
    compile_timeline,
    load_builtin,
    load_scenario,
    parse_scenario,
    replay_timeline,
)
from tests.devices.conftest import random_chunks

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BUILTINS = ("desaturation", "disconnect", "garbage", "hypertensive-surge", "normal",
            "obstructed-airway", "probe-disagreement", "probe-off", "respiratory-depression",
            "tachycardia", "tachypnea")


def decode_all(data: bytes, fmt: str) -> list:  # type: ignore[type-arg]
    decoder = FORMATS[fmt].new_decoder("sim")
    result = decoder.feed(data, T0)
    result.extend(decoder.flush(T0))
    return result.readings


# ---------------------------------------------------------------------------------- physiology


def test_same_seed_same_samples_other_seed_other_samples() -> None:
    ramps = [Ramp(60, "heart_rate", 120, 120)]
    a = list(Physiology({}, ramps, 7, 300).samples(600))
    b = list(Physiology({}, ramps, 7, 300).samples(600))
    c = list(Physiology({}, ramps, 8, 300).samples(600))
    assert a == b and a != c


def test_ramps_reach_their_targets_and_a_later_ramp_starts_where_the_earlier_one_got_to() -> None:
    body = Physiology({"heart_rate": 80}, [Ramp(60, "heart_rate", 140, 600), Ramp(360, "heart_rate", 90, 60)],
                      1, 300)
    assert body.trend("heart_rate", 0) == 80
    assert body.trend("heart_rate", 60 + 300) == pytest.approx(110)  # halfway when interrupted
    assert body.trend("heart_rate", 390) == pytest.approx(100)  # 110 -> 90, halfway
    assert body.trend("heart_rate", 3000) == pytest.approx(90)


def test_jitter_stays_within_its_bound_and_nibp_cycles_with_its_own_time() -> None:
    body = Physiology({"heart_rate": 100, "spo2": 95}, [], 3, 180)
    samples = list(body.samples(1800))
    hr_bound = JITTER_BOUND * JITTER_SIGMA["heart_rate"] + 0.5
    assert all(abs(s.heart_rate - 100) <= hr_bound for s in samples)
    assert all(s.spo2 <= 100 for s in samples)
    nibp_times = sorted({s.nibp.t for s in samples if s.nibp is not None})
    assert nibp_times == [30.0 + 180 * k for k in range(10)]
    assert samples[29].nibp is None and samples[100].nibp is not None
    assert samples[100].nibp.t == 30.0  # repeated with its older measured time


# ------------------------------------------------------------------------------------ encoders


def test_hl7_message_has_the_pcd01_shape() -> None:
    tl = compile_timeline(load_builtin("normal"), "hl7", 1, T0)
    frame = tl.entries[100].action
    assert isinstance(frame, Write)
    assert frame.data.startswith(b"\x0bMSH|^~\\&|") and frame.data.endswith(b"\x1c\r")
    segments = frame.data[1:-2].decode("utf-8").split("\r")[:-1]
    msh = segments[0].split("|")
    assert msh[8] == "ORU^R01^ORU_R01" and msh[9] == "SIM00000101"  # MSH-9, MSH-10
    assert msh[17] == "UNICODE UTF-8"  # MSH-18
    assert [s[:3] for s in segments[:2]] == ["MSH", "OBR"]
    obx = {f[3].split("^")[0]: f for f in (s.split("|") for s in segments if s.startswith("OBX"))}
    sys_row = obx["150021"]
    assert sys_row[3] == "150021^MDC_PRESS_BLD_NONINV_SYS^MDC" and sys_row[6] == "266016^MDC_DIM_MMHG^MDC"
    assert sys_row[4] == "1.3.1.1" and sys_row[11] == "R"  # OBX-4 path, OBX-11
    # NIBP carries its own older time (measured at 30 s); HR is stamped with the message time.
    assert sys_row[14] == "20260105090030+0000" and obx["147842"][14] == "20260105090140+0000"


def test_masimo_line_has_the_rad8_shape() -> None:
    tl = compile_timeline(load_builtin("normal"), "masimo", 1, T0)
    line = tl.entries[5].action.data  # type: ignore[union-attr]
    assert re.fullmatch(
        rb"01/05/26 09:00:05 SN=0000012345 SPO2=\d{3}% BPM=\d{3} PI=\d\d\.\d\d SPCO=--\.-% "
        rb"SPMET=--\.-% DESAT=-- PIDELTA=\+-- ALARM=0000 EXC=000000\r\n", line)


def test_simulated_oximeter_clock_is_ward_time_and_decodes_to_when_it_was_sent(
        station_zone: Callable[[str], None]) -> None:
    # Like a real oximeter the simulator sends its clock in local time without a zone; sending
    # UTC put every simulated reading an hour off in Berlin once the decoder read local time.
    station_zone("Europe/Berlin")
    tl = compile_timeline(load_builtin("normal"), "masimo", 1, T0)
    line = tl.entries[5].action.data  # type: ignore[union-attr]
    assert line.startswith(b"01/05/26 10:00:05 ")   # 09:00:05 UTC is 10:00:05 in Berlin
    readings = decode_line(line.rstrip(), T0).readings
    assert {r.measured_at for r in readings} == {T0 + timedelta(seconds=5)}


def test_ansar_b_frame_has_the_ivy_shape() -> None:
    tl = compile_timeline(load_builtin("normal"), "ansar-b", 1, T0)
    frame = tl.entries[60].action.data  # type: ignore[union-attr]
    assert frame.startswith(b"\xffANSAR-B ") and frame.endswith(b"\xfe")
    waveform, records = frame[9:409], frame[409:-1]
    assert b"\xff" not in waveform and b"\xfe" not in waveform
    assert records.split(b"\r")[0].startswith(b"HR=1;") and b"NIBP=4;" in records
    assert records.endswith(b"T2=1;;;\r")


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_every_valid_frame_decodes_to_the_values_the_simulator_meant(fmt: str) -> None:
    # normal: it plays in every format (hypertensive-surge is refused for masimo: no cuff).
    tl = compile_timeline(load_builtin("normal"), fmt, 5, T0, duration_minutes=8)
    readings = decode_all(tl.data(), fmt)
    by_metric: dict[str, list[float]] = defaultdict(list)
    for r in readings:
        by_metric[r.metric].append(r.value)
    expected: dict[str, list[float]] = defaultdict(list)
    last_bp: tuple[float | None, ...] = ()
    for _, truth in tl.truths:
        bp = tuple(truth.get(m) for m in ("bp_systolic", "bp_diastolic", "bp_mean"))
        for metric, value in truth.items():
            # ANSAR-B repeats the last NIBP in every frame with no time: the decoder reports a
            # measurement once, not once per frame.
            if fmt == "ansar-b" and metric.startswith("bp_") and bp == last_bp:
                continue
            expected[metric].append(value)
        last_bp = bp
    if fmt == "ansar-b":
        by_metric.pop("pulse_rate")  # the Ivy reports pulse twice (SPO2 PR and NIBP pulse)
        expected.pop("pulse_rate")
    assert dict(by_metric) == dict(expected)


# ----------------------------------------------------------------------------------- scenarios


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_scenarios_load_and_document_their_alarms(name: str) -> None:
    s = load_builtin(name)
    assert s.name == name and s.description and s.expect.text
    assert set(s.expect.alarms) <= set(ALARM_CONDITIONS)
    assert 40 <= s.duration_minutes <= 60


def test_builtin_list_is_complete() -> None:
    assert tuple(builtin_names()) == BUILTINS


def _extremes(name: str) -> dict[str, tuple[float, float]]:
    tl = compile_timeline(load_builtin(name), "hl7", 1, T0)
    values: dict[str, list[float]] = defaultdict(list)
    for _, truth in tl.truths:
        for metric, value in truth.items():
            values[metric].append(value)
    return {m: (min(v), max(v)) for m, v in values.items()}


def test_scenario_values_cross_the_clinical_thresholds_they_promise() -> None:
    normal = _extremes("normal")
    assert 124 + 15 <= normal["bp_systolic"][1] < 180 and normal["heart_rate"][1] < 110
    assert normal["spo2"][0] > 93 and 11 < normal["resp_rate"][0] and normal["resp_rate"][1] < 25
    surge = _extremes("hypertensive-surge")
    assert surge["bp_systolic"][1] >= 200 and surge["bp_diastolic"][1] >= 110
    assert _extremes("tachypnea")["resp_rate"][1] >= 25
    depression = _extremes("respiratory-depression")
    assert depression["resp_rate"][0] <= 8 and depression["spo2"][0] <= 90
    assert _extremes("tachycardia")["heart_rate"][1] >= 131


def test_same_seed_gives_identical_bytes_and_another_seed_does_not() -> None:
    s = load_builtin("garbage")
    a = compile_timeline(s, "hl7", 11, T0).data()
    assert a == compile_timeline(s, "hl7", 11, T0).data()
    assert a != compile_timeline(s, "hl7", 12, T0).data()


def test_disconnect_timeline_writes_nothing_while_the_port_is_gone() -> None:
    tl = compile_timeline(load_builtin("disconnect"), "hl7", 1, T0)
    (gone,) = tl.disconnects()
    assert isinstance(gone.action, Disconnect) and gone.t == 600 and gone.action.seconds == 20
    writes = [e.t for e in tl.entries if isinstance(e.action, Write)]
    assert not [t for t in writes if 600 <= t < 620]
    assert 599 in writes and 620 in writes


def test_garbage_timeline_mixes_faults_with_valid_frames() -> None:
    tl = compile_timeline(load_builtin("garbage"), "hl7", 1, T0)
    notes = [e.action.note for e in tl.entries if isinstance(e.action, Write)]
    assert notes[0] == "frame tail (stream starts mid-frame)"
    assert {"garbage", "truncated frame", "nul bytes"} <= set(notes)
    assert tl.valid_frames() == notes.count("frame") == len(tl.truths)


LAST_SECOND = """
name = "late"
description = "faults after the last whole second"
duration_minutes = 2
[[steps]]
at_minute = 1.99
action = "nul_bytes"
bytes = 10
[[steps]]
at_minute = 1.992
action = "truncated_frame"
[[steps]]
at_minute = 1.994
action = "garbage"
bytes = 4
[[steps]]
at_minute = 1.995
action = "disconnect"
seconds = 30
[expect]
text = "device_lost at about minute 2"
alarms = ["device_lost"]
"""


def test_steps_after_the_last_frame_are_played_at_their_own_times() -> None:
    # Review 39: a step between the last frame (119 s) and the end (120 s) was accepted by the
    # file check and never played: no disconnect, no device_lost, no NUL bytes, nothing said.
    tl = compile_timeline(parse_scenario(LAST_SECOND, "late.toml"), "hl7", 1, T0)
    *frames, nul, cut, garbage, gone = tl.entries
    assert frames[-1].t == 119 and tl.valid_frames() == 120 == len(frames)
    assert (nul.t, nul.action) == (pytest.approx(119.4), Write(b"\x00" * 10, note="nul bytes"))
    assert (cut.t, cut.action.note) == (pytest.approx(119.52), "truncated frame")  # type: ignore[union-attr]
    assert b"MSH|" in cut.action.data  # type: ignore[union-attr]
    assert (garbage.t, garbage.action.note) == (pytest.approx(119.64), "garbage")  # type: ignore[union-attr]
    assert (gone.t, gone.action) == (pytest.approx(119.7), Disconnect(30))


def test_two_cuts_between_two_frames_cut_two_frames() -> None:
    # The second replaced the first: one truncated frame played, the mid-frame one dropped.
    text = LAST_SECOND.replace("at_minute = 1.99\n", "at_minute = 1.5\n").replace(
        "at_minute = 1.992", "at_minute = 1.501").replace("at_minute = 1.994", "at_minute = 1.502")
    text = text.replace('action = "garbage"\nbytes = 4', 'action = "mid_frame"')
    tl = compile_timeline(parse_scenario(text, "two.toml"), "hl7", 1, T0)
    notes = [(e.t, e.action.note) for e in tl.entries if isinstance(e.action, Write)]
    assert [note for note in notes if 90 <= note[0] <= 93] == [
        (90, "nul bytes"), (90, "frame"), (91, "truncated frame"),
        (92, "frame tail (stream starts mid-frame)"), (93, "frame")]


@pytest.mark.parametrize(("late", "reason"), [
    # 0.24 s into a 30 s disconnect that lasts past the end: dropped without a word.
    ('at_minute = 1.999\naction = "nul_bytes"\nbytes = 10',
     "nul_bytes at minute 1.999 comes while the port is unplugged (steps[0]: disconnect at "
     "minute 1.995 for 30 s) and nothing reaches an unplugged port; move it before minute 1.995 "
     "(the port is gone to the end), or leave it out"),
    ('at_minute = 1.996\naction = "disconnect"\nseconds = 1',
     "disconnect at minute 1.996 comes while the port is unplugged"),
])
def test_a_write_to_a_port_unplugged_by_an_earlier_step_is_refused_naming_both(
        late: str, reason: str) -> None:
    text = LAST_SECOND.split("[[steps]]")[0] + (
        '[[steps]]\nat_minute = 1.995\naction = "disconnect"\nseconds = 30\n'
        f"[[steps]]\n{late}\n"
        '[expect]\ntext = "t"\nalarms = ["device_lost"]\n')
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "late.toml")
    assert err.value.key == "steps[1].at_minute" and reason in err.value.reason


def test_a_write_after_the_port_is_back_is_played() -> None:
    text = GOOD.replace("[expect]", '[[steps]]\nat_minute = 2\naction = "disconnect"\n'
                        'seconds = 30\n[[steps]]\nat_minute = 2.5\naction = "garbage"\n'
                        "bytes = 3\n[expect]")
    scenario = parse_scenario(text, "back.toml")
    tl = compile_timeline(scenario, "hl7", 1, T0)
    assert [(e.t, e.action.note) for e in tl.entries  # type: ignore[union-attr]
            if isinstance(e.action, Write) and e.action.note != "frame"] == [(150, "garbage")]


def test_replay_timeline_reassembles_the_capture() -> None:
    data = bytes(range(256)) * 10
    tl = replay_timeline(data, bytes_per_second=960, max_chunk=50, seed=3)
    assert tl.data() == data and len(tl.entries) > 2560 // 50
    assert all(len(e.action.data) <= 50 for e in tl.entries)  # type: ignore[union-attr]
    assert tl.entries[-1].t < tl.duration_s == pytest.approx(2560 / 960)


GOOD = """
name = "x"
description = "d"
duration_minutes = 40
[[steps]]
at_minute = 1
action = "ramp"
metric = "heart_rate"
to = 120
over_minutes = 5
[expect]
text = "t"
alarms = ["heart_rate_high"]
"""


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        ('metric = "heart_rate"', 'metric = "heart_rat"', "steps[0].metric",
         "unknown metric 'heart_rat'; allowed: bp_systolic, bp_diastolic, heart_rate, resp_rate, spo2"),
        ('metric = "heart_rate"', 'metric = "bp_mean"', "steps[0].metric",
         "'bp_mean' cannot be set: derived from systolic and diastolic"),
        ("at_minute = 1", "at_minute = -1", "steps[0].at_minute", "must be >= 0, got -1"),
        ("at_minute = 1", "at_minute = 40", "steps[0].at_minute", "must be before the end"),
        ("over_minutes = 5", "over_minute = 5", "steps[0].over_minute",
         "unknown key; allowed: at_minute, action, note, metric, to, over_minutes"),
        ('action = "ramp"', 'action = "explode"', "steps[0].action", "unknown action 'explode'; allowed: ramp"),
        ("to = 120", "to = 900", "steps[0].to", "must be <= 300, got 900"),
        ("to = 120", 'to = "fast"', "steps[0].to", "must be a number, got 'fast'"),
        # nan passed every bound (the QA audit): a traceback, a hang, a step that never came.
        ("to = 120", "to = nan", "steps[0].to", "must be a finite number, got nan"),
        ("duration_minutes = 40", "duration_minutes = nan", "duration_minutes",
         "must be a finite number, got nan"),
        ("at_minute = 1", "at_minute = nan", "steps[0].at_minute",
         "must be a finite number, got nan"),
        ('description = "d"', 'descripton = "d"', "descripton", "unknown key; allowed: name, description"),
        ("duration_minutes = 40", "duration_minutes = 0", "duration_minutes", "must be > 0, got 0"),
        ('alarms = ["heart_rate_high"]', 'alarms = ["hr_high"]', "expect.alarms[0]",
         "unknown condition 'hr_high'; allowed: bp_systolic_high"),
        ('alarms = ["heart_rate_high"]', "", "expect.alarms", "required, a list of condition names"),
        ('name = "x"', 'name = "x', "(file)", "not valid TOML"),
        # A value of another TOML type: a TypeError traceback, not this line (review 39).
        ('metric = "heart_rate"', 'metric = ["spo2"]', "steps[0].metric",
         "must be text, got ['spo2']; allowed: bp_systolic, bp_diastolic, heart_rate, resp_rate, spo2"),
        ('metric = "heart_rate"', "metric = {}", "steps[0].metric",
         "must be text, got {}; allowed: bp_systolic"),
        ('metric = "heart_rate"', "metric = true", "steps[0].metric",
         "must be text, got True; allowed: bp_systolic"),
        ('metric = "heart_rate"', "", "steps[0].metric",
         "required, a metric name; allowed: bp_systolic"),
        ('action = "ramp"', 'action = ["ramp"]', "steps[0].action",
         "must be text, got ['ramp']; allowed: ramp, disconnect, probe_off"),
        ('name = "x"', "name = 1979-05-27", "name", "must be text, got datetime.date(1979, 5, 27)"),
        ("to = 120", "to = [120]", "steps[0].to", "must be a number, got [120]"),
        ("at_minute = 1", "at_minute = {m = 1}", "steps[0].at_minute",
         "must be a number, got {'m': 1}"),
        ('alarms = ["heart_rate_high"]', 'alarms = [["heart_rate_high"]]', "expect.alarms[0]",
         "unknown condition ['heart_rate_high']; allowed: bp_systolic_high"),
        ("[[steps]]", "[steps]", "steps", "must be an array of tables ([[steps]])"),
        ('name = "x"', 'name = "x"\nbaseline = [1]', "baseline", "must be a table ([baseline])"),
        # Nested past Python's recursion limit: a RecursionError traceback.
        ('name = "x"', 'name = "x"\nx = ' + "[" * 3000, "(file)", "not valid TOML: nested too deeply"),
    ],
)
def test_scenario_errors_name_the_file_the_key_and_the_reason(
    tmp_path: Path, old: str, new: str, key: str, reason: str
) -> None:
    path = tmp_path / "bad.toml"
    assert old in GOOD
    path.write_text(GOOD.replace(old, new), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.source == str(path) and err.value.key == key
    assert reason in err.value.reason
    assert str(err.value).startswith(f"{path}: {key}: ")


STEP_KEYS = {   # a valid step of each action (at_minute and note come with every one)
    "ramp": {"metric": "spo2", "to": 90, "over_minutes": 1},
    "disconnect": {"seconds": 10}, "probe_off": {"seconds": 10}, "garbage": {"bytes": 5},
    "nul_bytes": {"bytes": 5}, "truncated_frame": {}, "mid_frame": {},
}
OTHER_TYPES = ('["spo2"]', "{}", "{a = 1}", "true", "1979-05-27T07:32:00Z", "07:32:00", "[[1]]")


@pytest.mark.parametrize("action", sorted(STEP_KEYS))
def test_every_step_key_of_another_toml_type_is_refused_in_one_line_naming_it(action: str) -> None:
    # `metric = ["spo2"]` was a TypeError traceback (review 39): every key, every TOML type.
    for key in ("at_minute", "action", "note", *STEP_KEYS[action]):
        for wrong in OTHER_TYPES:
            step = {"at_minute": "1", "action": f'"{action}"', "note": '"n"'} | {
                k: repr(v).replace("'", '"') for k, v in STEP_KEYS[action].items()}
            step[key] = wrong
            text = GOOD.split("[[steps]]")[0] + "[[steps]]\n" + "".join(
                f"{k} = {v}\n" for k, v in step.items()) + "[expect]\ntext = \"t\"\nalarms = []\n"
            with pytest.raises(ScenarioError) as err:
                parse_scenario(text, "x.toml")
            assert err.value.key == f"steps[0].{key}", (key, wrong, str(err.value))
            assert "\n" not in str(err.value)


@pytest.mark.parametrize(("baseline", "key", "reason"), [
    ("bp_systolic = 80\nbp_diastolic = 120", "baseline.bp_diastolic",
     "must be below bp_systolic (80), got 120"),
    ("spo2 = 0.97", "baseline.spo2", "a percentage of at least 50 at the start (97, not 0.97), "
                                     "got 0.97"),
])
def test_a_baseline_no_patient_has_is_refused(tmp_path: Path, baseline: str, key: str,
                                              reason: str) -> None:
    # The QA audit: 80/120 played as about 79/70, SpO2 0.97 as 0-2 %, without a word.
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace("[expect]", f"[baseline]\n{baseline}\n\n[expect]"),
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert (err.value.key, err.value.reason) == (key, reason)


def test_a_good_scenario_file_loads_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "good.toml"
    path.write_text(GOOD, encoding="utf-8")
    s = load_scenario(path)
    assert s.nibp_interval_minutes == 5 and s.baseline == {} and s.source == str(path)
    (step,) = s.steps
    assert (step.at_s, step.metric, step.to, step.over_s) == (60, "heart_rate", 120, 300)


def test_a_scenario_file_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    # Review 39: a Windows editor's mark was refused as "not valid TOML ... line 1, column 1",
    # while protocol files and code maps accept it.
    path = tmp_path / "good-bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert load_scenario(path) == replace(parse_scenario(GOOD, str(path)), source=str(path))


def test_unknown_builtin_names_the_known_ones() -> None:
    with pytest.raises(ScenarioError, match="unknown scenario; known: desaturation, disconnect, garbage"):
        load_builtin("nope")


def test_compile_refuses_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format 'hl8'; allowed: hl7, masimo, ansar-b"):
        compile_timeline(parse_scenario(GOOD, "x.toml"), "hl8")


def test_hl7_control_ids_count_up_and_times_follow_the_start() -> None:
    enc = Hl7Encoder()
    body = Physiology({}, [], 1, 300)
    samples = list(body.samples(3))
    frames = [enc.frame(s, T0 + timedelta(seconds=s.t), T0) for s in samples]
    assert [re.search(rb"\|(SIM\d{8})\|P\|", f).group(1) for f in frames] == [  # type: ignore[union-attr]
        b"SIM00000001", b"SIM00000002", b"SIM00000003"]


# --------------------------------------------------------------------------------------- CLI


def test_cli_list_shows_every_scenario_with_description_and_expected_alarms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(BUILTINS)
    surge = next(line for line in lines if line.startswith("hypertensive-surge"))
    assert load_builtin("hypertensive-surge").description in surge
    assert "[expected alarms: bp_systolic_high, bp_diastolic_high]" in surge
    assert "[expected alarms: none]" in next(line for line in lines if line.startswith("normal"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "hl8"], "argument --format: invalid choice: 'hl8' (choose from 'hl7', 'masimo', 'ansar-b', 'philips-efficia', 'draeger-gateway', 'mindray-gateway', 'intellivue', 'intellivue-lan', 'mindray-bedside')"),
        (["--speed", "0"], "argument --speed: must be a number > 0, got '0'"),
        (["--speed", "fast"], "argument --speed: must be a number > 0, got 'fast'"),
        (["--seed", "x"], "argument --seed: must be a whole number, got 'x'"),
        (["--scenario", "nope"], "--scenario: nope: unknown scenario; known: desaturation, disconnect, garbage,"),
        (["--scenario", "normal", "--replay", "f"], "not allowed with argument"),
        (["--replay", "/nonexistent/capture.bin"], "--replay: cannot read /nonexistent/capture.bin"),
        # A capture is played as it is (the QA audit: --format masimo played its bytes unchanged).
        (["--replay", "capture.bin", "--format", "masimo"],
         "--replay plays a capture as it is: --format masimo cannot re-encode it; leave --format "
         "out (or give hl7)"),
        (["--replay", "/nonexistent/capture.bin", "--format", "hl7"],
         "--replay: cannot read /nonexistent/capture.bin"),
        (["--replay", "capture.bin", "--duration-minutes", "5"],
         "--replay plays the whole capture: --duration-minutes is for --scenario or "
         "--scenario-file; leave it out"),
        (["--duration-minutes", "5000"],
         "argument --duration-minutes: must be at most 1440 (24 h), got '5000'"),
        (["--format", "intellivue", "--no-wait"],
         "--format intellivue answers queries and never waits: --no-wait is for --format hl7, "
         "masimo, ansar-b"),
        (["--scenario-file", "/nonexistent/s.toml"], "/nonexistent/s.toml: (file): cannot read"),
        (["--wat"], "unrecognized arguments: --wat"),
        # A bed the gateway's query cannot carry: a ValueError traceback from devices/hl7/query.py
        (["--bed", "x y", "--format", "mindray-gateway"],
         "--bed: mindray-gateway: bed 'x y' is not an IPv4 address; give the bed monitor's "
         "address, e.g. 192.168.10.21"),
        (["--bed", "Bed3", "--format", "draeger-gateway"],
         "--bed: draeger-gateway: give the care unit and the bed, as '<unit>/<bed>' (e.g. "
         "'ICU1/Bed3')"),
        # (short and fast: were --bed ignored again, this would play and exit 0, not hang)
        (["--bed", "192.0.2.21", "--format", "hl7", "--duration-minutes", "0.01", "--speed", "60"],
         "--bed is for --format mindray-gateway or draeger-gateway (a gateway serving several "
         "beds); --format hl7 has no bed: leave --bed out"),
        # A connection the device is not served on: refused before a port is opened.
        (["--format", "mindray-gateway", "--connection", "udp"],
         "--connection: mindray-gateway is served over tcp or serial (a pty), not udp"),
        (["--format", "intellivue-lan", "--connection", "serial"],
         "--connection: intellivue-lan is served over udp, not serial"),
        (["--connection", "tcp", "--duration-minutes", "0.01", "--speed", "60", "--no-wait"],
         "--connection is for the devices that are asked (philips-efficia, draeger-gateway, "
         "mindray-gateway, intellivue, intellivue-lan, mindray-bedside); --format hl7 plays on a "
         "pty of its own or on --port: leave --connection out"),
    ],
)
def test_cli_bad_arguments_give_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("infusion-sim: error: ") and message in lines[0]


def test_cli_refuses_a_ramp_metric_written_as_a_list_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # `metric = ["spo2"]`: "TypeError: unhashable type: 'list'" and exit 1 (review 39).
    path = tmp_path / "bad-metric.toml"
    path.write_text(GOOD.replace('metric = "heart_rate"', 'metric = ["spo2"]'), encoding="utf-8")
    assert cli.main(["--scenario-file", str(path), "--no-wait"]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", (
        f"infusion-sim: error: {path}: steps[0].metric: must be text, got ['spo2']; allowed: "
        "bp_systolic, bp_diastolic, heart_rate, resp_rate, spo2\n"))


def test_duration_minutes_ends_the_scenario_of_a_device_that_is_asked_too() -> None:
    # The QA audit: --duration-minutes was ignored for the asked formats (45 min played on).
    clock = [0.0]
    handle = answer_in_thread("normal", "philips-efficia", 1.0, monotonic=lambda: clock[0],
                              duration_minutes=2)
    try:
        clock[0] = 119.0
        assert not handle.finished.wait(0.3)   # a few turns of its loop: still in the scenario
        clock[0] = 120.0
        assert handle.finished.wait(5)   # the end: it answers with the last values from now on
        assert handle.error is None
    finally:
        assert handle.stop()


ACKS = (b"\x0bMSH|^~\\&|CONSOLE||||20260105090000+0000||ACK^R01^ACK|ASIM1|P|2.6\rMSA|AA|SIM1\r"
        b"\x1c\r"
        b"\x0bMSH|^~\\&|CONSOLE||||20260105090001+0000||ACK^R01^ACK|ASIM2|P|2.6\rMSA|AE|SIM2|"
        b"log unavailable\r\x1c\r"
        b"noise\x1c\r"   # the end of a frame whose start was lost: no ACK
        b"MSH|^~\\&|CONSOLE||||20260105090002+0000||ACK^R01^ACK|ASIM3|P|2.6\rMSA|CA|SIM3\r"
        b"\x0bMSA|XX|SIM4\r\x1c\r"   # not an acknowledgement code
        b"\x0bMSH|^~\\&|CONSOLE||||20260105090003+0000||ACK^R01^ACK|ASIM5|P|2.6\rMSA|AR|SIM5\x1c\r")


@pytest.mark.parametrize("largest", [1, 7, 97, len(ACKS)])
def test_acks_are_read_whole_however_the_reads_split_them(largest: int) -> None:
    # The QA audit: over socket:// one byte was read per drain and 13 of 955 AA were counted,
    # and AE was counted as an acknowledgement.
    reader, got = AckReader(), []
    for piece in random_chunks(ACKS, seed=largest, largest=largest):
        got += reader.feed(piece)
    assert got == [Ack("AA", "SIM1"), Ack("AE", "SIM2"), Ack("CA", "SIM3"), Ack("AR", "SIM5")]
