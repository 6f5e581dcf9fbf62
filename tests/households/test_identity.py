"""ID-number and phone validators, driven from tables of good and bad cases."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from households import identity
from tests.factories import valid_id_number

GOOD_IDS = [
    # (input, normalised, birth, gender)
    ("11010519491231002X", "11010519491231002X", dt.date(1949, 12, 31), "F"),
    ("11010519491231002x", "11010519491231002X", dt.date(1949, 12, 31), "F"),
    (" 110105 1949 1231 002X ", "11010519491231002X", dt.date(1949, 12, 31), "F"),
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", dt.date(1949, 12, 31), "F"),
    ("110105491231002", "11010519491231002X", dt.date(1949, 12, 31), "F"),  # 15-digit legacy
    (valid_id_number(11, "19800101"), valid_id_number(11, "19800101"), dt.date(1980, 1, 1), "M"),
]

BAD_IDS = [
    ("110105194912310021", "id_number_checksum"),
    ("1101051949123100", "id_number_format"),
    ("11010519491331002X", "id_number_birth"),
    ("11010530001231002X", "id_number_birth"),
    ("ABCDEFGHIJKLMNOPQR", "id_number_format"),
    ("1.10105E+17", "id_number_as_number"),
    (1.1010519491231e17, "id_number_as_number"),
    ("", "id_number_format"),
]


@pytest.mark.parametrize(("raw", "number", "birth", "gender"), GOOD_IDS)
def test_good_id_numbers_are_normalised_with_birth_and_gender(raw, number, birth, gender):
    parsed = identity.parse_id_number(raw)
    assert (parsed.number, parsed.birth_date, parsed.gender) == (number, birth, gender)


@pytest.mark.parametrize(("raw", "code"), BAD_IDS)
def test_bad_id_numbers_are_refused_with_a_reason(raw, code):
    with pytest.raises(ValidationError) as caught:
        identity.parse_id_number(raw)
    assert caught.value.code == code
    assert caught.value.messages[0]  # a Chinese message for the clerk


def test_excel_number_message_says_format_column_as_text():
    with pytest.raises(ValidationError) as caught:
        identity.parse_id_number("1.10105E+17")
    assert "文本" in caught.value.messages[0]


GOOD_PHONES = [
    ("13812345678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("+86-138-1234-5678", "13812345678"),
    ("008613812345678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    (13812345678, "13812345678"),
    (13812345678.0, "13812345678"),
    ("010-12345678", "010-12345678"),
    ("0931 8123456", "09318123456"),
    ("", ""),
    (None, ""),
]
BAD_PHONES = ["12345", "2381234567", "1381234567", "138123456789", "电话"]


@pytest.mark.parametrize(("raw", "expected"), GOOD_PHONES)
def test_good_phones(raw, expected):
    assert identity.normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", BAD_PHONES)
def test_bad_phones(raw):
    with pytest.raises(ValidationError):
        identity.normalise_phone(raw)


@pytest.mark.parametrize(
    ("number", "masked"),
    [("11010519491231002X", "1101**********002X"), ("", "")],
)
def test_mask_id(number, masked):
    assert identity.mask_id_number(number) == masked


def test_mask_phone():
    assert identity.mask_phone("13812345678") == "138****5678"
    assert identity.mask_phone("010-12345678").endswith("78")
    assert "1234567" not in identity.mask_phone("010-12345678")


def test_encryption_round_trip_and_blind_index_is_stable():
    token = identity.encrypt("11010519491231002X")
    assert "11010519491231002X" not in token
    assert identity.decrypt(token) == "11010519491231002X"
    assert identity.blind_index("11010519491231002X") == identity.blind_index("11010519491231002X")
    assert identity.blind_index("11010519491231002X") != identity.blind_index("110105194912310038")


def test_new_values_are_aes_gcm_and_old_fernet_values_still_decrypt():
    number = "11010519491231002X"
    token = identity.encrypt(number)
    assert token.startswith("v2:")
    assert identity.encrypt(number) != token  # a fresh nonce each time

    legacy = identity._keys().fernet.encrypt(number.encode()).decode()
    assert legacy.startswith("gAAAA")
    assert identity.decrypt(legacy) == number


def test_a_tampered_or_foreign_token_decrypts_to_nothing():
    token = identity.encrypt("11010519491231002X")
    body = token[3:]
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    assert identity.decrypt("v2:" + flipped) == ""
    assert identity.decrypt("v2:not-base64!") == ""
    assert identity.decrypt("garbage") == ""
