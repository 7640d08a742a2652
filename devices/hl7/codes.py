"""Code tables for HL7 observations: OBX-3 identifiers and OBX-6 units to console metrics.

Facts from IEEE 11073-10101 (MDC nomenclature), the IHE PCD Rosetta terminology, Philips MDIL
notation, Mindray's v2.3.1 private code list and LOINC, as summarised in shared/design/devices.md.
We key on the numeric code; names only cross-check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from protocols.vitals import KPA_TO_MMHG, MMHG, PER_MIN_BEATS, PER_MIN_BREATHS, PERCENT

# MDC code -> (metric or None when known but not shown by this console, accepted names).
# A name listed here positively identifies its code; a name we do not know proves nothing.
# Every vital id the IntelliVue decoder reads (devices/intellivue/ids.py VITAL_IDS; MDC code
# 2 * 65536 + id) is here as the same metric: an IntelliVue behind a PCD-01 gateway sends those ids
# (its airway RR and pleth pulse had been dropped as unknown-code; tests/devices/
# test_hl7_reads_every_vital_the_intellivue_decoder_reads.py keeps the tables together).
_MDC: dict[int, tuple[str | None, tuple[str, ...]]] = {
    # NIBP, two code families for the same cuff measurement.
    150020: (None, ("MDC_PRESS_BLD_NONINV",)),
    150021: ("bp_systolic", ("MDC_PRESS_BLD_NONINV_SYS",)),
    150022: ("bp_diastolic", ("MDC_PRESS_BLD_NONINV_DIA",)),
    150023: ("bp_mean", ("MDC_PRESS_BLD_NONINV_MEAN",)),
    150300: (None, ("MDC_PRESS_CUFF",)),
    150301: ("bp_systolic", ("MDC_PRESS_CUFF_SYS",)),
    150302: ("bp_diastolic", ("MDC_PRESS_CUFF_DIA",)),
    150303: ("bp_mean", ("MDC_PRESS_CUFF_MEAN",)),
    # Respiration: generic, airway (capnography), thoracic impedance, from the pleth.
    151562: ("resp_rate", ("MDC_RESP_RATE",)),
    151570: ("resp_rate", ("MDC_AWAY_RESP_RATE",)),
    151578: ("resp_rate", ("MDC_TTHOR_RESP_RATE",)),
    151658: ("resp_rate", ()),
    # ECG heart rate: the same code under two names (IntelliVue uses CARD_BEAT_RATE).
    147842: ("heart_rate", ("MDC_ECG_HEART_RATE", "MDC_ECG_CARD_BEAT_RATE")),
    # Pulse rate: the console's pulse_rate is the oximeter's (protocols/vitals.py, devices.md).
    # 149522 is the invasive (arterial line) pulse: not shown, like the arterial pressures it
    # comes with (QA: the Aware gateway's arterial pulse came out as pulse_rate 60). Comen
    # sends its monitor's pulse rate as 149522 named MDC_PULS_RATE (149514's name): the decoder
    # reads that one as pulse_rate (devices.md notes the vendor's labelling).
    149530: ("pulse_rate", ("MDC_PULS_OXIM_PULS_RATE",)),
    149514: ("pulse_rate", ("MDC_PULS_RATE",)),
    # The pulse rate from the oximeter's pleth (IntelliVue 0x4822, its SpO2 "Pulse").
    149538: ("pulse_rate", ("MDC_PLETH_PULS_RATE",)),
    # The NIBP cuff's pulse rate: part of the cuff measurement, repeated with its time like the
    # pressures (the decoder flags it NIBP: devices.reading.NIBP_PULSE).
    149546: ("pulse_rate", ("MDC_PULS_RATE_NON_INV",)),
    149522: (None, ("MDC_BLD_PULS_RATE_INV",)),
    150456: ("spo2", ("MDC_PULS_OXIM_SAT_O2",)),
    # Invasive pressures: an arterial line is not NIBP and must never feed the bp_* tiles.
    150032: (None, ("MDC_PRESS_BLD_ART",)),
    150033: (None, ("MDC_PRESS_BLD_ART_SYS",)),
    150034: (None, ("MDC_PRESS_BLD_ART_DIA",)),
    150035: (None, ("MDC_PRESS_BLD_ART_MEAN",)),
    150036: (None, ("MDC_PRESS_BLD_ART_ABP",)),
    150037: (None, ("MDC_PRESS_BLD_ART_ABP_SYS",)),
    150038: (None, ("MDC_PRESS_BLD_ART_ABP_DIA",)),
    150039: (None, ("MDC_PRESS_BLD_ART_ABP_MEAN",)),
    150045: (None, ("MDC_PRESS_BLD_ART_PULM_SYS",)),
    150046: (None, ("MDC_PRESS_BLD_ART_PULM_DIA",)),
    150047: (None, ("MDC_PRESS_BLD_ART_PULM_MEAN",)),
    # Other rows seen in the samples, named so that QA sees "not monitored", not "unknown".
    148065: (None, ("MDC_ECG_V_P_C_CNT",)),
    150344: (None, ("MDC_TEMP",)),
    150452: (None, ("MDC_PULS_OXIM_PLETH",)),
    150468: (None, ("MDC_PULS_OXIM_SAT_O2_DIFF",)),
    160324: (None, ("MDC_SPO2_SIGNAL_QUALITY_INDEX",)),
    184327: (None, ("MDC_ECG_STAT_RHY",)),
    188736: (None, ("MDC_MASS_BODY_ACTUAL",)),
    188740: (None, ("MDC_LEN_BODY_ACTUAL",)),
    131329: (None, ("MDC_ECG_ELEC_POTL_I",)),
    67975: (None, ("MDC_ATTR_TIME_ABS",)),
    68162: (None, ("MDC_ATTR_FILTER_LABEL_STRING",)),
    68220: (None, ("MDC_TIME_SYNC_PROTOCOL",)),
    69121: (None, ("MDC_OBS_WAVE_CTS",)),
    69965: (None, ("MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS",)),
    70666: (None, ("MDC_DEV_ECG_RESP_VMD",)),
    70739: (None, ("MDC_DEV_CARD_RATE_CHAN",)),
    528388: (None, ("MDC_DEV_SPEC_PROFILE_PULS_OXIM",)),
    528391: (None, ("MDC_DEV_SPEC_PROFILE_BP",)),
}

# Mindray v2.3.1 private codes (OBX-3 `101^HR`); their OBX-6 is often empty, the code implies it.
_MINDRAY: dict[int, tuple[str | None, tuple[str, ...]]] = {
    101: ("heart_rate", ("HR",)),
    151: ("resp_rate", ("RR",)),
    160: ("spo2", ("SPO2",)),
    161: ("pulse_rate", ("PR",)),
    170: ("bp_systolic", ("NIBP-S", "NIBP_S", "NIBPS")),
    171: ("bp_diastolic", ("NIBP-D", "NIBP_D", "NIBPD")),
    172: ("bp_mean", ("NIBP-M", "NIBP_M", "NIBPM")),
    200: (None, ("T1",)),
    201: (None, ("T2",)),
}

_LOINC: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "8480-6": ("bp_systolic", ()),
    "8462-4": ("bp_diastolic", ()),
    "8478-0": ("bp_mean", ()),
    "9279-1": ("resp_rate", ()),
    "8867-4": ("heart_rate", ()),
    "8889-8": ("pulse_rate", ()),  # heart rate by pulse oximetry
    "59408-5": ("spo2", ()),
    "2708-6": ("spo2", ()),
}


# Arterial-line and pulmonary-artery pressures: reported as "not NIBP" when dropped.
INVASIVE_PRESSURE = frozenset(f"MDC {c}" for c in (*range(150032, 150040), 150045, 150046, 150047))
# The arterial line's pulse rate: reported as "not the oximeter's pulse" when dropped.
INVASIVE_PULSE = frozenset({"MDC 149522"})
# The pulse rate the NIBP cuff measured with its pressures (devices.reading.NIBP_PULSE).
NIBP_PULSE = frozenset({"MDC 149546"})


def _by_name(table: dict[int, tuple[str | None, tuple[str, ...]]]) -> dict[str, int]:
    return {name.upper(): code for code, (_, names) in table.items() for name in names}


_MDC_BY_NAME = _by_name(_MDC)
_MINDRAY_BY_NAME = _by_name(_MINDRAY)

# Philips MDIL writes partition and term in hex: `0002-4a05` = 2 * 65536 + 0x4A05.
_MDIL = re.compile(r"^([0-9A-Fa-f]{4})-([0-9A-Fa-f]{4})$")
_LOINC_FORM = re.compile(r"^\d{1,7}-\d$")
_DIGITS = re.compile(r"^\d{1,9}$")
_MDC_SYSTEMS = {"MDC", "ISO11073", "IEEE11073", "MDIL"}
_LOINC_SYSTEMS = {"LN", "LOINC"}


@dataclass(frozen=True, slots=True)
class CodeMatch:
    """A recognised OBX-3 code.

    Attributes:
        metric: the console metric, or None when the code is known but not shown here.
        code: the code in one canonical spelling (`MDC 150021`, `LOINC 8480-6`, `MINDRAY 101`).
        family: `MDC`, `LOINC` or `MINDRAY`.
        conflict: when the OBX-3 name belongs to another code of the same family, that code
            (the code wins; the caller reports it).
    """

    metric: str | None
    code: str
    family: str
    conflict: str = ""


def mdc_number(code: str) -> int | None:
    """Return the numeric MDC code of `code` (decimal, or Philips MDIL `PPPP-tttt`), else None."""
    code = code.strip()
    if _DIGITS.match(code):
        return int(code)
    m = _MDIL.match(code)
    if m:
        return int(m.group(1), 16) * 65536 + int(m.group(2), 16)
    return None


def resolve_code(code: str, name: str, system: str) -> CodeMatch | None:
    """Identify one OBX-3 triple (identifier, text, coding system).

    Args:
        code: OBX-3.1 (or .4 for the alternate).
        name: OBX-3.2, used only to cross-check.
        system: OBX-3.3, e.g. `MDC`, `LN`, `99MNDRY`, or empty.

    Returns:
        The match, or None when the code is not in any table.
    """
    code = code.strip()
    system = system.strip().upper()
    uname = name.strip().upper()
    if system in _LOINC_SYSTEMS or (_LOINC_FORM.match(code) and system not in _MDC_SYSTEMS):
        found = _LOINC.get(code)
        return CodeMatch(found[0], f"LOINC {code}", "LOINC") if found else None
    number = mdc_number(code)
    if number is None:
        return None
    # MDC partition 0 holds object classes, never metrics, so a small number outside the MDC
    # system is a vendor private code: Mindray's legacy table is the one we know.
    if number < 65536 and system not in _MDC_SYSTEMS:
        hit = _MINDRAY.get(number)
        if hit is None:
            return None
        other = _MINDRAY_BY_NAME.get(uname)
        conflict = f"MINDRAY {other}" if other is not None and other != number else ""
        return CodeMatch(hit[0], f"MINDRAY {number}", "MINDRAY", conflict)
    hit = _MDC.get(number)
    if hit is None:
        return None
    other = _MDC_BY_NAME.get(uname)
    conflict = f"MDC {other}" if other is not None and other != number else ""
    return CodeMatch(hit[0], f"MDC {number}", "MDC", conflict)


def resolve_name(name: str) -> CodeMatch | None:
    """Identify an OBX-3 component that is an MDC reference id (`MDC_PULS_OXIM_SAT_O2`), else None.

    Used only when no component of OBX-3 holds a code at all: a code we do not know is never
    overridden by the name beside it.
    """
    number = _MDC_BY_NAME.get(name.strip().upper())
    if number is None:
        return None
    return CodeMatch(_MDC[number][0], f"MDC {number}", "MDC")


def is_code_shaped(text: str) -> bool:
    """Whether `text` looks like a code (decimal, MDIL `PPPP-tttt` or LOINC `nnnn-n`), known or not."""
    text = text.strip()
    return mdc_number(text) is not None or bool(_LOINC_FORM.match(text))


def code_for_name(name: str) -> str:
    """Return the code a name stands for (`MDC 150021`), or '' when the name is not known."""
    uname = name.strip().upper()
    if uname in _MDC_BY_NAME:
        return f"MDC {_MDC_BY_NAME[uname]}"
    return ""


# ---------------------------------------------------------------------------------------------
# Units

PRESSURE = "pressure"
RATE = "rate"
FRACTION = "percent"

METRIC_DIMENSION: dict[str, str] = {
    "bp_systolic": PRESSURE,
    "bp_diastolic": PRESSURE,
    "bp_mean": PRESSURE,
    "heart_rate": RATE,
    "pulse_rate": RATE,
    "resp_rate": RATE,
    "spo2": FRACTION,
}
CANONICAL_UNIT: dict[str, str] = {
    "bp_systolic": MMHG,
    "bp_diastolic": MMHG,
    "bp_mean": MMHG,
    "heart_rate": PER_MIN_BEATS,
    "pulse_rate": PER_MIN_BEATS,
    "resp_rate": PER_MIN_BREATHS,
    "spo2": PERCENT,
}


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit we can convert: its dimension and the factor to the canonical unit."""

    dimension: str
    factor: float
    label: str


