"""The console's two looks: light (the look it always had) and dim (for the treatment room).

Patients lie in a dim room with eyeshades during a ketamine session; a bright window beside the
chair is wrong there. The dim theme is dark greys with softened text and no white area; the light
theme is the Fusion look the console had, with the few colours that failed WCAG AA darkened.

Rules (tests/ui/test_theme.py checks each):

- A theme is a frozen table of named colours (`Theme`). Widgets name a colour ("error_text"),
  never write one, so both themes reach every widget; `current()` is the theme in use, for what
  is drawn or styled at paint or refresh time.
- Every text/background pair a theme defines (`Theme.pairs()`) reaches WCAG 2.1 AA: 4.5:1 for
  normal text, 3:1 for large text (18 pt, or 14 pt bold).
- The alarm colours are not the theme's: `alarm_bar.COLOURS` (IEC 60601-1-8: high red, medium
  yellow, low cyan, info grey-blue) and their flashing are the same in both themes, and no fill a
  theme defines is a vivid red, yellow or cyan (`alarm_like`), nor any alarm colour itself: an
  alarm colour on screen is an alarm.
- `apply(app, theme)` sets the Fusion style and a `QPalette` built from the theme, and emits
  `signals().changed`: widgets that style themselves once (at construction) restyle on it,
  and widgets under a style sheet are polished again (Qt keeps their old palette otherwise).
  Fusion outlines check boxes and text fields in the window colour darkened: on the dim window
  that edge vanished (an unticked checklist box was a dark square on a dark list), so a thin
  proxy of Fusion (`_Style`) draws those few edges in `control_outline`.
  No application style sheet: the palette reaches every widget the console has (an application
  style sheet would also put every widget through QStyleSheetStyle, at a cost to start-up, P7).

Signals (of `ThemeSignals`, the object `signals()` returns):
    changed(Theme): a theme was applied; its argument is the new theme.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, fields
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

__all__ = ["DEFAULT", "DIM", "LIGHT", "THEMES", "Pair", "Theme", "ThemeSignals", "alarm_like",
           "apply", "colour", "contrast_ratio", "current", "palette", "signals", "toggle"]


@dataclass(frozen=True, slots=True)
class Pair:
    """A text colour the console draws on a background colour, both named in `Theme`.

    Attributes:
        text / background: field names of `Theme`.
        large: the text is large (≥ 18 pt, or ≥ 14 pt bold): WCAG AA asks 3:1, not 4.5:1.
        where: where it is drawn (what a failure message names).
    """

    text: str
    background: str
    large: bool
    where: str

    @property
    def minimum(self) -> float:
        return 3.0 if self.large else 4.5


@dataclass(frozen=True, slots=True)
class Theme:
    """The named colours of one look, as #rrggbb.

    Attributes (backgrounds, then what is written on them):
        window: the window, the header, the timers, the forms' background.
        panel: lists, text fields, tables (the palette's Base).
        alt_panel: every other table row.
        button: buttons, the observation scale buttons.
        border: group frames, scale buttons' outline, table grid.
        text: everything written on window, panel, alt_panel and button.
        muted_text: hints, placeholders, a ticked checklist row, the dose line outside dosing.
        inactive_text: the text of a disabled control (WCAG 1.4.3 exempts it; not a pair).
        control_outline: the edge of a check box, radio button, text or number field.
        error_text / ok_text / warn_text: a refusal, a success, a warning, on window or panel.
        accent_bg / accent_text / accent_border: the dose line while dosing, the start screen's
            dose summary, a hovered scale button.
        selected_bg / selected_text / selected_border: a selection, a pressed-in choice (the
            scale's current value, "Last 15 min").
        focus_border: the keyboard focus on a scale button.
        banner_bg / banner_text / banner_border: "a session was left open", an override row,
            the trend's device-clock notice (warm, but never the alarms' yellow).
        note_bg / note_text: a review annotation row.
        dark_bg / dark_text: the "session ended" banner, notices, table headers.
        demo_bg / demo_text: the DEMO header; demo_row_bg / demo_row_text: a demo session's row.
        go_bg / go_text: the start screen's Start button (18 pt bold);
        disabled_bg / disabled_text: that button while it cannot start (18 pt bold).
        tile_bg / tile_text / stale_bg / stale_text: a vital's tile, fresh and stale.
        required_mark: the checklist's "required" dot.
        tooltip_bg / tooltip_text: tooltips.
    """

    name: str
    window: str
    panel: str
    alt_panel: str
    button: str
    border: str
    text: str
    muted_text: str
    inactive_text: str
    control_outline: str
    error_text: str
    ok_text: str
    warn_text: str
    accent_bg: str
    accent_text: str
    accent_border: str
    selected_bg: str
    selected_text: str
    selected_border: str
    focus_border: str
    banner_bg: str
    banner_text: str
    banner_border: str
    note_bg: str
    note_text: str
    dark_bg: str
    dark_text: str
    demo_bg: str
    demo_text: str
    demo_row_bg: str
    demo_row_text: str
    go_bg: str
    go_text: str
    disabled_bg: str
    disabled_text: str
    tile_bg: str
    tile_text: str
    stale_bg: str
    stale_text: str
    required_mark: str
    tooltip_bg: str
    tooltip_text: str

    def pairs(self) -> tuple[Pair, ...]:
        """Every text/background pair this theme is drawn with (what the contrast test checks)."""
        return PAIRS

    def fills(self) -> dict[str, str]:
        """The colours this theme paints areas with (field name -> colour): none may look like
        an alarm."""
        return {name: getattr(self, name) for name in FILLS}

    def colours(self) -> dict[str, str]:
        """Every named colour (field name -> #rrggbb)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "name"}


_GROUND = ("window", "panel")
PAIRS: tuple[Pair, ...] = (
    *(Pair("text", b, False, "text") for b in ("window", "panel", "alt_panel", "button")),
    *(Pair("muted_text", b, False, "hints, a ticked checklist row, the dose line")
      for b in ("window", "panel", "alt_panel")),
    *(Pair(t, b, False, "messages") for t in ("error_text", "ok_text", "warn_text") for b in _GROUND),
    Pair("accent_text", "accent_bg", False, "dose line while dosing"),
    Pair("text", "accent_bg", False, "start screen dose summary, hovered scale button"),
    Pair("selected_text", "selected_bg", False, "selection, current scale value"),
    Pair("banner_text", "banner_bg", False, "session left open, overrides, clock notice"),
    Pair("note_text", "note_bg", False, "review annotation row"),
    Pair("dark_text", "dark_bg", False, "session ended banner, notices, table headers"),
    Pair("demo_text", "demo_bg", False, "DEMO header"),
    Pair("demo_row_text", "demo_row_bg", False, "demo session row"),
    Pair("go_text", "go_bg", True, "Start button (18 pt bold)"),
    Pair("disabled_text", "disabled_bg", True, "Start button disabled (18 pt bold)"),
    Pair("tile_text", "tile_bg", False, "vital tile"),
    Pair("stale_text", "stale_bg", False, "stale vital tile"),
    Pair("tooltip_text", "tooltip_bg", False, "tooltips"),
)
FILLS = ("window", "panel", "alt_panel", "button", "accent_bg", "selected_bg", "banner_bg",
         "note_bg", "dark_bg", "demo_bg", "demo_row_bg", "go_bg", "disabled_bg", "tile_bg",
         "stale_bg", "required_mark", "tooltip_bg")

LIGHT = Theme(
    name="light",
    # Qt's Fusion palette, as the console always looked.
    window="#efefef", panel="#ffffff", alt_panel="#f7f7f7", button="#efefef", border="#90a4ae",
    text="#000000",
    muted_text="#546e7a",      # was #607d8b for a ticked row: 4.4:1 on white
    inactive_text="#bebebe", control_outline="#aaaaaa",   # Fusion's own
    error_text="#b71c1c", ok_text="#1b5e20", warn_text="#8a4b00",
    accent_bg="#e3f2fd", accent_text="#0d47a1", accent_border="#1565c0",
    # Fusion's selection, #308cc6 with white, was 3.7:1.
    selected_bg="#0d47a1", selected_text="#ffffff", selected_border="#002171",
    focus_border="#ff6f00",
    banner_bg="#fff3e0", banner_text="#000000", banner_border="#ef6c00",
    note_bg="#e8f5e9", note_text="#000000",
    dark_bg="#263238", dark_text="#ffffff",
    demo_bg="#4a148c", demo_text="#ffffff", demo_row_bg="#ede7f6", demo_row_text="#311b92",
    go_bg="#2e7d32", go_text="#ffffff", disabled_bg="#b0bec5", disabled_text="#37474f",
    tile_bg="#1e272c", tile_text="#ffffff",
    stale_bg="#455a64", stale_text="#cfd8dc",   # was #546e7a: 3.7:1 for the 11-pt detail
    required_mark="#1565c0",   # was red: a red dot beside a row is not an alarm
    tooltip_bg="#f5f5f5", tooltip_text="#000000",
)

DIM = Theme(
    name="dim",
    # Dark greys, a little cool; text a soft grey, never white; nothing lighter than the text.
    window="#1e2124", panel="#272b2f", alt_panel="#2d3236", button="#33393e", border="#5c666d",
    text="#d4d7d9", muted_text="#9aa4aa", inactive_text="#6f787e",
    control_outline="#8a949a",   # Fusion's would be darker than the window: boxes without edges
    error_text="#f4a0a0", ok_text="#94d3a2", warn_text="#e6b87a",
    accent_bg="#24384f", accent_text="#bcd4f0", accent_border="#4f7fb3",
    selected_bg="#3d5f86", selected_text="#e8eef5", selected_border="#6f95c0",
    focus_border="#d89a4a",
    banner_bg="#3a3023", banner_text="#e9dcc6", banner_border="#a0712f",
    note_bg="#233326", note_text="#d4e5d6",
    dark_bg="#131618", dark_text="#d4d7d9",
    demo_bg="#3c2159", demo_text="#e3d7f0", demo_row_bg="#2e2340", demo_row_text="#dcd0ee",
    go_bg="#2f5e35", go_text="#e3efe4", disabled_bg="#3a4045", disabled_text="#959ea4",
    tile_bg="#191e21", tile_text="#dfe2e4", stale_bg="#3b454b", stale_text="#c3ccd1",
    required_mark="#8ab4e8",
    tooltip_bg="#33393e", tooltip_text="#d4d7d9",
)

THEMES: dict[str, Theme] = {LIGHT.name: LIGHT, DIM.name: DIM}
DEFAULT = LIGHT.name
"""Light unless asked: what a site has validated and trained on stays the default; a room that is
dim when the console starts says `--theme dim`, and Ctrl+D switches at once when the lights go
down (console/cli.py says so in its help). The last Ctrl+D choice is remembered for the next
launch (`remembered`)."""


# ---- colour arithmetic (no Qt) -----------------------------------------------------------------


def _rgb(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"{colour!r} is not a #rrggbb colour")
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def _luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours (1 to 21)."""
    high, low = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# The alarm hues (alarm_bar.COLOURS: high #c40000, medium #ffc400, low #26c6da) and how close a
# vivid fill may come to one of them.
ALARM_HUES = {"red": 0.0, "yellow": 46.0, "cyan": 187.0}
HUE_MARGIN = 20.0   # blue (#1565c0, 210°) is not cyan (187°); orange (26°) is not yellow (46°)
VIVID = 0.4   # HSV saturation and value both at least this: a colour, not a tinted grey


def alarm_like(colour: str) -> str | None:
    """The alarm hue ("red", "yellow", "cyan") a vivid `colour` could be taken for, else None."""
    hue, saturation, value = colorsys.rgb_to_hsv(*_rgb(colour))
    if saturation < VIVID or value < VIVID:
        return None
    degrees = hue * 360
    for name, alarm in ALARM_HUES.items():
        if min(abs(degrees - alarm), 360 - abs(degrees - alarm)) <= HUE_MARGIN:
            return name
    return None


# ---- Qt ------------------------------------------------------------------------------------------


class ThemeSignals(QtCore.QObject):
    """Tells widgets that the theme changed.

    Signals:
        changed(Theme): a theme was applied (the argument is the new one).
    """

    changed = QtCore.Signal(object)


_PE = QtWidgets.QStyle.PrimitiveElement
_OUTLINED = frozenset({_PE.PE_IndicatorCheckBox, _PE.PE_IndicatorRadioButton, _PE.PE_FrameLineEdit})


class _Style(QtWidgets.QProxyStyle):
    """Fusion, with the edges of check boxes, radio buttons, text and number fields in the
    theme's `control_outline` (Fusion draws them in the palette's Window colour darkened 1.4×,
    so they are given a Window colour that darkens to the outline, for that drawing only)."""

    def __init__(self) -> None:
        super().__init__(QtWidgets.QStyleFactory.create("Fusion"))
        self.outline_window = QtGui.QColor(LIGHT.control_outline).lighter(140)

    def drawPrimitive(self, element: QtWidgets.QStyle.PrimitiveElement,  # noqa: N802 - Qt's name
                      option: QtWidgets.QStyleOption, painter: QtGui.QPainter,
                      widget: QtWidgets.QWidget | None = None) -> None:
        if element not in _OUTLINED:
            super().drawPrimitive(element, option, painter, widget)
            return
        saved = QtGui.QPalette(option.palette)
        option.palette.setColor(QtGui.QPalette.ColorRole.Window, self.outline_window)
        try:
            super().drawPrimitive(element, option, painter, widget)
        finally:
            option.palette = saved

    def drawComplexControl(self, control: QtWidgets.QStyle.ComplexControl,  # noqa: N802
                           option: QtWidgets.QStyleOptionComplex, painter: QtGui.QPainter,
                           widget: QtWidgets.QWidget | None = None) -> None:
        if control is not QtWidgets.QStyle.ComplexControl.CC_SpinBox:
            super().drawComplexControl(control, option, painter, widget)
            return
        saved = QtGui.QPalette(option.palette)
        option.palette.setColor(QtGui.QPalette.ColorRole.Window, self.outline_window)
        try:
            super().drawComplexControl(control, option, painter, widget)
        finally:
            option.palette = saved


class _State:
    """The theme in use and the signals object (one per process, like the QApplication)."""

    def __init__(self) -> None:
        self.theme = THEMES[DEFAULT]
        self.signals: ThemeSignals | None = None


_state = _State()


def current() -> Theme:
    """The theme in use (light until `apply` says otherwise)."""
    return _state.theme


def signals() -> ThemeSignals:
    """The object whose `changed` signal fires when a theme is applied."""
    if _state.signals is None:
        _state.signals = ThemeSignals()
    return _state.signals


def colour(name_or_colour: str) -> str:
    """The current theme's colour of that name ("error_text"), or the colour itself ("#123456")."""
    if name_or_colour.startswith("#"):
        return name_or_colour
    return str(getattr(_state.theme, name_or_colour))


def palette(theme: Theme) -> QtGui.QPalette:
    """The Qt palette of `theme`: every role the Fusion style draws with, for all colour groups."""
    Role, Group = QtGui.QPalette.ColorRole, QtGui.QPalette.ColorGroup
    # This constructor derives the bevel colours (Light, Midlight, Mid, Dark, Shadow) from Button.
    result = QtGui.QPalette(QtGui.QColor(theme.button), QtGui.QColor(theme.window))
    roles = {
        Role.Window: theme.window, Role.WindowText: theme.text, Role.Base: theme.panel,
        Role.AlternateBase: theme.alt_panel, Role.Text: theme.text, Role.Button: theme.button,
        Role.ButtonText: theme.text, Role.BrightText: theme.error_text,
        Role.Highlight: theme.selected_bg, Role.HighlightedText: theme.selected_text,
        Role.ToolTipBase: theme.tooltip_bg, Role.ToolTipText: theme.tooltip_text,
        Role.PlaceholderText: theme.muted_text, Role.Link: theme.accent_text,
        Role.LinkVisited: theme.accent_text,
    }
    for group in (Group.Active, Group.Inactive, Group.Disabled):
        for role, value in roles.items():
            result.setColor(group, role, QtGui.QColor(value))
    for role in (Role.WindowText, Role.Text, Role.ButtonText, Role.PlaceholderText):
        result.setColor(Group.Disabled, role, QtGui.QColor(theme.inactive_text))
    result.setColor(Group.Disabled, Role.Base, QtGui.QColor(theme.window))
    return result


def apply(app: QtWidgets.QApplication, theme: Theme) -> None:
    """Use `theme` in the whole application now: the Fusion style, its palette, tooltips; then
    tell every widget that styles itself (`signals().changed`)."""
    style = app.style()
    if not isinstance(style, _Style):
        style = _Style()   # Fusion: the palette is drawn the same on every platform
        app.setStyle(style)
    style.outline_window = QtGui.QColor(theme.control_outline).lighter(140)
    colours = palette(theme)
    app.setPalette(colours)
    QtWidgets.QToolTip.setPalette(colours)
    _state.theme = theme
    signals().changed.emit(theme)   # widgets that style themselves do so in the new colours
    # Qt posts the palette change to each widget: deliver it now, so the switch is whole when
    # this returns. A widget under a style sheet keeps the palette it was polished with (seen:
    # the header's text stayed black on the dim window): polish those again.
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.ApplicationPaletteChange)
    for window in app.topLevelWidgets():
        if not window.isVisible():   # closed, or being deleted: built afresh if ever shown
            continue
        for widget in [window, *window.findChildren(QtWidgets.QWidget)]:
            if widget.testAttribute(QtCore.Qt.WidgetAttribute.WA_StyleSheet):
                widget.style().unpolish(widget)
                widget.style().polish(widget)


def toggle(app: QtWidgets.QApplication) -> Theme:
    """Switch between light and dim; returns the theme now in use."""
    theme = LIGHT if _state.theme is DIM else DIM
    apply(app, theme)
    remember(theme)
    return theme


# The station remembers its last look: a console restarted in a darkened room (after a crash, at
# night) must not come back glaring white. `--theme` still wins for that launch.
_REMEMBERED = "theme"


def _remembered_path() -> Path:
    import platformdirs  # noqa: PLC0415

    return platformdirs.user_config_path("infusion-console") / _REMEMBERED


def remembered() -> str | None:
    """The theme chosen last at this station (Ctrl+D), or None (light): also for a file that
    cannot be read or is damaged (not UTF-8), a cosmetic setting that had stopped the console,
    `--resume` too, with a traceback."""
    try:
        name = _remembered_path().read_text(encoding="utf-8").strip()
    except (OSError, ValueError):   # UnicodeDecodeError is a ValueError
        return None
    return name if name in THEMES else None


def remember(theme: Theme) -> None:
    """Keep `theme` for the next launch; a folder that cannot be written is no reason to fail."""
    path = _remembered_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(theme.name + "\n", encoding="utf-8")
    except OSError:
        pass
