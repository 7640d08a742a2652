"""What a chair tells the clinic bus about itself: the bedside's own view, read at one moment."""

from __future__ import annotations

from console.network.chair_status import TrendPoints, build_status, build_trend
from console.records import ObservationRecord
from console.session.tile_view import BP_TILE, tile_stale, tile_view
from devices.reading import AGE_UNKNOWN
from tests.session.helpers import START, Session


def _status(s: Session, patient_shown: str = "id") -> dict[str, object]:
    return build_status(s.engine, s.now(), chair="chair-3", room="Room 3",
                        patient_shown=patient_shown, audio="full", network="ok", seq=1)


def test_a_quiet_chair_shows_its_session_and_latest_vitals() -> None:
    s = Session()
    s.engine.device_state_changed("connected", s.now())
    s.t(60)
    s.device("heart_rate", 72)
    status = _status(s)
    assert status["online"] is True and status["highest"] is None and status["alarms"] == []
    session = status["session"]
    assert isinstance(session, dict)
    assert (session["patient"], session["phase"], session["elapsed_s"]) == ("P-001", "pre", 60)
    assert status["vitals"] == {"heart_rate": {"value": 72, "unit": "beats/min",
                                               "at": "2026-03-02T09:01:00.000Z", "stale": False,
                                               "alarm": None}}


def _stale(s: Session) -> dict[str, bool]:
    vitals = _status(s)["vitals"]
    assert isinstance(vitals, dict)
    # The status's shortcut and the bedside's tile agree, tile by tile.
    for tile in (BP_TILE, "heart_rate", "resp_rate", "spo2"):
        assert tile_stale(s.engine, tile, s.now()) == tile_view(s.engine, tile, s.now()).stale
    return {name: item["stale"] for name, item in vitals.items()}


def test_a_value_is_stale_in_the_status_exactly_when_the_bedside_greys_it() -> None:
    # The central station must never show as current what the bedside shows as not current.
    s = Session()
    s.engine.device_state_changed("connected", s.now())
    s.t(60)
    s.device("heart_rate", 72)
    s.device("bp_systolic", 130)
    s.device("bp_diastolic", 80)
    assert _stale(s) == {"heart_rate": False, "bp_systolic": False, "bp_diastolic": False}
    # 35 s without a heart rate (a monitor sends one a second): stale; an NIBP is current until
    # the next cuff measurement is due.
    s.t(95)
    assert _stale(s) == {"heart_rate": True, "bp_systolic": False, "bp_diastolic": False}
    s.device("heart_rate", 74)
    assert _stale(s)["heart_rate"] is False
    # 21 minutes after the cuff: the NIBP too.
    s.t(60 + 21 * 60)
    s.device("heart_rate", 75)
    assert _stale(s) == {"heart_rate": False, "bp_systolic": True, "bp_diastolic": True}
    # The monitor unplugged: every device value at once; a typed value stays current.
    s.manual("resp_rate", 14)
    s.engine.device_state_changed("disconnected", s.now(), "cable")
    assert _stale(s) == {"heart_rate": True, "bp_systolic": True, "bp_diastolic": True,
                         "resp_rate": False}


def test_alarms_highest_first_with_their_vital_coloured_and_paused_only_while_paused() -> None:
    s = Session()
    s.device("spo2", 92)          # medium
    s.device("bp_systolic", 205)  # high
    status = _status(s)
    alarms = status["alarms"]
    assert isinstance(alarms, list)
    assert [(a["condition"], a["priority"], a["state"]) for a in alarms] == [
        ("bp_systolic_high", "high", "active"), ("spo2_low", "medium", "active")]
    assert status["highest"] == "high"
    vitals = status["vitals"]
    assert isinstance(vitals, dict)
    assert (vitals["bp_systolic"]["alarm"], vitals["spo2"]["alarm"]) == ("high", "medium")
    s.engine.pause_audio("nurse.ana", s.now())
    assert {a["state"] for a in _status(s)["alarms"]} == {"paused"}  # type: ignore[union-attr]
    s.t(200)   # the 2-minute pause is over
    assert {a["state"] for a in _status(s)["alarms"]} == {"active"}  # type: ignore[union-attr]


