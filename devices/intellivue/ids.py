"""IntelliVue Data Export numbers: message kinds, attribute ids, physiological ids, units, states.

Every number here is a protocol fact (the IEEE 11073 / Philips nomenclature the monitor uses),
cross-checked against the real frames in shared/device-samples/philips-intellivue-*.txt. The
console maps a value to one of its vitals by its *physiological id* only: labels are
fixed-width, localised UTF-16 text (`ЧСС` for HR on a Russian monitor) and never identify a
value (devices.md, "Pitfalls").

A physiological id is the 16-bit term code of the SCADA partition (2); its MDC code is
2 × 65536 + term (0x4182 → 147842, the HL7 decoder's MDC_ECG_HEART_RATE).
"""

from __future__ import annotations

from dataclasses import dataclass

from protocols.vitals import KPA_TO_MMHG, MMHG, PER_MIN_BEATS, PER_MIN_BREATHS, PERCENT

# --- Session layer (first byte of a message that is not a data message) ----------------------

SPDU_CONNECT = 0x0D        # association request (CN)
SPDU_ACCEPT = 0x0E         # association response, accepted (AC)
SPDU_REFUSE = 0x0C         # association refused (RF)
SPDU_FINISH = 0x09         # release request (FN)
SPDU_DISCONNECT = 0x0A     # release response (DN)
SPDU_ABORT = 0x19          # abort (AB)

# --- Data messages: session/presentation header, remote operations, commands ------------------

SESSION_ID = 0xE100        # SPpdu session id of every data message
PRESENTATION_CONTEXT = 2   # SPpdu presentation context id (MDSE)

RO_INVOKE = 1              # ROIV_APDU: a request (or the monitor's event report)
RO_RESULT = 2              # RORS_APDU: a result
RO_ERROR = 3               # ROER_APDU: an error answer
RO_REJECT = 4              # RORJ_APDU: a rejected request
RO_LINKED_RESULT = 5       # ROLRS_APDU: one part of a result sent in several messages

LINKED_FIRST = 1
LINKED_MIDDLE = 2          # "not first, not last"
LINKED_LAST = 3

CMD_EVENT_REPORT = 0
CMD_CONFIRMED_EVENT_REPORT = 1
CMD_GET = 3
CMD_SET = 4
CMD_CONFIRMED_SET = 5
CMD_CONFIRMED_ACTION = 7

ACTION_POLL = 0x0C16       # NOM_ACT_POLL_MDIB_DATA (single poll)
ACTION_POLL_EXT = 0xF13B   # NOM_ACT_POLL_MDIB_DATA_EXT (extended poll)
POLL_ACTIONS = frozenset({ACTION_POLL, ACTION_POLL_EXT})

EVENT_MDS_CREATE = 0x0D06          # NOM_NOTI_MDS_CREAT
EVENT_CONNECT_INDICATION = 0x0D17  # NOM_NOTI_MDS_CONNECT_INDIC (LAN discovery, UDP 24005)

# --- Object classes (partition 1, NOM_PART_OBJ) ----------------------------------------------

PARTITION_OBJECT = 1
PARTITION_SCADA = 2
PARTITION_DIMENSION = 4
CLASS_NUMERIC = 6          # NOM_MOC_VMO_METRIC_NU: numerics
CLASS_WAVE = 9             # NOM_MOC_VMO_METRIC_SA_RT: real-time sample arrays (waves)
CLASS_MDS = 0x21           # NOM_MOC_VMS_MDS: the monitor itself

# --- Attribute ids ---------------------------------------------------------------------------

