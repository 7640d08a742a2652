"""The dim theme for a darkened treatment room and its switch (issue 11, "Also").

What is checked:
- every text/background pair each theme defines reaches WCAG AA (a planted bad colour fails);
- no fill of either theme can be taken for an alarm colour, and the IEC alarm colours are the same
  in both themes (rows keep them across a switch);
- `--theme dim` starts dim; Ctrl+D switches the running window at once, the menu bar hidden,
  even from a text field, and back; widgets styled at construction follow;
- the dim theme's check boxes have edges (Fusion drew them darker than the window).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from console.cli import gui_parser
from console.ui import theme
from console.ui.alarm_bar import COLOURS, OFF_PHASE_BACKGROUND, OFF_PHASE_TEXT
from console.ui.app import apply_theme, build
from console.ui.audio import RecordingAudioOut
from protocols.model import Priority
from tests.ui.conftest import Answers

Role = QtGui.QPalette.ColorRole


def aa_failures(look: theme.Theme) -> list[str]:
    """Every pair of `look` under its WCAG AA bar, with its ratio."""
    failures = []
    for pair in look.pairs():
        text, background = getattr(look, pair.text), getattr(look, pair.background)
        ratio = theme.contrast_ratio(text, background)
        if ratio < pair.minimum:
            failures.append(f"{look.name}: {pair.text} {text} on {pair.background} {background} "
                            f"({pair.where}) is {ratio:.2f}:1, below {pair.minimum}:1")
    return failures


def alarm_look_alikes(look: theme.Theme) -> list[str]:
    """Fills of `look` that are an alarm colour or could be taken for one."""
    alarm_fills = {background for background, _ in COLOURS.values()}
    found = []
    for name, colour in look.fills().items():
        if colour in alarm_fills:
            found.append(f"{look.name}.{name} {colour} is an alarm colour")
        elif (hue := theme.alarm_like(colour)) is not None:
            found.append(f"{look.name}.{name} {colour} looks like the {hue} alarm colour")
    return found


@pytest.fixture
def app(qapp):
    """The application, given back in the look it had (style, palette, theme) after the test."""
    palette = QtGui.QPalette(qapp.palette())
    tips = QtGui.QPalette(QtWidgets.QToolTip.palette())
    style = qapp.style().name()
    yield qapp
    theme.apply(qapp, theme.LIGHT)   # widgets still open go back to the light look
    qapp.setStyle(style)
    qapp.setPalette(palette)
    QtWidgets.QToolTip.setPalette(tips)


def session_window(tmp_path, qtbot, cleanups, *extra: str):
    """The console window as the app builds it, with a session open (menu bar hidden)."""
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), "--protocol", "iv-ketamine",
                                    "--patient", "MRN-9", "--weight", "72", "--nurse", "ana", *extra])
    window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    return window


def two_high_and_one_technical(window) -> None:
    controller = window.controller
    for name, value in (("bp_systolic", 128), ("bp_diastolic", 82), ("heart_rate", 76),
                        ("spo2", 98), ("resp_rate", 15)):
        controller.enter_manual(name, value)
    controller.enter_manual("bp_systolic", 205)
    controller.enter_manual("spo2", 88, confirmed=True)
    controller.audio_status(False, "no sound server")
    controller.tick()
    window.live.refresh()


def row_colours_are_iec(bar) -> list[str]:
    """Rows whose colours are not their priority's IEC colours (either phase of a flash)."""
    wrong = []
    occurrences = [o for view in (bar.patient, bar.equipment) for o in view.field.shown]
    for index, occurrence in enumerate(occurrences):
        p = occurrence.priority
        allowed = {COLOURS[p]}
        if p in OFF_PHASE_TEXT:   # the dark phase of a flash
            allowed.add((OFF_PHASE_BACKGROUND, OFF_PHASE_TEXT[p]))
        if bar.row_colours(index) not in allowed:
            wrong.append(f"{bar.rows()[index]}: {bar.row_colours(index)}")
    return wrong