def test_the_clinic_may_keep_the_patient_off_the_bus() -> None:
    s = Session()
    session = _status(s, patient_shown="none")["session"]
    assert isinstance(session, dict) and session["patient"] == ""


def test_no_session_is_a_chair_online_with_nothing_to_show() -> None:
    status = build_status(None, Session().now(), chair="chair-3", room="Room 3",
                          patient_shown="id", audio="full", network="ok", seq=4)
    assert status["session"] is None and status["online"] is True and status["seq"] == 4


def test_the_trend_snapshot_covers_the_whole_session_thinned_evenly() -> None:
    points = [("heart_rate", START.replace(second=s), 60.0 + s) for s in (30, 10, 20, 40, 50)]
    points.append(("moaas", START, 5.0))   # a scale: not a trend vital
    trend = build_trend("chair-3", 1, START, points, keep={"heart_rate": 3})
    # Time order, the first and the newest kept, the middle thinned.
    assert trend["series"] == {"heart_rate": [[START.replace(second=s).timestamp(), 60.0 + s]
                                              for s in (10, 30, 50)]}
    whole = build_trend("chair-3", 1, START, points)
    assert len(whole["series"]["heart_rate"]) == 5


def test_the_trend_points_take_only_new_rows_and_a_correction_replaces_its_value() -> None:
    def row(row_id: int, value: float, second: int, corrects: int | None = None):
        at = START.replace(second=second)
        return row_id, ObservationRecord(1, "heart_rate", value, "beats/min", "hl7:SIM", at, at,
                                         "engine", corrects=corrects)

    points = TrendPoints(1)
    assert points.add([row(1, 70, 0), row(2, 71, 10)]) == [
        ("heart_rate", START, 70), ("heart_rate", START.replace(second=10), 71)]
    assert points.last_id == 2
    # Later: a correction of row 1 (typed 70 was 75) and a new value; the earlier rows are not
    # given again, yet the snapshot is whole.
    assert points.add([row(3, 75, 30, corrects=1), row(4, 72, 20)]) == [
        ("heart_rate", START, 75), ("heart_rate", START.replace(second=10), 71),
        ("heart_rate", START.replace(second=20), 72)]
    assert points.last_id == 4


def test_a_value_of_unknown_age_has_no_time_in_the_status_and_no_place_in_the_trend() -> None:
    # An ANSAR-B NIBP found on the monitor at connect: the status sends it with "at": null, and
    # the trend snapshot leaves it out (the bedside trend does the same: trend_feed.py).
    s = Session()
    s.t(60)
    s.device("bp_systolic", 150, flags=frozenset({AGE_UNKNOWN}))
    assert _status(s)["vitals"] == {"bp_systolic": {"value": 150, "unit": "mmHg", "at": None,
                                                    "stale": True, "alarm": None}}
    at = START.replace(second=30)
    flagged = ObservationRecord(1, "bp_systolic", 150, "mmHg", "ansar-b:SIM", at, at, "engine",
                                flags=frozenset({AGE_UNKNOWN}))
    measured = ObservationRecord(1, "bp_systolic", 160, "mmHg", "ansar-b:SIM", at, at, "engine")
    assert TrendPoints(1).add([(1, flagged), (2, measured)]) == [("bp_systolic", at, 160)]


def test_the_trend_snapshot_places_values_where_the_bedside_trend_does() -> None:
    # A charge nurse's walk: a monitor clock 30 min behind left the central's trend empty, one
    # ahead drew a 13-minute session over 67 minutes. The snapshot now uses the bedside's rule.
    from datetime import timedelta

    behind = timedelta(minutes=30)

    def device(row_id: int, name: str, value: float, second: int) -> tuple[int, ObservationRecord]:
        received = START + timedelta(seconds=second)
        return row_id, ObservationRecord(1, name, value, "x", "hl7:MON", received - behind,
                                         received, "engine")

    typed_at = START + timedelta(seconds=5)
    typed = (3, ObservationRecord(1, "resp_rate", 12, "breaths/min", "manual", typed_at,
                                  typed_at, "nurse.ana"))
    points = TrendPoints(1)
    placed = points.add([device(1, "heart_rate", 70, 0), device(2, "bp_systolic", 150, 2), typed])
    assert placed == [("heart_rate", START, 70), ("bp_systolic", START + timedelta(seconds=2), 150),
                      ("resp_rate", typed_at, 12)]