ATTR_HANDLE = 0x0921             # NOM_ATTR_ID_HANDLE
ATTR_TYPE = 0x092F               # NOM_ATTR_ID_TYPE
ATTR_LABEL = 0x0924              # NOM_ATTR_ID_LABEL: the physiological id as a TextId
ATTR_LABEL_STRING = 0x0927       # NOM_ATTR_ID_LABEL_STRING: localised UTF-16 text (display only)
ATTR_MODEL = 0x0928              # NOM_ATTR_ID_MODEL: manufacturer and model strings
ATTR_NUMERIC = 0x0950            # NOM_ATTR_NU_VAL_OBS: one value
ATTR_COMPOUND = 0x094B           # NOM_ATTR_NU_CMPD_VAL_OBS: several values (NBP sys/dia/mean)
ATTR_TIME_STAMP_ABS = 0x0990     # NOM_ATTR_TIME_STAMP_ABS: when the value was measured (BCD)
ATTR_SYSTEM_ID = 0x0984          # NOM_ATTR_SYS_ID
ATTR_TIME_ABS = 0x0987           # NOM_ATTR_TIME_ABS: the monitor's date and time (BCD)
ATTR_TIME_REL = 0x098F           # NOM_ATTR_TIME_REL
ATTR_NET_ADDR_INFO = 0xF100      # NOM_ATTR_NET_ADDR_INFO: MAC, IPv4, mask (Connect Indication)
ATTR_PROTOCOL_SUPPORT = 0xF101   # NOM_ATTR_PCOL_SUPPORT: (application, transport, port, options)
ATTR_POLL_PERIOD = 0xF13E        # NOM_ATTR_TIME_PD_POLL (extended poll request option)
ATTR_POLL_PROFILE_EXT = 0xF001   # NOM_ATTR_POLL_PROFILE_EXT (association user info)
POLL_PROFILE_SUPPORT = 0x0001    # NOM_POLL_PROFILE_SUPPORT (association user info)

APPLICATION_DATA_EXPORT = 5      # PCOL_SUPPORT application protocol "DataOut"
TRANSPORT_UDP = 1                # PCOL_SUPPORT transport protocol UDP/IP

RELATIVE_TIME_TICKS_PER_SECOND = 8000   # RelativeTime counts 1/8 ms
DEFAULT_MIN_POLL_SECONDS = 0.5          # what a monitor offers when its offer cannot be read
DEFAULT_MAX_MESSAGE_BYTES = 996         # (devices.md; the sample association response says so)
LAN_DATA_PORT = 24105                   # association and data (UDP)
LAN_DISCOVERY_PORT = 24005              # Connect Indication (UDP)

# --- Measurement state (MeasurementState bits) -----------------------------------------------

STATE_INVALID = 0x8000
STATE_QUESTIONABLE = 0x4000
STATE_UNAVAILABLE = 0x2000
STATE_CALIBRATING = 0x1000
STATE_TEST_DATA = 0x0800
STATE_DEMO_DATA = 0x0400
STATE_EARLY_INDICATION = 0x0040

STATE_FLAGS: tuple[tuple[int, str], ...] = (
    (STATE_QUESTIONABLE, "QUES"),
    (STATE_TEST_DATA, "TEST"),
    (STATE_DEMO_DATA, "DEMO"),
    (STATE_EARLY_INDICATION, "EARLY"),
)
"""State bits carried on a reading as Reading.flags (HL7 OBX-8 spelling): the value is kept."""

# --- FLOAT-Type special mantissas (24-bit) ---------------------------------------------------

FLOAT_NAN = 0x7FFFFF
FLOAT_NRES = 0x800000       # not at this resolution
FLOAT_POS_INFINITY = 0x7FFFFE
FLOAT_NEG_INFINITY = 0x800002
FLOAT_RESERVED = 0x800001
FLOAT_SPECIALS: dict[int, str] = {
    FLOAT_NAN: "NaN", FLOAT_NRES: "NRes", FLOAT_POS_INFINITY: "+INF",
    FLOAT_NEG_INFINITY: "-INF", FLOAT_RESERVED: "reserved",
}

# --- Units (partition 4, NOM_PART_DIM) -------------------------------------------------------

