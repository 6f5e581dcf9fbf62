"""`{% load dashboard_tags %}`: `{{ rate|pct }}`, a rate in per cent, or a dash alone when there
is nothing to count (None, or no such figure at all), never "—%". A filter rather than an
included template: a district's table shows four rates on each of 343 rows."""

from __future__ import annotations

from django import template
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.filter
def pct(value) -> str:
    if value or value == 0:
        return f"{localize(value)}%"
    return format_html('<span title="{}">—</span>', gettext("无数据"))
