"""The form's questions and the engine's reach it as two answers (review 46).

A "Record it" to the pulse pressure question was passed on as one `confirmed=True`, which the
engine also read as "my typed value replaces the monitor's alarming reading": the cuff's 185/90,
arrived while the question was open, was replaced by her 170/60 and its alarm ended, though
nobody had asked her. And a pair confirmed as measured whose systolic also replaced the
monitor's reading was logged with its systolic not doubted, its diastolic doubted."""

from PySide6 import QtCore

from console.ui.entry_panel import EntryPanel
from devices.reading import Reading
from tests.ui.conftest import Answers, live  # noqa: F401 - the fixture


def cuff(controller, clock, systolic: float, diastolic: float) -> None:
    now = clock.now()
    controller._engine.ingest_message(
        [Reading("bp_systolic", systolic, "mmHg", now.wall, now.wall, "hl7:MON"),
         Reading("bp_diastolic", diastolic, "mmHg", now.wall, now.wall, "hl7:MON")], now)


def typed_rows(log) -> list[tuple]:
    return list(log.conn.execute("SELECT metric, value, confirmed, flags FROM observations "
                                 "WHERE source = 'manual' ORDER BY id"))


class CuffWhileAsked(Answers):
    """Answers every question; while the first is open the monitor's cuff reads 185/90."""

    def __init__(self, controller, clock, yes_to_replace: bool) -> None:
        super().__init__()
        self.controller, self.clock, self.yes_to_replace = controller, clock, yes_to_replace

    def confirm(self, message: str) -> bool:
        self.asked.append(message)
        if len(self.asked) == 1:
            self.clock.advance(20)
            cuff(self.controller, self.clock, 185, 90)
            return True
        return self.yes_to_replace


def enter_bp(qtbot, panel, text: str) -> None:
    panel.fields["bp"].setText(text)
    qtbot.keyClick(panel.fields["bp"], QtCore.Qt.Key.Key_Return)


def test_a_monitor_alarm_arising_during_a_question_is_asked_about(qtbot, live):  # noqa: F811
    controller, _journal, clock, log = live
    answers = CuffWhileAsked(controller, clock, yes_to_replace=False)
    panel = EntryPanel(controller, answers)
    qtbot.addWidget(panel)
    enter_bp(qtbot, panel, "170/60")
    assert "pulse pressure of 110 mmHg" in answers.asked[0]
    assert len(answers.asked) == 2 and "The monitor's Systolic BP 185 mmHg has raised an alarm" \
        in answers.asked[1] and "Does your typed 170 mmHg replace" in answers.asked[1]
    # Her No: nothing of the form is recorded, the cuff's alarm holds.
    assert typed_rows(log) == []
    assert "bp_systolic_high" in {o.condition for o in controller.view.alarms()}
    assert panel.message.text().startswith("Not recorded: The monitor's Systolic BP 185")
    assert panel.fields["bp"].text() == "170/60"


def test_a_yes_to_the_question_arisen_records_it_as_replacing(qtbot, live):  # noqa: F811
    controller, _journal, clock, log = live
    answers = CuffWhileAsked(controller, clock, yes_to_replace=True)
    panel = EntryPanel(controller, answers)
    qtbot.addWidget(panel)
    enter_bp(qtbot, panel, "170/60")
    assert len(answers.asked) == 2
    assert typed_rows(log) == [("bp_systolic", 170.0, 1, "REPLACES_DEVICE"),
                               ("bp_diastolic", 60.0, 1, "")]
    assert panel.message.text() == "Recorded: BP 170/60 mmHg"


def test_both_halves_of_a_doubted_pair_are_logged_doubted_when_one_replaces(qtbot, live):  # noqa: F811
    controller, _journal, clock, log = live
    cuff(controller, clock, 185, 80)
    assert "bp_systolic_high" in {o.condition for o in controller.view.alarms()}
    clock.advance(30)
    answers = Answers()
    panel = EntryPanel(controller, answers)
    qtbot.addWidget(panel)
    enter_bp(qtbot, panel, "150/40")
    assert len(answers.asked) == 1   # one question of the systolic: the pair's and the monitor's
    assert "pulse pressure of 110 mmHg" in answers.asked[0]
    assert "Does your typed 150 mmHg replace" in answers.asked[0]
    assert panel.message.text() == "Recorded: BP 150/40 mmHg"
    assert typed_rows(log) == [("bp_systolic", 150.0, 1, "REPLACES_DEVICE"),
                               ("bp_diastolic", 40.0, 1, "")]
