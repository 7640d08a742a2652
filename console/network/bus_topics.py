"""The clinic bus contract: topic names and the JSON of what is not HL7.

Every chair publishes under its own branch, so a broker's ACL can let a chair write only there
(`pattern write <prefix>/chair/%u/#` in Mosquitto) and the central station read all of them:

    <prefix>/chair/<chair>/status    retained, QoS 1  chair status JSON (below), every 2 s and on
                                                     change; the Last Will is the same topic with
                                                     "online": false
    <prefix>/chair/<chair>/pcd01     QoS 1            IHE PCD-01 ORU^R01 text (console/network/pcd)
    <prefix>/chair/<chair>/pcd04     QoS 1            IHE PCD-04 ORU^R40 text, one per alarm phase
    <prefix>/chair/<chair>/trend     retained, QoS 1  the session's trend so far (JSON, every 30 s)
                                                     so a central station started late has it
    <prefix>/chair/<chair>/command   QoS 1            central -> chair: "acknowledge" (JSON)
    <prefix>/chair/<chair>/confirm   QoS 1            central -> chair: "PCD-04 <control id> shown"
    <prefix>/central/<name>/status   retained, QoS 1  central station presence (+ Last Will)

HL7 payloads are the message text, UTF-8, segments ended by CR, exactly what MLLP would carry
between its framing bytes. Receivers drop duplicates by MSH-10 (QoS 1 is at least once).

Names: a chair or central name is 1-32 of A-Z a-z 0-9 _ - (it is an MQTT topic level and a
Mosquitto user name, so no `/`, `+`, `#` or spaces). The room shown to people is a separate field.

Qt-free, no transport: the console, the central station and the tests share these functions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

DEFAULT_PREFIX: Final = "infusion"
SCHEMA_VERSION: Final = 1

# How often a chair republishes its status, and after how long without one a central station shows
# "no connection" (issue 12: within 10 s; the broker's Last Will usually comes sooner).
STATUS_PERIOD_S: Final = 2.0
STATUS_STALE_S: Final = 10.0
TREND_PERIOD_S: Final = 30.0
COMMAND_STALE_S: Final = 60.0
"""A central's command read by the chair this long after it was given (its `at`, on the central's
clock) is not applied: the central told its nurse "ack not confirmed" after 10 s and sounds
again, and a bus client or broker that held it minutes (a dropped connection) had the bedside
silenced long after anyone chose to. Generous against clock skew between the two (NTP)."""

_NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")

Kind = Literal["status", "pcd01", "pcd04", "trend", "command", "confirm"]
CHAIR_KINDS: Final[tuple[Kind, ...]] = ("status", "pcd01", "pcd04", "trend", "command", "confirm")


def is_station_name(name: str) -> bool:
    """True when `name` could be a station's name (and so its broker account, `network setup`)."""
    return _NAME.fullmatch(name) is not None


def check_name(name: str, what: str = "chair name") -> str:
    """`name` if it can be a topic level and a broker user name; else ValueError saying why."""
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"{what} {name!r} is not allowed: use 1-32 letters, digits, '_' or '-' "
            "(it becomes a topic level and the broker user name)"
        )
    return name


def check_prefix(prefix: str, what: str = "topic prefix") -> str:
    """A topic prefix: one or more name levels joined by '/'; else ValueError naming `what`."""
    if not prefix or not all(_NAME.fullmatch(level) for level in prefix.split("/")):
        raise ValueError(
            f"{what} {prefix!r} is not allowed: levels of letters, digits, '_' or '-' "
            "joined by '/'"
        )
    return prefix


def chair_topic(chair: str, kind: Kind, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}/chair/{chair}/{kind}"


def all_chairs_filter(prefix: str = DEFAULT_PREFIX) -> str:
    """What a central station subscribes to: everything every chair publishes."""
    return f"{prefix}/chair/+/+"


def central_status_topic(name: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}/central/{name}/status"


def central_filter(prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}/central/+/status"


@dataclass(frozen=True, slots=True)
class ChairTopic:
    chair: str
    kind: Kind


def parse_chair_topic(topic: str, prefix: str = DEFAULT_PREFIX) -> ChairTopic | None:
    """The chair and kind of a chair topic under `prefix`; None for anything else."""
    head = f"{prefix}/chair/"
    if not topic.startswith(head):
        return None
    rest = topic[len(head):].split("/")
    if len(rest) != 2 or not _NAME.fullmatch(rest[0]) or rest[1] not in CHAIR_KINDS:
        return None
    return ChairTopic(rest[0], rest[1])   # narrowed to Kind by the CHAIR_KINDS test above


def chair_topic_problem(topic: str, prefix: str = DEFAULT_PREFIX) -> str:
    """Why `parse_chair_topic` does not take `topic`, in words ("" when it does). "Not a chair
    topic" for an unknown kind under a chair sent the reader checking the prefix (a code
    review): the part that is wrong is named, with what is allowed."""
    head = f"{prefix}/chair/"
    if not topic.startswith(head):
        return f"not under {head}"
    rest = topic[len(head):].split("/")
    if len(rest) != 2:
        return f"not {head}<chair>/<kind>"
    if not _NAME.fullmatch(rest[0]):
        return f"chair name {rest[0][:40]!r} is not 1-32 letters, digits, '_' or '-'"
    if rest[1] not in CHAIR_KINDS:
        return f"unknown kind {rest[1][:40]!r} (known: {', '.join(CHAIR_KINDS)})"
    return ""


