"""Text for Qt's rich-text labels.

`escape` is `html.escape`: the console's windows need only that, and importing `html` (with its
entity tables) cost ~1.4 ms of every start (P7, start-up).
"""

from __future__ import annotations


def escape(text: str) -> str:
    """`html.escape(text)`: &, <, >, " and ' as character references."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


def plain_tip(text: str) -> str:
    """A tooltip that shows `text` as written.

    Qt draws a tooltip as rich text whenever its text looks like markup (`Qt::mightBeRichText`):
    a note or a name holding "<s>" or "<B>" came out struck through or lost its letters. Text
    with no "<" or "&" is handed over as it is (drawn plain, laid out as before); text with one
    is escaped inside a paragraph that keeps its spaces and line breaks (a room "Room &lt;1&gt;"
    is taken for markup too, and read "Room <1>" on hover).
    """
    if "<" not in text and "&" not in text:
        return text
    return f'<p style="white-space:pre">{escape(text)}</p>'
