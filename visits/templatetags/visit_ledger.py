"""`{% load visit_ledger %}{% visit_ledger_link month %}`: the link to the visit ledger (走访台账),
for the diary's month if one is shown, for those who may export it (visits.access); nothing for
others."""

from __future__ import annotations

import calendar
from urllib.parse import urlencode

from django import template

from visits.access import may_export_visits

register = template.Library()


@register.inclusion_tag("issues/_ledger_link.html", takes_context=True)
def visit_ledger_link(context, month=None):
    user = getattr(context.get("request"), "user", None)
    show = user is not None and user.is_authenticated and may_export_visits(user)
    query = ""
    if month:
        last = calendar.monthrange(month.year, month.month)[1]
        query = urlencode(
            {
                "date_from": month.replace(day=1).isoformat(),
                "date_to": month.replace(day=last).isoformat(),
            }
        )
    return {"show": show, "query": query, "url_name": "liaison:visit-ledger"}