def test_the_cuffs_pulse_goes_to_the_central_as_its_own_series_at_the_cuffs_time() -> None:
    # As at the bedside (trend_feed.py): joined to the oximeter's pulse line it drew a dip; and
    # delivered 3 minutes late (a link outage) it is a delivery, not a monitor clock off.
    from datetime import timedelta

    from console.session.trend_feed import CUFF_PULSE
    from devices.reading import NIBP_PULSE

    cuff_at, received = START, START + timedelta(minutes=3)
    rows = [(1, ObservationRecord(1, "pulse_rate", 80, "/min", "hl7:MON", cuff_at, received,
                                  "engine", flags=frozenset({NIBP_PULSE}))),
            (2, ObservationRecord(1, "pulse_rate", 125, "/min", "hl7:MON", received, received,
                                  "engine"))]
    points = TrendPoints(1)
    assert points.add(rows) == [(CUFF_PULSE, cuff_at, 80), ("pulse_rate", received, 125)]
    assert not points.monitor_clock_off


def test_the_status_sends_the_blood_pressure_of_one_measurement_as_the_tile_shows_it() -> None:
    # A charge nurse's walk: a typed 186/100 read "186/100 (113)" at the central, 113 the mean
    # of the monitor's earlier cuff; the bedside tile said "no mean with this reading".
    s = Session()
    s.engine.device_state_changed("connected", s.now())
    s.t(60)
    for name, value in (("bp_systolic", 150), ("bp_diastolic", 90), ("bp_mean", 113)):
        s.device(name, value)
    s.t(120)
    s.bp(186, 100)
    vitals = _status(s)["vitals"]
    assert (vitals["bp_systolic"]["value"], vitals["bp_diastolic"]["value"]) == (186, 100)
    assert "bp_mean" not in vitals


def test_the_snapshot_says_when_the_bedside_found_a_monitor_clock_off() -> None:
    from datetime import timedelta

    points = TrendPoints(1)
    on_time = ObservationRecord(1, "heart_rate", 70, "beats/min", "hl7:MON", START, START,
                                "engine")
    points.add([(1, on_time)])
    assert not points.monitor_clock_off
    later = START + timedelta(seconds=5)
    behind = ObservationRecord(1, "heart_rate", 71, "beats/min", "hl7:MON",
                               later - timedelta(minutes=30), later, "engine")
    points.add([(2, behind)])
    assert points.monitor_clock_off
    assert build_trend("chair-3", 1, later, [], monitor_clock_off=True)["monitor_clock_off"]


def test_a_discharged_session_says_its_time_at_discharge_and_no_monitor() -> None:
    s = Session()
    s.engine.device_state_changed("connected", s.now())
    s.to_infusion()
    for _ in range(3):
        s.engine.advance_phase("nurse.ana", s.now(), override_reason="test")
    s.t(600)
    assert s.engine.discharge("nurse.ana", s.now(), override_reason="test: transfer").done
    at_discharge = _status(s)
    s.t(1800)   # twenty minutes on: the chair still shows the ended session
    later = _status(s)
    assert later["session"]["ended"] is True
    assert later["session"]["elapsed_s"] == at_discharge["session"]["elapsed_s"] == 600
    assert later["device"] == "none"


def test_a_value_within_limits_is_not_marked_under_a_latched_alarm() -> None:
    # A walk on X: the central drew BP 119/76 red while the bedside tile drew it white: the
    # status marked every value of a vital with a latched alarm. It marks as the tile does.
    s = Session()
    s.engine.device_state_changed("connected", s.now())
    s.to_infusion()
    s.t(60)
    s.device("spo2", 88)                # high, unseen
    assert _status(s)["vitals"]["spo2"]["alarm"] == "high"
    s.t(62)
    s.device("spo2", 97)                # recovered: latched
    status = _status(s)
    assert [a["state"] for a in status["alarms"]] == ["latched"]
    assert status["vitals"]["spo2"]["alarm"] is None


