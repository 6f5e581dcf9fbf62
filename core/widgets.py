"""Form widgets every app shares."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class ISODateInput(forms.DateInput):
    """<input type=date> takes only ISO dates (2026-05-06): never the locale's format (zh-hans
    renders 2026/05/06, which the browser drops, so the field came up empty)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class QuickSelect(forms.Select):
    """A single-choice <select> rendered in Python, for the filter forms that every list page
    renders on every request: Django's Select renders one template per option (and one per
    option's attributes), a fifth of the issue list's time in bench/web.py. Same markup: the
    field's attributes, each option's value and label escaped, the chosen one `selected`."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):  # option groups: Django's own rendering
                return super().render(name, value, attrs, renderer)
            option = "" if option_value is None else str(option_value)
            options.append(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    option,
                    mark_safe(" selected") if option in chosen else "",  # noqa: S308 - a constant
                    label,
                )
            )
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe("\n".join(options)),  # noqa: S308 - each option escaped by format_html
        )
