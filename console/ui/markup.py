"""Text for Qt's rich-text labels.

`escape` is `html.escape`: the console's windows need only that, and importing `html` (with its
entity tables) cost ~1.4 ms of every start (P7, start-up).
"""

from __future__ import annotations


def escape(text: str) -> str:
    """`html.escape(text)`: &, <, >, " and ' as character references."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))
