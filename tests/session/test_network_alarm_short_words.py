"""The clinic network's alarm in fewer words (console/session/conditions.py, `short_message`),
for an equipment row too narrow for it at 1366x768: in a quiet room the bedside's full volume
was cut ("** No central station online: bedside alarms at fu…", "** Clinic bus not confirming
delivery; central stat…"). The volume is read first where problems are joined."""

from __future__ import annotations

import pytest

from console.session.conditions import short_message

NO_CENTRAL = "No central station online: bedside alarms at full volume"
NOT_CONFIRMING = "Central station not confirming alarms: bedside alarms at full volume"


@pytest.mark.parametrize(("message", "short"), [
    (NO_CENTRAL, "No central: full volume"),
    (NOT_CONFIRMING, "Central not confirming: full volume"),
    # console/network/link.py joins its problems with "; ", the bus's first
    ("Clinic bus not confirming delivery; central station not confirming alarms: bedside "
     "alarms at full volume", "Full volume: central, bus not confirming"),
    ("Clinic bus not confirming delivery; no central station online: bedside alarms at full "
     "volume", "Full volume: no central; bus not confirming"),
    ("Clinic bus not confirming delivery", "Bus not confirming"),
    ("Clinic bus not confirming delivery; interface engine not confirming delivery",
     "Bus, interface engine not confirming"),
    # a problem with no short form is kept whole, after the volume
    ("Chair name A used by another console too: each station needs its own settings kit; "
     "no central station online: bedside alarms at full volume",
     "Full volume: no central; chair name A used by another console too: each station needs "
     "its own settings kit"),
])
def test_the_network_alarm_says_the_volume_first_in_few_words(message, short):
    assert short_message("network_unconfirmed", message) == short


def test_other_messages_are_unchanged():
    assert short_message("network_unconfirmed", "Interface engine refused a message") == \
        "Interface engine refused a message"
    assert short_message("device_stale", "No data from the device: values are not current") == \
        "No device data: values not current"
