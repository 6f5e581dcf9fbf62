"""Intake's household search: by the head's name, the address or the phone's last four digits,
among the households the user may see (households.access.households_visible_to), never by a
typed 户编号 alone. Answers JSON for static/js/household-search.js."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import JsonResponse

from core.params import clean_search_term
from households.access import households_visible_to
from issues.access import may_report

LIMIT = 10


def households_matching(user, text: str, *, limit: int = LIMIT) -> list[dict]:
    text = clean_search_term(text, max_length=64)  # NUL, lone surrogates: dropped, never a 500
    if len(text) < 2:
        return []
    condition = Q(head_name__icontains=text) | Q(address__icontains=text) | Q(code__iexact=text)
    if text.isdigit() and len(text) == 4:
        condition |= Q(phone__endswith=text)
    rows = (
        households_visible_to(user)
        .filter(condition)
        .select_related("village")
        .order_by("head_name", "code")[:limit]
    )
    return [
        {
            "id": h.pk,
            "label": " · ".join(
                part
                for part in (
                    f"{h.head_name}（{h.code}）",
                    str(h.village) if h.village_id else "",
                    h.address,
                    f"尾号{h.phone[-4:]}" if len(h.phone or "") >= 4 else "",
                )
                if part
            ),
        }
        for h in rows
    ]


@login_required
def household_search(request):
    if not may_report(request.user):
        raise PermissionDenied
    results = households_matching(request.user, request.GET.get("q", ""))
    return JsonResponse({"results": results, "limit": LIMIT})
