"""De-identified exports keep an observation noted with a button at the chair ("Vomiting": the
console's own words, an `observation` event), and still remove free text (notes).

Audit: a de-identified export read "Observation · staff-1 · [free text removed]" where the nurse
had pressed Vomiting, as if it were a note that could name someone; a researcher counting
vomiting after ketamine found none.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.export.csv_export import write_session_csv
from console.export.deidentify import OBSERVATION_BUTTONS, REDACTED, deidentify
from console.export.fhir import write_session_fhir
from console.export.pdf import write_session_pdf
from console.review import content as rc
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.session.engine import OBSERVED
from console.store import EventLog
from tests.export.test_pdf import needs_poppler, pages_of, squash
from tests.review.scenarios import Driver

KEY = b"k" * 32
NOTE = "Husband Tom Hale called, will collect her at 11"


@pytest.fixture
def anon(tmp_path: Path) -> SessionDetail:
    """A session in which the nurse pressed Vomiting twice and wrote a note naming a relative;
    a text sent with the observation kind that is no button's, and "Vomiting" typed as a note,
    are free text."""
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "test", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", "MRN-4711", 72.0, "nurse.ben",
                   datetime(2026, 3, 6, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.at(3); assert r.engine.note("Vomiting", r.nurse, r.clock.now(), kind=OBSERVED).done
        r.at(4); assert r.engine.note(NOTE, r.nurse, r.clock.now()).done
        r.at(6); assert r.engine.note("Vomiting", r.nurse, r.clock.now(), kind=OBSERVED).done
        r.at(7); assert r.engine.note("Vomiting again, Tom saw it", r.nurse, r.clock.now(),
                                      kind=OBSERVED).done
        r.at(8); assert r.engine.note("Vomiting", r.nurse, r.clock.now()).done   # typed
        session = r.id
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    return deidentify(detail, KEY, tz=UTC)


def test_the_notes_table_keeps_the_button_and_removes_the_free_text(anon):
    rows = [(kind, text) for _when, kind, _who, text in rc.note_rows(anon, UTC)]
    assert rows == [("Observation", "Vomiting"), ("Note", REDACTED),
                    ("Observation", "Vomiting"), ("Observation", REDACTED), ("Note", REDACTED)]


def test_the_deidentified_csv_keeps_vomiting(anon, tmp_path):
    paths = write_session_csv(anon, tmp_path / "out")
    with paths["events"].open(encoding="utf-8-sig", newline="") as f:
        events = list(csv.DictReader(f))
    kinds = [(e["kind"], e["text"], json.loads(e["detail"])) for e in events
             if e["kind"] in ("observation", "note")]
    assert [(kind, detail["text"]) for kind, _text, detail in kinds] == [
        ("observation", "Vomiting"), ("note", REDACTED), ("observation", "Vomiting"),
        ("observation", REDACTED), ("note", REDACTED)]
    # The row's text column, as the events CSV reads: the button's kept, the note's removed.
    assert [text for _kind, text, _detail in kinds] == [
        "Observation: Vomiting", f"Note: {REDACTED}", "Observation: Vomiting",
        f"Observation: {REDACTED}", f"Note: {REDACTED}"]
    whole = paths["events"].read_text(encoding="utf-8-sig")
    assert "Tom" not in whole and "MRN-4711" not in whole and "nurse.ben" not in whole


def test_the_deidentified_fhir_bundle_names_nobody(anon, tmp_path):
    # The Bundle carries the vital signs only, no events, identified or not: nothing to keep.
    path = tmp_path / "bundle.json"
    write_session_fhir(anon, path, pseudonymised=True)
    text = path.read_text(encoding="utf-8")
    assert "Tom" not in text and "MRN-4711" not in text


@needs_poppler
def test_the_deidentified_pdf_prints_vomiting_and_not_the_note(anon, tmp_path):
    pdf = tmp_path / "anon.pdf"
    write_session_pdf(anon, pdf, tz=UTC)
    whole = squash(" ".join(pages_of(pdf)))
    assert "09:03 Observation staff-1 Vomiting" in whole
    assert "09:06 Observation staff-1 Vomiting" in whole
    assert f"09:04 Note staff-1 {REDACTED}" in whole
    assert "Tom" not in whole and "MRN-4711" not in whole
