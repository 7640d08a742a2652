"""A TOML file's value as a refusal message shows it (device profiles, code maps, scenarios)."""

from __future__ import annotations

import sys

__all__ = ["shown"]


def shown(value: object) -> str:
    """repr(value) for a message. Python writes no whole number past
    sys.get_int_max_str_digits in decimal (ValueError), and tomllib reads a hexadecimal one
    (0xfff...) past it: such a number, or a list or table holding one, is told by its size."""
    try:
        return repr(value)
    except ValueError:
        what = "a whole number" if isinstance(value, int) else "a list or table with a number"
        return f"{what} of more than {sys.get_int_max_str_digits()} digits"
