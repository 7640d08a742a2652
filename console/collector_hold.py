"""Python's cyclic garbage collector is held while the console starts (P7, start-up).

Starting the window makes a few hundred thousand objects that live as long as the console:
modules, classes, Qt's enums, widgets, the trend's items. The collector would walk them again and
again while they are being made: about 160 collections and 30 ms of a 0.4 s start on the bench
machine (measured with `gc.callbacks`). Held, it makes none; once the window is built,
`release()` moves everything made so far into the permanent generation (`gc.freeze`), so the
collections of a running session walk only what the session makes (shorter pauses on the thread
that paints alarms), and turns the collector back on.

The central station starts the same way (console/central/app.py `main`): without the freeze,
each full collection of a running station walked start-up's objects again, 50 ms on the window's
thread where the cards' alarms are painted; with it, 2 ms (P10's clinic, 2026-12-03, measured
with `gc.callbacks`).

Nothing is lost by it: reference counting still frees every object that is not in a cycle at
once, and the few cycles made while starting stay until the console exits, a one-time cost of a
few kilobytes.
"""

from __future__ import annotations

import gc

_held = False


def hold() -> None:
    """Stop automatic collections until `release()` (no effect if they are already off)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release() -> None:
    """Freeze what start-up made and collect again; safe to call more than once."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()
