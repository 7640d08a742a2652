"""A resume whose clinic network settings are refused: the kit in ~/.config/infusion-console changed
while the session ran (IT renamed its CA file), then a crash or "Restart and resume" ran
`--resume N`. The whole console was refused for a network setting: no console at all, every
bedside alarm of the running session gone. A resume is never refused for its network either:
the session comes back without it, and the refusal is its network alarm (medium, full volume),
said on stderr too. A new session is still refused, before anything is written."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from console.records import SessionOpened
from console.session.engine import NETWORK_UNCONFIRMED
from console.store import EventLog
from console.ui.app import StartError
from protocols.model import Priority
from tests.ui.test_app_start import SESSION, clinic_folder, options, started  # noqa: F401
from tests.ui.test_network_window import left_with_a_network_alarm


def kit_without_its_ca_file() -> str:
    """The chair's kit as IT left it: its CA file is not (yet) there, in a quiet room. Returns
    the file's name as the refusal names it."""
    folder = clinic_folder()
    (folder / "network.toml").write_text(
        '[network]\nchair = "chair-3"\nbroker = "mqtts://broker.clinic.lan:8883"\n'
        'password_file = "password"\nca_file = "ca.crt"\nquiet_room = true\n', encoding="utf-8")
    (folder / "password").write_text("secret\n", encoding="utf-8")
    (folder / "password").chmod(0o600)
    return str(folder / "network.toml")


def left_open(tmp_path) -> int:
    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        return log.start_session(SessionOpened(
            patient_id="MRN-94", protocol_id="iv-ketamine", protocol_version="1.0",
            session_number=1, nurse="N", weight_kg=70.0, started_at=datetime.now(UTC)))


def network_alarm(window):
    (alarm,) = [o for o in window.controller.view.alarms() if o.condition == NETWORK_UNCONFIRMED]
    return alarm


def logged_states(tmp_path) -> list[str]:
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        return [row[0] for row in conn.execute(
            "SELECT json_extract(detail, '$.state') FROM events WHERE kind = 'network_status'")]


def test_a_resume_with_refused_network_settings_comes_back_under_the_network_alarm(
        started, tmp_path, capsys):
    session = left_open(tmp_path)
    kit = kit_without_its_ca_file()
    window = started(options(tmp_path, "--resume", str(session)))   # had raised StartError
    assert window.controller is not None and window.controller.view.session_id == session
    # Its network alarm names the file, the whole refusal in its detail and in the log.
    alarm = network_alarm(window)
    assert alarm.priority is Priority.MEDIUM
    assert alarm.message == "Clinic network off: network.toml refused"
    assert alarm.detail.startswith(f"{kit}: ca_file ") and "(no such file)" in alarm.detail
    assert logged_states(tmp_path)[-1].startswith(f"{kit}: ca_file ")
    # Sounding at full volume: a quiet room's soft tones need a central that confirms them.
    assert window.controller.view.audio(window.controller.clock.now()).priority is Priority.MEDIUM
    assert window.sounder is not None and not window.sounder.quiet
    err = capsys.readouterr().err
    assert err.startswith(f"infusion-console: {kit}: ca_file ")
    assert (f"session {session} is resumed without the clinic network, its network alarm "
            "standing until the settings are put right and the console restarted") in err


def test_a_network_alarm_restored_at_the_resume_says_the_settings_were_refused(
        started, tmp_path):
    # The bus was unreachable when the console stopped; now its settings are refused: the
    # standing alarm says so (it is not ended as "no clinic network configured").
    session, standing = left_with_a_network_alarm(tmp_path)
    kit_without_its_ca_file()
    window = started(options(tmp_path, "--resume", str(session)))
    alarm = network_alarm(window)
    assert alarm.id == standing
    assert alarm.message == "Clinic network off: network.toml refused"
    assert "no clinic network configured at this start" not in logged_states(tmp_path)


def test_a_command_line_start_that_resumes_the_session_left_open_is_not_refused(
        started, tmp_path):
    session = left_open(tmp_path)
    kit_without_its_ca_file()
    window = started(options(tmp_path, "--protocol", "iv-ketamine", *SESSION))
    assert window.controller is not None and window.controller.view.session_id == session
    assert network_alarm(window).message.startswith("Clinic network off: ")


def test_a_new_session_with_refused_network_settings_is_still_refused(started, tmp_path):
    # Nobody is on the chair yet: the nurse has the kit put right first.
    with EventLog.open(tmp_path / "log.sqlite3", "test"):
        pass   # a log, nothing left open in it
    kit = kit_without_its_ca_file()
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--protocol", "iv-ketamine", *SESSION))
    assert str(refused.value).startswith(f"{kit}: ca_file ")
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (0,)


@pytest.mark.parametrize("where", ["network.toml", "--forward-ca-file"])
def test_the_refused_settings_alarm_is_read_whole_at_1366(qtbot, live, where):
    from console.ui.app import _network_refused_alarm
    from tests.ui.conftest import shown_live_window

    controller = live[0]
    alarm = _network_refused_alarm(StartError(f"/home/chair/.config/{where}: ca_file x"))
    controller.network_status(alarm, "")
    window = shown_live_window(qtbot, live, (1366, 768))
    [drawn] = window.alarm_bar.equipment.drawn_texts()
    assert not drawn.endswith("…"), drawn
    assert drawn.endswith(f"Clinic network off: {where} refused"), drawn
