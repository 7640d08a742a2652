"""Which characters a text shown to staff may not hold: one rule for staff names, badges and
reasons (console/identity/staff.py), patient ids and `--nurse` (console/session/start_checks.py)
and a protocol's texts (protocols/loader.py). It lives here because the protocols package may
import neither the console nor devices, and both may import it. No Qt, no I/O.
"""

from __future__ import annotations

import unicodedata
from typing import Final

__all__ = ["DIRECTION_CONTROLS", "isolated", "refused_in_text"]

# Direction embeddings, overrides and isolates: they make text show other than it is stored
# ("Ana \u202eesruN" shows "Ana Nurse"), which a name that signs must not; a name in a
# right-to-left script needs none (the direction marks LRM and RLM are kept).
DIRECTION_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def refused_in_text(ch: str) -> str | None:
    """What a character refused in a text shown to staff is called, else None.

    Only what harms is refused: `isprintable()` had refused every format character and every
    space but " ", so a no-break space pasted from a spreadsheet and the zero-width non-joiner of
    a Persian name were called control characters."""
    category = unicodedata.category(ch)
    if category == "Cc":
        return "a control character"
    if category in ("Zl", "Zp"):
        return "a line or paragraph separator"
    if ch in DIRECTION_CONTROLS:
        return "a text direction control"
    if category == "Cs":
        return "a character that is not text"   # half a surrogate pair: bytes not UTF-8
    return None


def isolated(text: str) -> str:
    """`text` (a staff name) in a first-strong isolate (U+2068 ... U+2069) when it holds a
    letter written right to left, for a line that puts it beside another with only neutral
    characters between: "Handed over: A → B" with two Hebrew names was laid out as one
    right-to-left run, and read as B handing over to A (a review). The line keeps its own
    direction; a name in a left-to-right script is left as it is (nothing invisible added to
    what a clinician copies)."""
    if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        return f"\u2068{text}\u2069"
    return text
