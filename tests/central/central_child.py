"""A central station "desk" run as a clinic runs it (`build`), in a process of its own, until it
is killed: `python -m tests.central.central_child BROKER_URL DB [--never-ack]`. Prints READY once
the broker has relayed its presence back to it (retained there from then on).

`--never-ack`: its MQTT client acknowledges no message it receives, so its own presence relayed
back stays in flight at the broker when it is killed, and the broker hands it again (DUP) to the
next run that resumes the session, before anything else. Without it, a kill landing between the
relay and the PUBACK (the station acknowledges once its batch is committed, READY is said after
it, paho writes the PUBACK on its own thread) does the same, now and then: a test that needs that
case sets it."""

from __future__ import annotations

import sys
import time
from typing import Any

from PySide6 import QtWidgets

from console.central.app import build, parser
from console.ui.audio import RecordingAudioOut
from tests.ui.conftest import Answers


def never_ack() -> None:
    """Every paho client made from now on in this process acknowledges nothing it receives."""
    import paho.mqtt.client as mqtt  # noqa: PLC0415

    class NeverAcks(mqtt.Client):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.manual_ack_set(True)   # and no ack() sends: each QoS 1 message stays in flight

        def ack(self, mid: int, qos: int) -> mqtt.MQTTErrorCode:
            # The station acknowledges what its log committed (BusClient.ack): not here.
            return mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS

    # console/network/mqtt_bus.py makes its client as mqtt.Client(...), read at each call.
    setattr(mqtt, "Client", NeverAcks)  # noqa: B010


def main() -> None:
    if "--never-ack" in sys.argv[3:]:
        never_ack()
    app = QtWidgets.QApplication([])
    args = parser().parse_args(["--db", sys.argv[2], "--broker", sys.argv[1], "--name", "desk"])
    station = build(args, audio_out=RecordingAudioOut(), asker=Answers())
    assert station.board.twins is not None
    told = False
    while True:   # the event loop, turned by hand so that READY is said at the right moment
        app.processEvents()
        if not told and station.board.twins.caught_up():
            print("READY", flush=True)
            told = True
        time.sleep(0.02)


if __name__ == "__main__":
    main()