UNIT_BPM = 0x0AA0          # NOM_DIM_BEAT_PER_MIN (MDC 264864)
UNIT_PERCENT = 0x0220      # NOM_DIM_PERCENT (262688)
UNIT_MMHG = 0x0F20         # NOM_DIM_MMHG (266016)
UNIT_KPA = 0x0F03          # NOM_DIM_KILO_PASCAL (265987)
UNIT_RESP_PER_MIN = 0x0AE0  # NOM_DIM_RESP_PER_MIN (264928)


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """A unit the console accepts for a metric: its name and the factor to the canonical unit."""

    name: str
    factor: float = 1.0


_RATE = {UNIT_BPM: UnitSpec("bpm")}
_PRESSURE = {UNIT_MMHG: UnitSpec("mmHg"), UNIT_KPA: UnitSpec("kPa", KPA_TO_MMHG)}

METRIC_UNITS: dict[str, tuple[str, dict[int, UnitSpec]]] = {
    "heart_rate": (PER_MIN_BEATS, _RATE),
    "pulse_rate": (PER_MIN_BEATS, _RATE),
    "resp_rate": (PER_MIN_BREATHS, {UNIT_RESP_PER_MIN: UnitSpec("resp/min")}),
    "spo2": (PERCENT, {UNIT_PERCENT: UnitSpec("%")}),
    "bp_systolic": (MMHG, _PRESSURE),
    "bp_diastolic": (MMHG, _PRESSURE),
    "bp_mean": (MMHG, _PRESSURE),
}
"""Metric -> (canonical unit, the IntelliVue unit codes accepted for it). Any other unit code is
dropped (`unknown-unit`): a value is never assumed to be in the unit we expect."""

# --- Physiological ids of the console's vitals ------------------------------------------------

NBP_COMPOUND = 0x4A04   # NOM_PRESS_BLD_NONINV: the compound that holds sys/dia/mean

VITAL_IDS: dict[int, tuple[str, str]] = {
    0x4182: ("heart_rate", "ECG_CARD_BEAT_RATE"),      # MDC 147842, ECG heart rate
    0x4822: ("pulse_rate", "PLETH_PULS_RATE"),         # pulse rate from the pleth (sample "Pulse")
    0x481A: ("pulse_rate", "PULS_OXIM_PULS_RATE"),     # MDC 149530
    0x480A: ("pulse_rate", "PULS_RATE"),               # MDC 149514
    # Philips private id: the pulse rate the NBP cuff measured, sent next to NBP with the cuff's
    # own time stamp (sample frame 5 handle 0x8275, LAN sample "Пульс"); like the HL7 149546.
    0xF0E5: ("pulse_rate", "NBP_PULS_RATE"),
    0x4BB8: ("spo2", "PULS_OXIM_SAT_O2"),              # MDC 150456
    0x500A: ("resp_rate", "RESP_RATE"),                # MDC 151562
    0x5012: ("resp_rate", "AWAY_RESP_RATE"),           # MDC 151570, airway (CO2) respiration
    0x501A: ("resp_rate", "TTHOR_RESP_RATE"),          # MDC 151578, thoracic impedance
    0x4A05: ("bp_systolic", "PRESS_BLD_NONINV_SYS"),   # MDC 150021
    0x4A06: ("bp_diastolic", "PRESS_BLD_NONINV_DIA"),  # MDC 150022
    0x4A07: ("bp_mean", "PRESS_BLD_NONINV_MEAN"),      # MDC 150023
}
"""Physiological id -> (console metric, short nomenclature name). Invasive pressures (0x4A10,
0x4A14, ...) are deliberately absent: an arterial line is not NIBP."""


def describe_id(physio_id: int) -> str:
    """Return a physiological id as text for Dropped details: `0x4182 ECG_CARD_BEAT_RATE`."""
    known = VITAL_IDS.get(physio_id)
    return f"{physio_id:#06x} {known[1]}" if known else f"{physio_id:#06x}"
