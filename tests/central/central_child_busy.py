"""A central station "desk" run as a clinic runs it (`build`), in a process of its own, whose
window thread stops turning right after READY (as a redraw, a log write waiting on its busy
timeout or a backlog's batch holds it) while its paho thread goes on receiving; killed by the
test. `python -m tests.central.central_child_busy BROKER_URL DB`

Prints READY once the broker has relayed its presence back to it, then `HANDED <topic>` for each
chair message paho has handed to the station and written everything that followed it to the
socket (a PUBACK, when paho sends it itself): a kill after that line is a kill after the
broker could have been told the message was received."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from PySide6 import QtWidgets

from console.central.app import build, parser
from console.ui.audio import RecordingAudioOut
from tests.ui.conftest import Answers

handed: list[str] = []
lock = threading.Lock()
clients: list[Any] = []


class Recording(mqtt.Client):
    """paho's client, noting each message it has handed to the station's callback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clients.append(self)

    def _handle_on_message(self, message: Any) -> None:
        super()._handle_on_message(message)
        with lock:
            handed.append(message.topic)   # paho queues its own PUBACK right after this returns


def main() -> None:
    # console/network/mqtt_bus.py makes its client as mqtt.Client(...), read at each call.
    setattr(mqtt, "Client", Recording)  # noqa: B010
    app = QtWidgets.QApplication([])
    args = parser().parse_args(["--db", sys.argv[2], "--broker", sys.argv[1], "--name", "desk"])
    station = build(args, audio_out=RecordingAudioOut(), asker=Answers())
    assert station.board.twins is not None
    while not station.board.twins.caught_up():   # the event loop, turned by hand
        app.processEvents()
        time.sleep(0.02)
    with lock:
        handed.clear()
    print("READY", flush=True)
    told = 0
    while True:   # the window's thread busy from here on: no Qt event is processed
        with lock:
            chair_topics = [t for t in handed if "/chair/" in t]
        if len(chair_topics) > told and not clients[0]._out_packet:   # written to the socket
            for topic in chair_topics[told:]:
                print(f"HANDED {topic}", flush=True)
            told = len(chair_topics)
        time.sleep(0.02)


if __name__ == "__main__":
    main()
