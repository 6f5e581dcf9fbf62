"""`{% load issue_ledger %}{% issue_ledger_link query %}`: the link to the issue ledger (诉求台账),
carrying the list's filters, for those who may export it (issues.access); nothing for others."""

from __future__ import annotations

from django import template

from issues.access import may_export_issues

register = template.Library()


@register.inclusion_tag("issues/_ledger_link.html", takes_context=True)
def issue_ledger_link(context, query: str = ""):
    user = getattr(context.get("request"), "user", None)
    show = user is not None and user.is_authenticated and may_export_issues(user)
    return {"show": show, "query": query, "url_name": "issues:ledger"}