class ClaimsCtrlD(QtWidgets.QLineEdit):
    """A text field as Qt's X11 key bindings make it: Ctrl+D is "delete right" and Ctrl+E "end
    of line", so the field claims both keys before any shortcut (offscreen, Qt uses other
    bindings)."""

    CLAIMED = (QtCore.Qt.Key.Key_D, QtCore.Qt.Key.Key_E)

    def event(self, event: QtCore.QEvent) -> bool:
        if (event.type() == QtCore.QEvent.Type.ShortcutOverride
                and event.keyCombination() in [QtCore.QKeyCombination(
                    QtCore.Qt.KeyboardModifier.ControlModifier, key) for key in self.CLAIMED]):
            event.accept()
            return True
        return super().event(event)


# ---- the colours themselves ----------------------------------------------------------------------


@pytest.mark.parametrize("look", [theme.LIGHT, theme.DIM], ids=lambda t: t.name)
def test_every_text_pair_of_the_theme_reaches_wcag_aa(look):
    assert aa_failures(look) == []


def test_a_colour_below_the_bar_is_caught():
    # Muted text a little too dark on the dim panel: 2.9:1.
    planted = replace(theme.DIM, muted_text="#5f686e")
    failures = aa_failures(planted)
    assert failures and all("muted_text #5f686e" in f for f in failures)
    assert "below 4.5:1" in failures[0]


def test_contrast_ratio_is_wcags():
    assert theme.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert theme.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)   # the known AA grey


@pytest.mark.parametrize("look", [theme.LIGHT, theme.DIM], ids=lambda t: t.name)
def test_no_fill_of_the_theme_looks_like_an_alarm(look):
    assert alarm_look_alikes(look) == []


def test_an_alarm_coloured_fill_is_caught():
    # The trend's clock notice used to be #ffb300: the medium alarm's yellow.
    assert alarm_look_alikes(replace(theme.LIGHT, banner_bg="#ffb300")) == [
        "light.banner_bg #ffb300 looks like the yellow alarm colour"]
    assert alarm_look_alikes(replace(theme.DIM, go_bg="#c40000")) == [
        "dim.go_bg #c40000 is an alarm colour"]
    assert theme.alarm_like("#26c6da") == "cyan" and theme.alarm_like("#3a3023") is None


def test_the_iec_alarm_colours_are_not_the_themes():
    assert COLOURS == {Priority.HIGH: ("#c40000", "#ffffff"), Priority.MEDIUM: ("#ffc400", "#000000"),
                       Priority.LOW: ("#26c6da", "#000000"), Priority.INFO: ("#cfd8dc", "#102027")}
    backgrounds = [b for b, _ in COLOURS.values()]
    assert len(set(backgrounds)) == len(backgrounds)


def test_the_dim_theme_has_no_white_area_and_no_white_text():
    colours = theme.DIM.colours()
    assert "#ffffff" not in colours.values()
    text = theme.contrast_ratio(theme.DIM.text, "#000000")
    for name, colour in theme.DIM.fills().items():
        if name != "required_mark":   # a 10-px dot, not an area
            # Every area is darker than the text written on it, by a wide margin.
            assert theme.contrast_ratio(colour, "#000000") < text / 3, name


# ---- the switch ----------------------------------------------------------------------------------


def test_the_theme_option_defaults_to_light_and_dim_starts_dim(app):
    assert gui_parser().parse_args([]).theme is None   # nothing asked: the remembered, or light
    with pytest.raises(SystemExit):
        gui_parser().parse_args(["--theme", "dark"])
    assert apply_theme(app, gui_parser().parse_args(["--theme", "dim"])) is theme.DIM
    assert theme.current() is theme.DIM
    assert app.palette().color(Role.Window).name() == theme.DIM.window
    assert app.palette().color(Role.Text).name() == theme.DIM.text
    assert QtWidgets.QToolTip.palette().color(Role.ToolTipBase).name() == theme.DIM.tooltip_bg
    assert app.style().baseStyle().name().lower() == "fusion"
    assert apply_theme(app, gui_parser().parse_args([])) is theme.LIGHT
    assert app.palette().color(Role.Window).name() == theme.LIGHT.window


