"""`{% load projects_tags %}{% top_demands %}`: the month's top recurring demands as a card, for a
home page or the dashboard (only for those who may see them; nothing for anyone else)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from projects import access, selectors
from projects.detection import month_start

register = template.Library()


@register.inclusion_tag("projects/_top_demands.html", takes_context=True)
def top_demands(context, count: int = 3):
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated or not access.may_plan(user):
        return {"show": False}
    month = month_start(timezone.localdate())
    run = selectors.run_latest(user, month)
    return {"show": True, "month": month, "run": run,
            "rows": selectors.demand_rows(user, run, limit=count)}  # fmt: skip
