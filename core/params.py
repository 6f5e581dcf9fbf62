"""Cleaners for free input that reaches a query without a form field: the search term `q` of
every list (pages and API) and the ids picked from lists of checkboxes or filters.

A search term may carry characters no database column can hold: NUL (PostgreSQL refuses it in
any text parameter, a 500) and lone UTF-16 surrogates (from JSON `"\\ud800"`; no UTF-8 encoder
takes them). Such characters never match stored text, so they are dropped and the rest is
searched; an id that is not plain ASCII digits of a sane length matches nothing.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.validators import ProhibitNullCharactersValidator as ProhibitNull

SEARCH_MAX_LENGTH = 100
ID_MAX_DIGITS = 18  # below 2**63: every integer column of every database takes it

# C0/C1 controls (NUL included, tab/newline kept as spaces) and the surrogate block.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_ID = re.compile(rf"[0-9]{{1,{ID_MAX_DIGITS}}}")


def clean_search_term(value, *, max_length: int = SEARCH_MAX_LENGTH) -> str:
    """The search term as text any database can compare: unstorable characters dropped,
    whitespace collapsed, at most `max_length` characters ("" when nothing is left)."""
    if not isinstance(value, str):
        return ""
    text = _UNSTORABLE.sub("", unicodedata.normalize("NFC", _without_surrogates(value)))
    return _SPACES.sub(" ", text).strip()[:max_length]


def _without_surrogates(value: str) -> str:
    # NFC cannot take lone surrogates either: drop them first.
    return value.encode("utf-8", "ignore").decode("utf-8") if _has_surrogate(value) else value


def _has_surrogate(value: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in value)


def parse_id(value) -> int | None:
    """A primary key from a query string or form list, or None: only ASCII digits count
    ("²".isdigit() is true, and int("²") fails)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value < 10**ID_MAX_DIGITS else None
    if not isinstance(value, str) or not _ID.fullmatch(value.strip()):
        return None
    return int(value.strip()) or None


def parse_ids(values) -> list[int]:
    """The valid ids of a list (a QueryDict.getlist()), the others dropped."""
    return [pk for pk in (parse_id(v) for v in values or []) if pk is not None]


class SearchTermField(forms.CharField):
    """A form's `q`: cleaned like every other search term instead of failing the whole form
    (a NUL would otherwise void the other filters too)."""

    def __init__(self, *, max_length: int = SEARCH_MAX_LENGTH, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(max_length=None, **kwargs)
        self.term_max_length = max_length
        # the cleaner drops NUL before validation: the stock NUL validator has nothing to refuse
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNull)]
        self.widget.attrs.setdefault("maxlength", str(max_length))

    def to_python(self, value):
        return clean_search_term(value, max_length=self.term_max_length)