def test_ctrl_d_switches_the_live_window_at_once_and_the_alarms_keep_their_colours(app, tmp_path, qtbot):
    cleanups: list = []
    try:
        window = session_window(tmp_path, qtbot, cleanups)
        live = window.live
        two_high_and_one_technical(window)
        bar = live.alarm_bar
        assert [o.priority for v in (bar.patient, bar.equipment) for o in v.field.shown] == [
            Priority.HIGH, Priority.HIGH, Priority.LOW]
        assert row_colours_are_iec(bar) == []
        assert not window.menuBar().isVisible()   # a session hides it; the shortcut still works
        assert live.palette().color(Role.Window).name() == theme.LIGHT.window

        # Ctrl+D from the BP field, where the nurse's keyboard usually is (a line edit takes
        # Ctrl+D as "delete right" under Qt's X11 key bindings).
        field = live.entry.fields["bp"]
        window.activateWindow()
        live.entry.focus_entry()
        qtbot.waitUntil(field.hasFocus)
        field.setText("12")
        field.setCursorPosition(0)
        qtbot.keyClick(field, QtCore.Qt.Key.Key_D, QtCore.Qt.KeyboardModifier.ControlModifier)
        assert theme.current() is theme.DIM
        assert field.text() == "12"   # the key went to the switch, not to the field
        assert app.palette().color(Role.Window).name() == theme.DIM.window
        assert live.palette().color(Role.Window).name() == theme.DIM.window
        assert field.palette().color(Role.Base).name() == theme.DIM.panel
        # Under a style sheet too (Qt kept their old palette: black text on the dim window).
        assert live.header.palette().color(Role.WindowText).name() == theme.DIM.text
        assert live.timers.palette().color(Role.WindowText).name() == theme.DIM.text
        assert window.theme_action.isChecked()
        # Widgets that styled themselves at construction follow.
        assert f"background:{theme.DIM.accent_bg}" in live.dosing.styleSheet()   # pre-session: dose line
        assert f"background:{theme.DIM.button}" in live.entry.styleSheet()
        assert f"background:{theme.DIM.tile_bg}" in live.tiles.tiles["heart_rate"].styleSheet()
        assert f"background: {theme.DIM.selected_bg}" in live.trend.follow_button.styleSheet()
        assert theme.LIGHT.accent_bg not in live.dosing.styleSheet()
        # The alarm rows are exactly as they were: IEC colours, in both phases of the flash.
        assert row_colours_are_iec(bar) == []
        assert bar.patient.list.styleSheet() == "QListWidget { background: #101010; border: none; }"

        # From a field that claims Ctrl+D for itself (a line edit on an X11 desktop).
        claims = ClaimsCtrlD("12", live.entry)
        claims.show()
        claims.setFocus()
        qtbot.waitUntil(claims.hasFocus)
        qtbot.keyClick(claims, QtCore.Qt.Key.Key_D, QtCore.Qt.KeyboardModifier.ControlModifier)
        assert theme.current() is theme.LIGHT
        # Ctrl+E from such a field takes the keyboard to the vitals form: it stayed in the field
        # (the note), and a BP typed next became a note with no reading (a nurse walk on X).
        qtbot.keyClick(claims, QtCore.Qt.Key.Key_E, QtCore.Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(live.entry.fields["bp"].hasFocus)
        assert live.palette().color(Role.Window).name() == theme.LIGHT.window
        assert f"background:{theme.LIGHT.accent_bg}" in live.dosing.styleSheet()
        assert row_colours_are_iec(bar) == []
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_messages_and_checklist_marks_follow_the_theme(app, tmp_path, qtbot):
    cleanups: list = []
    try:
        window = session_window(tmp_path, qtbot, cleanups, "--theme", "light")
        live = window.live
        checklist = live.checklist
        first = checklist.items.item(0)
        first.setCheckState(QtCore.Qt.CheckState.Checked)   # ticked: greyed
        assert first.foreground().color().name() == theme.LIGHT.muted_text
        live.events_tab._say("Not corrected: a correction needs a reason.", error=True)
        window.toggle_theme()
        assert first.foreground().color().name() == theme.DIM.muted_text
        assert checklist.items.item(1).data(QtCore.Qt.ItemDataRole.ForegroundRole) is None   # palette text
        mark = first.icon().pixmap(10, 10).toImage().pixelColor(5, 5).name()
        assert mark == theme.DIM.required_mark
        assert f"color:{theme.DIM.error_text}" in live.events_tab.message.styleSheet()
        window.restart_and_resume()   # what "Restart and resume" runs keeps the room dim
        assert window.restart_argv[-4:-2] == ["--theme", "dim"]
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_the_start_screen_and_the_resume_offer_follow_the_theme(app, tmp_path, qtbot):
    cleanups: list = []
    try:
        window = session_window(tmp_path, qtbot, cleanups)   # leaves a session open in the log
        window.controller.stop()
        window.show_start_page()
        offer = window.findChild(QtWidgets.QFrame, "resume_offer")
        assert offer is not None and theme.LIGHT.banner_bg in offer.styleSheet()
        screen = window.start_screen
        window.activateWindow()
        screen.patient_edit.setFocus()
        qtbot.waitUntil(screen.patient_edit.hasFocus)
        qtbot.keyClick(screen.patient_edit, QtCore.Qt.Key.Key_D, QtCore.Qt.KeyboardModifier.ControlModifier)
        assert theme.DIM.banner_bg in offer.styleSheet()
        assert f"color: {theme.DIM.text}" in screen.styleSheet()
        assert f"background: {theme.DIM.go_bg}" in screen.styleSheet()
        assert theme.DIM.error_text in window.findChild(QtWidgets.QLabel, "start_error").styleSheet()
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_dim_check_boxes_have_an_edge_you_can_see(app, qtbot):
    """Fusion outlines a check box in the window colour darkened: on the dim window the box had
    no edge. Its left edge now stands out from the window by 3:1 (WCAG 1.4.11)."""
    theme.apply(app, theme.DIM)
    box = QtWidgets.QCheckBox("Pump running and IV site checked")
    qtbot.addWidget(box)
    box.resize(box.sizeHint())
    image = box.grab().toImage()
    option = QtWidgets.QStyleOptionButton()
    box.initStyleOption(option)
    edge = box.style().subElementRect(QtWidgets.QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    scale = image.devicePixelRatio()
    column = [image.pixelColor(int((edge.left() + dx) * scale), int(edge.center().y() * scale)).name()
              for dx in (0, 1)]
    assert max(theme.contrast_ratio(c, theme.DIM.window) for c in column) >= 3.0, column


def test_no_vital_colour_looks_like_an_alarm_colour():
    # A trace or a tile's stripe in yellow or cyan reads as a medium or low alarm.
    from console.session.trend_feed import VITAL_COLOURS

    assert {name: theme.alarm_like(colour) for name, colour in VITAL_COLOURS.items()} == {
        name: None for name in VITAL_COLOURS}


def test_the_last_choice_is_kept_for_the_next_launch_and_the_option_still_wins(app):
    assert theme.remembered() is None   # a fresh station (tests/conftest.py: a config folder of its own)
    apply_theme(app, gui_parser().parse_args([]))
    assert theme.toggle(app) is theme.DIM   # Ctrl+D in a darkened room
    assert theme.remembered() == "dim"
    assert apply_theme(app, gui_parser().parse_args([])) is theme.DIM       # the next launch
    assert apply_theme(app, gui_parser().parse_args(["--theme", "light"])) is theme.LIGHT
    assert theme.toggle(app) is theme.DIM and theme.toggle(app) is theme.LIGHT
    assert apply_theme(app, gui_parser().parse_args([])) is theme.LIGHT
