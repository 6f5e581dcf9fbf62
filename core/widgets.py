"""Form widgets every app shares."""

from __future__ import annotations

from django import forms


class ISODateInput(forms.DateInput):
    """<input type=date> takes only ISO dates (2026-05-06): never the locale's format (zh-hans
    renders 2026/05/06, which the browser drops, so the field came up empty)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
