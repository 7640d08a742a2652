"""The PDF session report, read back as a reader would: `pdftotext` for the words on each page and
`pdfinfo` for the paper size, on sessions driven through the real engine into a real log."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.export.deidentify import deidentify
from console.export.pdf import write_session_pdf
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.identity.accounts import child_sign_in, close_fds, ensure_account
from tests.ui.review_sessions import Driver, build_review_log

ROOT = Path(__file__).resolve().parents[2]
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) is not installed: scripts/bootstrap.sh installs it")


@pytest.fixture(scope="module")
def review_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "log.sqlite3"
    facts = build_review_log(path)
    return path, facts


def detail_of(path: Path, session_id: int, with_observations: bool = False):
    conn = open_readonly(path)
    try:
        return load_session(conn, session_id, with_observations=with_observations)
    finally:
        conn.close()


def pages_of(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines()
                                              if ":" in line)}


def squash(text: str) -> str:
    return " ".join(text.split())


@needs_poppler
def test_a4_report_has_header_alarm_with_time_to_ack_checklist_and_page_numbers(review_log,
                                                                                tmp_path):
    path, facts = review_log
    pdf = tmp_path / "surge.pdf"
    count = write_session_pdf(detail_of(path, facts.ids["surge"]), pdf, tz=UTC)
    assert info(pdf)["Page size"] == "595 x 842 pts (A4)"
    assert info(pdf)["Pages"] == str(count)
    pages = pages_of(pdf)
    assert len(pages) == count >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {count}" in page
        # The zone the times are in: the paper travels (the CSV writes UTC with its Z).
        assert "MRN-4711 · session 2 · Thu 05 Mar 2026 · iv-ketamine v1.6 · times UTC" in page
    first = squash(pages[0])
    assert "Infusion session report" in first
    assert "Patient MRN-4711" in first
    assert "IV racemic ketamine 0.5 mg/kg over 40 min (iv-ketamine v1.6)" in first
    assert "Nurse nurse.ben" in first and "Weight 72 kg" in first
    assert "Dose 36 mg at 150 mL/h" in first
    whole = squash(" ".join(pages))
    # The alarm line: priority, what, raised, acknowledged by whom, seconds to acknowledge. It
    # rose to high at 09:40:00: its response is the acknowledgement after that, 20 s later (the
    # one at medium, 09:35:45, is said beside it), as on the screen (console.review.content).
    assert "HIGH Systolic BP 182 mmHg" in whole
    assert "09:35:00 09:40:20" in whole and "20 s" in whole
    # The vitals at the check where it was raised.
    assert "09:35 +35 182/104 88 16 97 manual" in whole
    # A checklist item with who and when, and the override with its reason.
    assert "09:00 Pre-session checks Consent for the ketamine course is current nurse.ben" in whole
    assert "Dr Lee reviewed: BP settling, patient" in whole
    assert "Observation must last 10:00 min" in whole   # "more" wraps to the next line
    assert "Prescriber Dr Lee informed of BP 186/100; infusion continued" in whole
    assert "2 moderate" in whole   # nausea observation
    assert "Nurse (name)" in whole and "Prescriber (name)" in whole


@needs_poppler
def test_session_and_phase_lengths_carry_their_unit(review_log, tmp_path):
    """80 minutes of session and a 40-minute infusion printed "1:20" and "0:40" beside the clock
    times (09:05, 09:45), where they read as times of day."""
    path, facts = review_log
    pdf = tmp_path / "surge.pdf"
    write_session_pdf(detail_of(path, facts.ids["surge"]), pdf, tz=UTC)
    whole = squash(" ".join(pages_of(pdf)))
    assert "Thu 05 Mar 2026 09:00–10:20 (1:20 h)" in whole
    assert "Infusion 09:05 09:45 40:00 min nurse.ben" in whole


@needs_poppler
def test_letter_report_is_letter_sized_and_esketamine_shows_the_monitor_values(review_log,
                                                                              tmp_path):
    path, facts = review_log
    pdf = tmp_path / "esk.pdf"
    count = write_session_pdf(detail_of(path, facts.ids["esketamine"], True), pdf,
                              page_size="Letter", tz=UTC)
    assert info(pdf)["Page size"] == "612 x 792 pts (letter)"
    pages = pages_of(pdf)
    assert len(pages) == count
    assert f"Page {count} of {count}" in pages[-1]
    whole = squash(" ".join(pages))
    assert squash(pages[0]).startswith("Nasal spray session report")   # was "Infusion …"
    assert "MRN-5820" in whole
    # Two of the three devices logged (the header's cell wraps beside T0's).
    assert "Dose 84 mg planned (3 devices; 2" in whole and "recorded given)" in whole
    assert "medium SpO2 92 %, limit ≤93 11:00:00 — not acknowledged — 11:01:00" in whole
    assert "10:51 +51 140/86 74 14 97 manual + device" in whole
    assert "device (scheduled check)" in whole
    # What the "Min" column counts from, said on paper (the screen says it in a tooltip).
    assert "Min: Minutes since the session started, a clock step left out" in whole


@needs_poppler
def test_long_tables_break_between_rows_and_repeat_their_header(tmp_path):
    path = tmp_path / "long.sqlite3"
    with EventLog.open(path, "test") as log:
        r = Driver(log, "iv-ketamine", "MRN-9000", 80.0, "nurse.dee",
                   datetime(2026, 4, 1, 8, 0, tzinfo=UTC), 4)
        r.manual(bp_systolic=130, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5)
        r.tick_required()
        r.at(5); r.advance()
        # Four hours of values every 2 minutes and a note with each: long tables.
        for k in range(1, 121):
            r.at(5 + 2 * k)
            r.manual(bp_systolic=130 + k % 7, bp_diastolic=80, heart_rate=70 + k % 5, spo2=98,
                     resp_rate=14)
            r.engine.note(f"check number {k:03d} done", r.nurse, r.clock.now())
        session_id = r.id
    pdf = tmp_path / "long.pdf"
    count = write_session_pdf(detail_of(path, session_id), pdf, tz=UTC)
    pages = pages_of(pdf)
    assert count == len(pages) >= 6
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {count}" in page
    # Every row is printed exactly once, in order, whatever page it fell on.
    whole = "\n".join(pages)
    positions = [whole.find(f"check number {k:03d} done") for k in range(1, 121)]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert all(whole.count(f"check number {k:03d} done") == 1 for k in range(1, 121))
    # The vitals and notes tables span pages; each continuation page repeats the header row.
    vitals_pages = [p for p in pages if "+125" in p or "+185" in p or "+245" in p]
    assert vitals_pages and all("BP mmHg" in p for p in vitals_pages)
    note_pages = [p for p in pages if "check number" in p]
    assert len(note_pages) >= 2 and all("Kind" in p and "Text" in p for p in note_pages)
    # No table row is cut by the page's end: the footer is the last line of every page.
    for page in pages:
        lines = [line for line in page.splitlines() if line.strip()]
        assert lines[-1].strip().endswith(f"of {count}")


@needs_poppler
def test_a_deidentified_detail_prints_no_identifier(review_log, tmp_path):
    path, facts = review_log
    pdf = tmp_path / "anon.pdf"
    write_session_pdf(deidentify(detail_of(path, facts.ids["surge"])), pdf, tz=UTC)
    whole = " ".join(pages_of(pdf))
    assert "MRN-4711" not in whole and "nurse.ben" not in whole and "Dr Lee" not in whole
    assert "anon-" in whole and "staff-1" in whole
    # It says what it is: under the title, and in every page's footer (a page travels alone).
    pages = pages_of(pdf)
    assert "DE-IDENTIFIED: the patient is a pseudonym; dates are moved by whole weeks" in \
        " ".join(pages[0].split())
    assert all("(de-identified) · session" in page for page in pages)


def test_unknown_page_size_is_refused(review_log, tmp_path):
    path, facts = review_log
    with pytest.raises(ValueError, match="page size 'A5' is not one of A4, Letter"):
        write_session_pdf(detail_of(path, facts.ids["surge"]), tmp_path / "x.pdf", page_size="A5")
    assert not (tmp_path / "x.pdf").exists()


@needs_poppler
def test_the_export_command_writes_a_report_without_a_display(review_log, tmp_path):
    path, facts = review_log
    pdf = tmp_path / "cli.pdf"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    ensure_account(path)                      # an export signs in (tests/identity/accounts.py)
    signed, fds = child_sign_in()
    done = subprocess.run(
        [sys.executable, "-c",
         "import sys; from console.cli import main; sys.exit(main(sys.argv[1:]))",
         "export", str(facts.ids["surge"]), "--pdf", str(pdf), "--db", str(path),
         "--page-size", "Letter", *signed],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, pass_fds=fds)
    close_fds(fds)
    assert done.returncode == 0, done.stderr
    assert info(pdf)["Page size"] == "612 x 792 pts (letter)"
    assert "Page 1 of" in pages_of(pdf)[0]


@needs_poppler
def test_a_word_longer_than_the_line_wraps_and_is_printed_whole(tmp_path):
    # QA: a 312-character word (a pasted URL) in a note was cut at the cell's edge
    # ("...Verylongtokenwithou") and the rest lost.
    token = "Verylongtokenwithoutspaces" * 12
    path = tmp_path / "long-word.sqlite3"
    with EventLog.open(path, "test") as log:
        r = Driver(log, "iv-ketamine", "MRN-9001", 72.0, "nurse.dee",
                   datetime(2026, 3, 20, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5)
        r.engine.note(f"see {token} END", r.nurse, r.clock.now())
        r.engine.note("short words stay whole: extraordinarily", r.nurse, r.clock.now())
        session_id = r.id
    pdf = tmp_path / "long-word.pdf"
    write_session_pdf(detail_of(path, session_id), pdf, tz=UTC)
    whole = " ".join(pages_of(pdf))
    # The token spans several lines of its cell; with the line breaks taken out it is all there.
    assert f"see{token}END" in "".join(whole.split())
    assert "short words stay whole: extraordinarily" in squash(whole)   # no needless break


@needs_poppler
def test_a_note_longer_than_a_page_goes_on_over_the_next_pages_whole(tmp_path):
    # A records audit: a 12,000-character note printed 135 of its 300 sentences; the row ran
    # over the footer and the rest was lost without a mark. A word of 20,000 letters too.
    sentences = [f"sentence {k:04d} of the nurse's long account." for k in range(300)]
    word = "".join(f"w{k:05d}" for k in range(3000))
    path = tmp_path / "long-note.sqlite3"
    with EventLog.open(path, "test") as log:
        r = Driver(log, "iv-ketamine", "MRN-9002", 72.0, "nurse.dee",
                   datetime(2026, 3, 20, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5)
        r.engine.note(" ".join(sentences), r.nurse, r.clock.now())
        r.engine.note(f"start {word} end", r.nurse, r.clock.now())
        session_id = r.id
    pdf = tmp_path / "long-note.pdf"
    count = write_session_pdf(detail_of(path, session_id), pdf, tz=UTC)
    pages = pages_of(pdf)
    whole = squash("\n".join(pages))
    positions = [whole.find(f"sentence {k:04d} ") for k in range(300)]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert all(whole.count(f"sentence {k:04d} ") == 1 for k in range(300))
    # The word's parts, read across its pages without their footers and repeated headers.
    body = [line.replace("(continued)", "") for page in pages for line in page.splitlines()
            if "· session 1 ·" not in line and not ("Kind" in line and "Text" in line)]
    assert f"start{word}end" in "".join("".join(body).split())
    continued = [p for p in pages if "(continued)" in p]
    assert len(continued) >= 2 and all("Text" in p for p in continued)   # header repeated
    for page in pages:   # nothing runs over the footer
        lines = [line for line in page.splitlines() if line.strip()]
        assert lines[-1].strip().endswith(f"of {count}")


@needs_poppler
def test_chinese_japanese_and_korean_letters_in_a_note_are_printed(tmp_path):
    # A records audit: "漂浮感" in a note was three empty boxes in the review and the PDF (the
    # set-up installed no font with those letters; scripts/bootstrap.sh now does).
    path = tmp_path / "cjk.sqlite3"
    with EventLog.open(path, "test") as log:
        r = Driver(log, "iv-ketamine", "MRN-9003", 72.0, "nurse.dee",
                   datetime(2026, 3, 20, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14, moaas=5)
        r.engine.note("患者说有漂浮感 · ふわふわ · 어지러움", r.nurse, r.clock.now())
        session_id = r.id
    pdf = tmp_path / "cjk.pdf"
    write_session_pdf(detail_of(path, session_id), pdf, tz=UTC)
    assert "患者说有漂浮感 · ふわふわ · 어지러움" in " ".join(pages_of(pdf))


def test_the_report_says_the_zone_its_times_are_in():
    from datetime import timedelta, timezone

    from console.review.content import hhmm, zone

    when = datetime(2026, 3, 5, 9, 35, tzinfo=UTC)
    new_york = timezone(-timedelta(hours=5), "EST")   # fixed zones: no tzdata needed
    assert (hhmm(when, new_york), zone(when, new_york)) == ("04:35", "EST, UTC-05:00")
    assert zone(when, UTC) == "UTC"
    assert zone(when, timezone(timedelta(hours=5, minutes=30))) == "UTC+05:30"


# ---- a session changed outside the console (the review's banner, on paper) ---------------------


@needs_poppler
def test_the_pdf_of_a_session_edited_outside_says_so_on_page_1_and_every_page(
        review_log, tmp_path, qtbot):
    """QA: the review put a banner over a session whose 186 mmHg had been changed to 146 with
    sqlite3; its PDF report printed 146 as recorded, with no word of it."""
    from console.clock import ManualClock
    from console.review.integrity import ChainSweep
    from console.ui.review_window import ReviewWindow, changed_refusal
    from tests.ui.test_review_window import Dialogs
    from protocols.loader import default_protocol_dirs, load_protocols
    from tests.review.test_damaged_and_edited_log import edit_outside, surge_systolic_186

    built, facts = review_log
    path = tmp_path / "edited.sqlite3"
    shutil.copy(built, path)
    surge = facts.ids["surge"]
    row = surge_systolic_186(path, surge)
    edit_outside(path, "UPDATE observations SET value = 146 WHERE id = ?", row,
                 trigger="observations_no_update")
    dialogs = Dialogs(tmp_path)   # the review tests' user: files land in tmp_path
    dialogs.file_name = "report"
    window = ReviewWindow(open_readonly(path), protocols=load_protocols(
        default_protocol_dirs()).protocols, clock=ManualClock(datetime(2026, 3, 10, 12, 0,
                                                                       tzinfo=UTC)),
        dialogs=dialogs, tz=UTC, source=str(path), records=ChainSweep(path))
    qtbot.addWidget(window)
    window.open_session(surge)
    banner = squash(window.detail_page.integrity_banner.text())
    window.detail_page.export_buttons["pdf"].click()
    pages = pages_of(tmp_path / "report.pdf")
    first = squash(pages[0])
    # The warning the review shows over the session, whole, under the report's title.
    assert banner.startswith(
        f"⚠ This session's record was changed outside the console: observations row {row}: its "
        "content does not match its row_hash: it was edited outside the console, or the row "
        "before it was replaced. The row: Systolic BP 146 mmHg, recorded 09:40:00.")
    # (The log's path may break at a "/" on paper: compared without the line breaks.)
    assert "".join(banner.split()) in "".join(first.split())
    assert first.index("Infusion session report") < first.index("⚠ This session's record") < (
        first.index("Patient MRN-4711"))
    # Every page says it, for a page read alone.
    assert len(pages) >= 2
    for page in pages:
        assert "⚠ RECORD CHANGED OUTSIDE THE CONSOLE: see page 1" in page
    # A CSV, FHIR or REMS file cannot carry the warning: refused, as the command line does.
    window.detail_page.export_buttons["csv"].click()
    window.detail_page.export_buttons["fhir"].click()
    assert dialogs.errors == [("CSV export not written", changed_refusal("CSV")),
                              ("FHIR export not written", changed_refusal("FHIR"))]
    assert not [p for p in tmp_path.iterdir() if p.suffix not in (".sqlite3", ".pdf")
                and not p.name.startswith("edited.sqlite3")]
    dialogs.errors.clear()
    # De-identified: the row and verify's sentence are left out (they may hold a date), the
    # warning is not.
    window.detail_page.deidentify.setChecked(True)
    dialogs.file_name = "anon"
    window.detail_page.export_buttons["pdf"].click()
    anon = squash(" ".join(pages_of(tmp_path / "anon.pdf")))
    assert (f"⚠ This session's record was changed outside the console: observations row {row} "
            "does not match the log's hash chain.") in anon
    assert "146 mmHg, recorded" not in anon and "MRN-4711" not in anon
    # A session whose rows match: no warning.
    window.detail_page.deidentify.setChecked(False)
    window.open_session(facts.ids["quiet-1"])
    dialogs.file_name = "quiet"
    window.detail_page.export_buttons["pdf"].click()
    quiet = " ".join(pages_of(tmp_path / "quiet.pdf"))
    assert "changed outside the console" not in quiet and "RECORD CHANGED" not in quiet
    assert dialogs.errors == []
    window.close_log()


# ---- names ---------------------------------------------------------------------------------------

LONG_NAME = "Margarethe Oppenheimer-Castellanos, RN"


@needs_poppler
def test_a_long_staff_name_wraps_between_words_in_every_by_column(tmp_path):
    """QA: the "By" column printed "Margarethe Oppenheimer-Castel" / "lanos, RN"."""
    path = tmp_path / "names.sqlite3"
    with EventLog.open(path, "test") as log:
        r = Driver(log, "iv-ketamine", "MRN-9002", 72.0, LONG_NAME,
                   datetime(2026, 3, 20, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, nausea=1)                               # observations: By
        r.tick_required()                                        # checklist: Ticked by
        r.engine.note("Patient settled, partner waiting outside", r.nurse, r.clock.now())
        r.at(5)
        r.advance()                                              # phases: Started by
        r.at(10)
        r.advance(override_reason="Prescriber asked to stop the infusion early")   # overrides
        session_id = r.id
    pdf = tmp_path / "names.pdf"
    write_session_pdf(detail_of(path, session_id), pdf, tz=UTC)
    text = "\n".join(pages_of(pdf))
    whole = text.count("Oppenheimer-Castellanos,")
    # Each name is printed with its surname in one piece: never "Oppenheimer-" at a line's end
    # with "Castellanos," below, nor cut inside a word.
    assert text.count("Castellanos") == whole
    assert text.count("Oppenheimer") == whole
    assert text.count("Margarethe") == whole
    # Phases, checklist, overrides, observations, notes (and the header's Nurse).
    assert whole >= 6, text
