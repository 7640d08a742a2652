"""A central station "desk" run as a clinic runs it (`build`), in a process of its own, until it
is killed: `python -m tests.central.central_child BROKER_URL DB`. Prints READY once the broker
has relayed its presence back to it (retained there from then on)."""

from __future__ import annotations

import sys
import time

from PySide6 import QtWidgets

from console.central.app import build, parser
from console.ui.audio import RecordingAudioOut
from tests.ui.conftest import Answers


def main() -> None:
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