def test_the_status_says_a_dead_speaker_and_an_audio_pause_as_such() -> None:
    # bus_topics documents "audio": "full" | "quiet" | "paused" | "unavailable"; the chair sent
    # "full" while its speaker could not sound and while a pause silenced it (the audio review).
    s = Session()
    s.device("bp_systolic", 205)   # high
    assert _status(s)["audio"] == "full"
    s.engine.pause_audio("nurse.ana", s.now())
    assert _status(s)["audio"] == "paused"
    s.t(200)   # the 2-minute pause is over
    assert _status(s)["audio"] == "full"
    s.engine.audio_status(False, s.now(), "paplay failed (exit 1)")
    assert _status(s)["audio"] == "unavailable"
    s.engine.audio_status(True, s.now())
    assert _status(s)["audio"] == "full"


def test_the_snapshot_says_where_the_device_lines_break_once_per_gap() -> None:
    # The bedside breaks its device lines at an unplug and at a console restart however short
    # (trend_feed.breaks_lines); a central drew HR 80 joined to 140 across 100 s unplugged.
    from datetime import timedelta

    from console.records import EventRecord

    def at(second: float):
        return START + timedelta(seconds=second)

    def hr(row_id: int, value: float, second: float) -> tuple[int, ObservationRecord]:
        return row_id, ObservationRecord(1, "heart_rate", value, "beats/min", "hl7:MON",
                                         at(second), at(second), "engine")

    def state(event_id: int, name: str, second: float) -> tuple[int, EventRecord]:
        return event_id, EventRecord(1, at(second), "device_state", "engine",
                                     {"state": name, "detail": ""})

    points = TrendPoints(1)
    placed = points.add([hr(1, 80, 10), hr(2, 80, 11)],
                        events=[state(1, "connecting", 0), state(2, "connected", 5),
                                (3, EventRecord(1, at(8), "note", "ana", {"text": "calm"}))])
    assert points.breaks == [at(0)]   # at the start: no value before it to break from
    placed = points.add([hr(3, 140, 120)], events=[
        state(1, "connecting", 0), state(2, "connected", 5),   # read again: taken once
        state(4, "disconnected", 12), state(5, "connecting", 13), state(6, "connected", 110)])
    assert points.breaks == [at(0), at(12), at(13)]
    trend = build_trend("chair-3", 1, at(120), placed, breaks=points.breaks)
    # One break per gap between values: none before the first value, one for the unplug.
    assert trend["breaks"] == [at(12).timestamp()]
    assert trend["series"]["heart_rate"] == [[at(10).timestamp(), 80], [at(11).timestamp(), 80],
                                             [at(120).timestamp(), 140]]


def test_the_status_carries_the_pulse_and_says_when_no_ecg_heart_rate_watches() -> None:
    # A pulse oximeter alone (a Masimo: SpO2 and pulse rate): the bedside has a Pulse tile and
    # its pulse alarms watch the heart. The status carried neither the pulse nor which rate
    # watches, and the central card read the HR of the session's start beside the pulse alarm.
    s = Session()
    s.engine.device_state_changed("connected", s.now())
    s.t(60)
    s.device("heart_rate", 72)
    status = _status(s)
    assert status["ecg_heart_rate"] is True
    s.t(120)   # the ECG's heart rate stopped a minute ago; the oximeter's pulse comes
    s.device("spo2", 97)
    s.device("pulse_rate", 132)
    status = _status(s)
    vitals = status["vitals"]
    assert isinstance(vitals, dict)
    assert vitals["pulse_rate"] == {"value": 132, "unit": "beats/min",
                                    "at": "2026-03-02T09:02:00.000Z", "stale": False,
                                    "alarm": vitals["pulse_rate"]["alarm"]}
    assert status["ecg_heart_rate"] is False
    # A typed heart rate is no ECG (the engine's rule): the pulse still watches.
    s.manual("heart_rate", 80)
    assert _status(s)["ecg_heart_rate"] is False


def test_the_trend_snapshot_keeps_every_series_the_bedside_draws() -> None:
    # The snapshot kept the six vitals of the card: a station started late drew neither an
    # oximeter's pulse line nor the cuff's pulse, both on the bedside's trend.
    from console.session.trend_feed import CUFF_PULSE

    points = [("pulse_rate", START, 132.0), (CUFF_PULSE, START, 77.0), ("spo2", START, 97.0),
              ("moaas", START, 5.0)]
    trend = build_trend("chair-3", 1, START, points)
    assert set(trend["series"]) == {"pulse_rate", CUFF_PULSE, "spo2"}