_MMHG = Unit(PRESSURE, 1.0, "mmHg")
_KPA = Unit(PRESSURE, KPA_TO_MMHG, "kPa")
_PER_MIN = Unit(RATE, 1.0, "/min")
_PCT = Unit(FRACTION, 1.0, "%")

_MDC_UNITS: dict[int, Unit] = {
    266016: _MMHG,  # MDC_DIM_MMHG, MDIL 0004-0f20
    265987: _KPA,  # MDC_DIM_KILO_PASCAL, MDIL 0004-0f03
    264864: _PER_MIN,  # MDC_DIM_BEAT_PER_MIN, MDIL 0004-0aa0
    264928: _PER_MIN,  # MDC_DIM_RESP_PER_MIN, MDIL 0004-0ae0
    262688: _PCT,  # MDC_DIM_PERCENT, MDIL 0004-0220
}
# UCUM spellings seen from gateways, plus the common non-UCUM `mmHg`; compared case-folded.
_TEXT_UNITS: dict[str, Unit] = {
    "mm[hg]": _MMHG,
    "mmhg": _MMHG,
    "mm(hg)": _MMHG,  # ISO+ spelling (`mm(hg)^^ISO+`, Nihon Kohden, Draeger)
    "kpa": _KPA,
    "/min": _PER_MIN,
    "1/min": _PER_MIN,
    "{beats}/min": _PER_MIN,
    "{beat}/min": _PER_MIN,
    "{breaths}/min": _PER_MIN,
    "{breath}/min": _PER_MIN,
    "{resp}/min": _PER_MIN,
    "bpm": _PER_MIN,
    "rpm": _PER_MIN,
    "%": _PCT,
    "mdc_dim_mmhg": _MMHG,
    "mdc_dim_kilo_pascal": _KPA,
    "mdc_dim_beat_per_min": _PER_MIN,
    "mdc_dim_resp_per_min": _PER_MIN,
    "mdc_dim_percent": _PCT,
}


