import pytest
from django.core.exceptions import ValidationError

from meters.validators import (
    normalize_esiid,
    normalize_install_code,
    normalize_mac,
    validate_esiid,
    with_install_code_crc,
)


@pytest.mark.parametrize("esiid", ["10443720000000001", "1008901023809071560100", "12345678901234567890"])
def test_esiids_of_17_to_22_digits_are_accepted(esiid):
    validate_esiid(esiid)


@pytest.mark.parametrize(
    "esiid", ["1044372000000000", "10089010238090715601001", "1044372000000000A", "", "10443720-00000001"]
)
def test_other_esiids_are_refused(esiid):
    with pytest.raises(ValidationError):
        validate_esiid(esiid)


def test_excel_apostrophe_is_stripped_from_an_esiid():
    assert normalize_esiid(" '10443720000000001 ") == "10443720000000001"


@pytest.mark.parametrize(
    "raw", ["000d6f000a1b2c3d", "00-0D-6F-00-0A-1B-2C-3D", "00:0d:6f:00:0a:1b:2c:3d", "000D 6F00 0A1B 2C3D"]
)
def test_eui64_macs_are_normalised(raw):
    assert normalize_mac(raw) == "00:0D:6F:00:0A:1B:2C:3D"


def test_a_48_bit_mac_is_refused_with_a_hint():
    with pytest.raises(ValidationError, match="48-bit"):
        normalize_mac("00:0D:6F:0A:1B:2C")


@pytest.mark.parametrize("raw", ["00:0D:6F:00:0A:1B:2C:3G", "0" * 16, "F" * 16, "00:0D:6F"])
def test_malformed_or_reserved_macs_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_mac(raw)


def test_install_code_with_its_crc_is_accepted():
    # The ZigBee specification's example: code 83FED3407A939723A5C639B26916D505 has CRC C3B5,
    # printed little-endian after the code.
    code = "83FED3407A939723A5C639B26916D505C3B5"
    assert normalize_install_code(code) == code


def test_install_code_with_a_wrong_crc_is_refused():
    good = with_install_code_crc("0123456789ABCDEF")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError, match="check digits"):
        normalize_install_code(bad)
