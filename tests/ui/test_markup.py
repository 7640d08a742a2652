"""console.ui.markup.escape is html.escape (which the windows no longer import at start)."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from console.ui.markup import escape


def test_escape_matches_html_escape_on_the_characters_that_matter() -> None:
    for text in ("", "S ≥200", "a & b", "<b>", "\"q\" 'q'", "&amp;", "mmHg", "x<y>z&'\""):
        assert escape(text) == html.escape(text)


@given(st.text())
def test_escape_matches_html_escape_on_any_text(text: str) -> None:
    assert escape(text) == html.escape(text)
