"""Identifiers of the meter world: ESIIDs, EUI-64 MAC addresses and ZigBee install codes."""

import re

from django.core.exceptions import ValidationError

ESIID_PATTERN = re.compile(r"^\d{17,22}$")
_HEX = re.compile(r"^[0-9A-F]+$")
INSTALL_CODE_HEX_LENGTHS = (12, 20, 28, 36)  # 6, 8, 12 or 16 bytes of code, plus a 2-byte CRC


def normalize_esiid(value: str) -> str:
    """Strip what real files wrap around an ESIID: spaces and the leading apostrophe of Excel."""
    return str(value).strip().lstrip("'").strip()


def validate_esiid(value: str) -> None:
    if not ESIID_PATTERN.match(value or ""):
        raise ValidationError("An ESIID is 17 to 22 digits.", code="invalid_esiid")


def normalize_mac(value: str) -> str:
    """Return an EUI-64 as 16 upper-case hex digits in colon-separated pairs, or raise."""
    digits = re.sub(r"[\s:.\-]", "", str(value or "")).upper()
    if len(digits) == 12 and _HEX.match(digits):
        raise ValidationError(
            "That looks like a 48-bit MAC; in-home devices use a 64-bit (EUI-64) MAC of 16 hex digits.",
            code="invalid_mac",
        )
    if len(digits) != 16 or not _HEX.match(digits):
        raise ValidationError(
            "A MAC address is an EUI-64: 16 hex digits, e.g. 00:0D:6F:00:0A:1B:2C:3D.", code="invalid_mac"
        )
    if digits in {"0" * 16, "F" * 16}:
        raise ValidationError("That MAC address is reserved and cannot belong to a device.", code="invalid_mac")
    return ":".join(digits[i : i + 2] for i in range(0, 16, 2))


def validate_mac(value: str) -> None:
    normalize_mac(value)


def install_code_crc(code: bytes) -> int:
    """CRC-16/X-25 (ZigBee install codes): reflected polynomial 0x1021, init and final xor 0xFFFF."""
    crc = 0xFFFF
    for byte in code:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def with_install_code_crc(code_hex: str) -> str:
    """Append the CRC (little-endian, as printed on devices) to the hex digits of a code."""
    crc = install_code_crc(bytes.fromhex(code_hex))
    return (code_hex + crc.to_bytes(2, "little").hex()).upper()


def normalize_install_code(value: str) -> str:
    digits = re.sub(r"[\s:\-]", "", str(value or "")).upper()
    if len(digits) not in INSTALL_CODE_HEX_LENGTHS or not _HEX.match(digits):
        raise ValidationError(
            "An install code is 12, 20, 28 or 36 hex digits (the code and its 4-digit CRC).",
            code="invalid_install_code",
        )
    if with_install_code_crc(digits[:-4]) != digits:
        raise ValidationError(
            "The install code's check digits do not match; please copy it again from the device.",
            code="invalid_install_code",
        )
    return digits


def validate_install_code(value: str) -> None:
    normalize_install_code(value)