def resolve_unit(code: str, name: str) -> Unit | None:
    """Identify an OBX-6 unit from its identifier (MDC number, MDIL or UCUM) or, failing that, text.

    Returns:
        The unit, or None when neither component is a unit we know (the caller refuses it).
    """
    for text in (code.strip(), name.strip()):
        if not text:
            continue
        number = mdc_number(text)
        if number is not None:
            if number in _MDC_UNITS:
                return _MDC_UNITS[number]
            continue
        hit = _TEXT_UNITS.get(text.casefold())
        if hit is not None:
            return hit
    return None


def allowed_units(metric: str) -> str:
    """The units a row of `metric` may come in, as a message lists them."""
    return {
        PRESSURE: "mmHg (266016, mm[Hg], mm(hg)) or kPa (265987, kPa)",
        RATE: "/min (264864, 264928, /min, {beats}/min, {breaths}/min)",
        FRACTION: "% (262688, %)",
    }[METRIC_DIMENSION[metric]]


# ---------------------------------------------------------------------------------------------
# "No value" markers

# Devices write these instead of leaving OBX-5 empty: Mindray -100, others -999 / -99.9, and the
# IEEE 11073 FLOAT/SFLOAT specials (NaN 0x7FFFFF = 8388607, +/-INF, NRes; SFLOAT NaN 32767 as
# some gateways print it).
NO_VALUE_NUMBERS = frozenset({-100.0, -999.0, -99.9, 8388607.0, 8388606.0, -8388606.0,
                              -8388608.0, 32767.0})
# `***` is Draeger's "invalid"; three spaces (empty) are stripped to "" before the comparison.
NO_VALUE_TEXT = frozenset({"", "?", "-", "--", "---", "***", "NAN", "N/A", "NA", "\"\""})
