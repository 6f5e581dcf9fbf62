"""Resident identity data: ID-card numbers (GB 11643), phone numbers, masking and encryption.

Plain functions with no Django model in sight, so the import, the forms and the API share one
set of rules and the tests can drive them from a table.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import operator
import os
import re
import time
import unicodedata
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CODES = "10X98765432"
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_LEGACY_ID = re.compile(r"\d{15}")
_ID = re.compile(r"\d{17}[\dX]")


def normalise_text(value: object) -> str:
    """Full-width to half-width (NFKC), trim, drop inner spaces and dashes used as separators."""
    text = value if isinstance(value, str) else str(value if value is not None else "")
    if not text.isascii():  # ASCII is already NFKC; the check is much cheaper than normalize
        text = unicodedata.normalize("NFKC", text)
    return text.strip()


def id_check_digit(first17: str) -> str:
    total = sum(map(operator.mul, map(int, first17), _WEIGHTS))
    return _CHECK_CODES[total % 11]


@dataclass(frozen=True)
class IdentityNumber:
    number: str
    birth_date: dt.date
    gender: str  # "M" or "F"

    @property
    def last4(self) -> str:
        return self.number[-4:]


def parse_id_number(value: object) -> IdentityNumber:
    """Validate a mainland resident ID number; convert a 15-digit legacy number to 18 digits.

    Raises ValidationError with a message that tells a clerk how to fix the cell.
    """
    if isinstance(value, float):
        raise ValidationError(
            _("身份证号被 Excel 存成了数字（如 1.10105E+17），请把该列设为“文本”格式后重新填写。"),
            code="id_number_as_number",
        )
    text = normalise_text(value).upper()
    if not (len(text) == 18 and text[:17].isdigit()):  # the common case needs no cleaning
        text = re.sub(r"[\s\-]", "", text)
    if _SCIENTIFIC.match(text):
        raise ValidationError(
            _("身份证号被 Excel 存成了数字（如 1.10105E+17），请把该列设为“文本”格式后重新填写。"),
            code="id_number_as_number",
        )
    if _LEGACY_ID.fullmatch(text):
        text = _upgrade_legacy(text)
    if not _ID.fullmatch(text):
        raise ValidationError(
            _("身份证号应为18位（最后一位可为X），当前为“%(value)s”。") % {"value": text},
            code="id_number_format",
        )
    try:
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise ValidationError(
            _("身份证号中的出生日期 %(d)s 不存在。") % {"d": text[6:14]}, code="id_number_birth"
        ) from None
    if birth > _today() or birth.year < 1900:
        raise ValidationError(
            _("身份证号中的出生日期 %(d)s 不合理。") % {"d": text[6:14]}, code="id_number_birth"
        )
    expected = id_check_digit(text[:17])
    if text[17] != expected:
        raise ValidationError(
            _("身份证号校验位错误：最后一位应为 %(e)s，请核对号码。") % {"e": expected},
            code="id_number_checksum",
        )
    gender = "M" if int(text[16]) % 2 else "F"
    return IdentityNumber(number=text, birth_date=birth, gender=gender)


_TODAY_CACHE: list = [0.0, None]


def _today() -> dt.date:
    """timezone.localdate(), re-read at most once a minute: imports call this per row."""
    now = time.monotonic()
    if _TODAY_CACHE[1] is None or now - _TODAY_CACHE[0] > 60:
        _TODAY_CACHE[:] = [now, timezone.localdate()]
    return _TODAY_CACHE[1]


def _upgrade_legacy(number15: str) -> str:
    """A 15-digit number (before 1999) has a 2-digit year in the 1900s and no check digit."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + id_check_digit(first17)


def normalise_phone(value: object) -> str:
    """Mobile numbers become 11 digits (from +86, spaces, dashes); landlines are kept as given."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalise_text(value)
    if not text:
        return ""
    digits = re.sub(r"[\s\-()（）]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits
    if re.fullmatch(r"0\d{2,3}\d{7,8}(\d{1,6})?", digits):
        return text.replace(" ", "")
    raise ValidationError(
        _("电话号码“%(value)s”无效：手机号应为11位，固定电话应带区号（如 010-12345678）。")
        % {"value": text},
        code="phone_format",
    )


def mask_id_number(number: str) -> str:
    """1101**********1234: region prefix and last four only."""
    if not number:
        return ""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str) -> str:
    """138****5678 for mobiles; landlines keep the area code and the last 2 digits."""
    if not phone:
        return ""
    if len(phone) == 11 and phone.isdigit():
        return phone[:3] + "****" + phone[-4:]
    return phone[:4] + "*" * max(len(phone) - 6, 0) + phone[-2:]


# --- Encryption at rest (PIPL art. 28: ID numbers are sensitive personal information) ---------


# New values are AES-256-GCM ("v2:" + urlsafe base64 of nonce + ciphertext + tag): one reusable
# AESGCM object costs a few microseconds a number, where Fernet (AES-CBC + HMAC, fresh objects
# each call) cost ~20 µs and dominated large imports. Values written earlier are Fernet tokens
# (they begin "gAAAA") and still decrypt.
_AESGCM_PREFIX = "v2:"
_AESGCM_AAD = b"lianxin-id-number"


@dataclass(frozen=True)
class _Keys:
    fernet: Fernet
    aesgcm: AESGCM
    mac: bytes


@cache
def _keys() -> _Keys:
    configured = settings.FIELD_ENCRYPTION_KEY
    if configured:
        raw = base64.urlsafe_b64decode(configured)
    else:
        raw = hashlib.sha256(("lianxin-field-key:" + settings.SECRET_KEY).encode()).digest()
    return _Keys(
        fernet=Fernet(base64.urlsafe_b64encode(raw[:32])),
        aesgcm=AESGCM(hashlib.sha256(b"lianxin-aesgcm:" + raw).digest()),
        mac=hashlib.sha256(b"lianxin-hmac:" + raw).digest(),
    )


def encrypt(text: str) -> str:
    if not text:
        return ""
    nonce = os.urandom(12)
    sealed = _keys().aesgcm.encrypt(nonce, text.encode(), _AESGCM_AAD)
    return _AESGCM_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        if token.startswith(_AESGCM_PREFIX):
            blob = base64.urlsafe_b64decode(token[len(_AESGCM_PREFIX) :])
            return _keys().aesgcm.decrypt(blob[:12], blob[12:], _AESGCM_AAD).decode()
        return _keys().fernet.decrypt(token.encode()).decode()
    except (InvalidToken, InvalidTag, ValueError):
        return ""


def blind_index(text: str) -> str:
    """Keyed HMAC for uniqueness and exact lookup without storing the number."""
    if not text:
        return ""
    return hmac.digest(_keys().mac, text.encode(), "sha256").hex()
