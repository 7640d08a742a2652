"""A monitor's value beyond its range reads as a limit in the review's vitals table and the PDF:
"<5", not "5".

A Dräger Infinity sends "RR below 5" as the structured numeric `<^5`; the console keeps it as 5
flagged `<` (devices/hl7/decoder.py; the PCD-01 sends it in OBX-8, HL7 table 0078). The event
list says "below the monitor's range"; the vitals table, and the PDF from the same cells, read
"5" under "RR /min", a rate the monitor never measured.
"""

from __future__ import annotations

from datetime import UTC

from console.export.pdf import write_session_pdf
from console.review import content as rc
from devices.hl7.decoder import decode_message
from devices.profiles import code_maps
from tests.export.test_pdf import needs_poppler, pages_of, squash
from tests.review.logged_session import logged_session

MMHG = "266016^MDC_DIM_MMHG^MDC"


def monitor_sends(s, *obx: str) -> None:
    """One ORU message of the monitor, decoded as the console decodes it, into the session."""
    now = s.clock.now()
    at = now.wall.strftime("%Y%m%d%H%M%S+0000")
    message = (f"MSH|^~\\&|Infinity Gateway|DRAEGER|||{at}||ORU^R01|D1|P|2.3\r"
               f"OBR|1|||MONITORING|||{at}\r" + "".join(f"{row}\r" for row in obx))
    result = decode_message(message.encode(), now.wall, dialects=code_maps())
    assert not result.dropped, result.dropped
    for reading in result.readings:
        s.engine.ingest(reading, now)


def test_the_vitals_table_shows_a_value_beyond_the_monitors_range_as_its_limit(tmp_path):
    s = logged_session(tmp_path)
    s.engine.device_state_changed("connected", s.clock.now())
    s.clock.advance(60)
    at = s.clock.now().wall.strftime("%Y%m%d%H%M%S+0000")
    monitor_sends(
        s,
        "OBX|1|SN|RR^^local^9279-1&1^^LOINC||<^5|/min^^ISO+|||||F",
        # A cuff's systolic above the monitor's scale, its diastolic measured.
        f"OBX|2|SN|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.1|>^250|{MMHG}|||||R|||{at}",
        f"OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.2|120|{MMHG}|||||R|||{at}",
        "OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.9.3|97|262688^MDC_DIM_PERCENT^MDC|||||R",
    )
    rows = rc.vital_rows(s.detail(), UTC)
    # The session's record stops here: its last readings, the monitor's (RR read "5", BP "250/120").
    assert rows == [("09:01", "+1", ">250/120", "—", "<5", "97",
                     "device (last reading: session not ended)")]


@needs_poppler
def test_the_pdf_shows_it_as_its_limit_too(tmp_path):
    s = logged_session(tmp_path)
    s.engine.device_state_changed("connected", s.clock.now())
    s.clock.advance(60)
    monitor_sends(s, "OBX|1|SN|RR^^local^9279-1&1^^LOINC||<^5|/min^^ISO+|||||F")
    pdf = tmp_path / "report.pdf"
    write_session_pdf(s.detail(), pdf, tz=UTC)
    row = next(line for page in pages_of(pdf) for line in page.splitlines()
               if "last reading: session not ended" in line)
    assert squash(row).startswith("09:01 +1 — — <5 — device"), row
