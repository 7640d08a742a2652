"""A typed SpO2 that replaces the oximeter's alarming reading (`_ask_arisen`, review 46).

The engine's question names the monitor's value ("The monitor's SpO2 86 % has raised an
alarm…"). It was asked again whenever its text differed from the one the nurse said Yes to: an
oximeter sends a value a second, so while she read the dialog the number moved and each Yes
brought the same question back with the new one; her value might never be recorded. Her Yes
replaces the monitor's reading of that vital for the alarm she was asked about; only another
alarm of it, arisen meanwhile, is asked anew."""

from PySide6 import QtCore

from console.ui.entry_panel import EntryPanel
from devices.reading import Reading
from tests.ui.conftest import Answers, live  # noqa: F401 - the fixture


def oximeter(controller, clock, value: float) -> None:
    now = clock.now()
    controller._engine.ingest_message(
        [Reading("spo2", value, "%", now.wall, now.wall, "hl7:MON")], now)


class OximeterWhileAsked(Answers):
    """Says Yes (up to six times); while each question is open (3 s) the oximeter sends the
    next of `values`, one a second."""

    def __init__(self, controller, clock, values: list[float]) -> None:
        super().__init__()
        self.controller, self.clock, self.values = controller, clock, iter(values)

    def confirm(self, message: str) -> bool:
        self.asked.append(message)
        for _ in range(3):
            self.clock.advance(1)
            oximeter(self.controller, self.clock, next(self.values, 86))
        return len(self.asked) < 6


def typed_spo2(log) -> list[tuple]:
    return list(log.conn.execute("SELECT value, flags FROM observations WHERE source = 'manual' "
                                 "AND metric = 'spo2'"))


def enter_spo2(qtbot, controller, answers, text: str) -> EntryPanel:
    panel = EntryPanel(controller, answers)
    qtbot.addWidget(panel)
    panel.fields["spo2"].setText(text)
    qtbot.keyClick(panel.fields["spo2"], QtCore.Qt.Key.Key_Return)
    return panel


def test_one_yes_replaces_the_oximeter_whose_number_moves_while_she_reads(qtbot, live):  # noqa: F811
    controller, _journal, clock, log = live
    oximeter(controller, clock, 86)
    assert "spo2_low" in {o.condition for o in controller.view.alarms()}
    answers = OximeterWhileAsked(controller, clock, [87, 85, 88, 86, 87, 89])
    panel = enter_spo2(qtbot, controller, answers, "95")
    assert len(answers.asked) == 1 and "The monitor's SpO2 86 % has raised an alarm" \
        in answers.asked[0]
    assert typed_spo2(log) == [(95.0, "REPLACES_DEVICE")]
    assert panel.message.text() == "Recorded: SpO2 95%"


def test_another_alarm_of_the_vital_arisen_while_she_read_is_asked(qtbot, live):  # noqa: F811
    controller, _journal, clock, log = live
    oximeter(controller, clock, 86)
    [first] = [o.id for o in controller.view.alarms() if o.condition == "spo2_low"]
    # While she reads, the alarm ends (97) and another is raised (84): her Yes was not to it.
    answers = OximeterWhileAsked(controller, clock, [97, 97, 84])
    enter_spo2(qtbot, controller, answers, "95")
    assert len(answers.asked) == 2
    assert "The monitor's SpO2 84 % has raised an alarm" in answers.asked[1]
    assert typed_spo2(log) == [(95.0, "REPLACES_DEVICE")]
    assert first not in {o.id for o in controller.view.alarms() if o.condition == "spo2_low"}
