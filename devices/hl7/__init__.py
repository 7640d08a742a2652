"""HL7 v2 ORU^R01 (IHE PCD-01) decoding: code tables, message decoder, acknowledgements."""

from devices.hl7.decoder import HL7Decoder, decode_message, parse_timestamp

__all__ = ["HL7Decoder", "decode_message", "parse_timestamp"]
