"""A monitor's code map refused as its port opens (a clinic copy saved with a typo): the transport
closes the port and tries again (devices/transport.py). The alarm says why in words the nurse can
pass on, and no longer once the port opens again (the file was read)."""
from __future__ import annotations

from console.session.engine import DEVICE_LOST
from tests.session.helpers import Session

REFUSED = ("cannot read /home/ana/.config/infusion-console/devices/dialects/draeger-infinity.toml:"
           " (file): not valid TOML: Expected '=' after a key (at line 1, column 6)")


def test_a_code_map_refused_at_an_open_is_said_until_the_port_opens_again():
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("disconnected", s.now(), REFUSED)
    lost = s.engine.board.occurrence_for(DEVICE_LOST)
    assert lost is not None and lost.message == "Device disconnected: code map cannot be read"
    s.engine.device_state_changed("connecting", s.now(), "opened loop://")
    lost = s.engine.board.occurrence_for(DEVICE_LOST)
    assert lost is not None and lost.message == "Device disconnected: no valid frame yet"