CLOSED_REASON: Final = "console closed"
"""The reason of a chair's offline status at a clean stop (its Last Will says "connection lost")."""


def encode(obj: dict[str, Any]) -> bytes:
    """Compact JSON with the schema version, UTF-8."""
    return json.dumps({"v": SCHEMA_VERSION, **obj}, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def decode(payload: bytes) -> dict[str, Any] | None:
    """The JSON object of a payload of this schema, or None (not JSON, not an object, another
    major version): a receiver ignores and counts such a message, it never raises."""
    try:
        obj = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):   # nesting deeper than Python's stack
        return None
    if not isinstance(obj, dict) or obj.get("v") != SCHEMA_VERSION:
        return None
    return obj


# --- The chair status (retained) -------------------------------------------------------------
#
# {"v": 1, "chair": "chair-3", "room": "Room 3", "online": true, "sent_at": ISO, "seq": 41,
#  "session": null | {"id": 12, "patient": "as configured", "protocol": "ketamine-iv",
#                     "protocol_name": "IV ketamine", "phase": "infusion", "phase_name": "Infusion",
#                     "started_at": ISO, "elapsed_s": 1234, "demo": false, "ended": false},
#  "device": "connected" | "silent" | "disconnected" | "none",
#  "vitals": {"heart_rate": {"value": 88, "unit": "bpm", "at": ISO | null (age unknown),
#             "stale": false | true (the bedside greys its tile: too old, of unknown age, or
#             from a monitor not connected), "alarm": null | "low" | "medium" | "high"},
#             "bp_systolic": ..., "bp_diastolic": ..., "bp_mean": ..., "resp_rate": ...,
#             "spo2": ..., "pulse_rate": ...},
#  "ecg_heart_rate": true | false,
#  "alarms": [{"occurrence": 7, "priority": "high", "category": "physiological", "text": "...",
#              "state": "active" | "acknowledged" | "latched" | "paused", "raised_at": ISO}],
#  "highest": null | "low" | "medium" | "high",
#  "audio": "full" | "quiet" | "paused" | "unavailable",
#  "network": "ok" | "degraded"}
#
# `ecg_heart_rate` (absent from an older chair's): a monitor's heart rate came in within the last
# 30 s (console/session/engine.py ECG_HEART_RATE_SECONDS), so the heart rate's alarms watch the
# heart; false: the pulse rate's do (a pulse oximeter alone), and a central shows the pulse where
# it shows the heart rate, as the bedside's Pulse tile and its alarms show it.
#
# The Last Will: {"v": 1, "chair": "chair-3", "room": "Room 3", "online": false,
#                 "reason": "connection lost"}  (retained, so a late central sees it too).
# A clean stop says the same with "reason": CLOSED_REASON, and "session_open": true | false (was
# a session open at the chair; absent from a Last Will, which is set before anything happens).
#
# --- The trend snapshot (retained) -----------------------------------------------------------
#
# {"v": 1, "chair": "chair-3", "session": 12, "sent_at": ISO,
#  "series": {"heart_rate": [[epoch seconds, value], ...], ...},   (every series the bedside's trend
#             draws: the VITALS and "cuff_pulse", the pulse an NIBP cuff measured)
#  "monitor_clock_off": false, "breaks": [epoch seconds, ...]}
#
# Each value where the bedside's trend places it (console/session/trend_feed.py `placed_at`);
# `monitor_clock_off`: the bedside found a monitor's clock off (judged on receive times), so its
# values sit at their receive time and a central places the PCD-01 values that follow so too;
# `breaks` (absent from an older chair's): where the bedside's device lines break, however
# short the gap (its monitor not connected, its console closed or resumed: trend_feed.py
# `breaks_lines`), in time order, one per gap between values.
#
# --- Commands (central -> chair) -------------------------------------------------------------
#
# {"v": 1, "id": "<central>-<n>", "kind": "acknowledge", "session": 12, "occurrence": 7,
#  "priority": "medium", "by": "nurse's name", "station": "<central name>", "at": ISO}
#
# The chair logs it as an acknowledgement "at central by <by>" and answers with the PCD-04
# update of that alarm (its new inactivation state). It ignores a command id it has already
# applied, and one for another session or an occurrence that is no longer open, or that has
# risen above the `priority` the central nurse saw (an acknowledgement covers the priority it
# was given at: a medium acknowledged there must not silence the high it became on the way).
#
# --- Confirmations (central -> chair) --------------------------------------------------------
#
# {"v": 1, "control_id": "<MSH-10 of the PCD-04>", "station": "<central name>", "at": ISO}
#
# A central station publishes one for each PCD-04 it has shown (quiet-room mode: the bedside may
# keep a softer tone only while every alarm phase it sent is confirmed within 10 s).

PRIORITY_ORDER: Final = {"low": 1, "medium": 2, "high": 3}
VITALS: Final = ("bp_systolic", "bp_diastolic", "bp_mean", "heart_rate", "pulse_rate", "resp_rate",
                 "spo2")
"""The vitals of the status and the trend snapshot: every vital the bedside has a tile for."""
