"""The reveal export of the household ledger: full ID and phone numbers for the households of
the list's filters, after a confirmation page, audited as a reveal (households.ledger). The
ordinary export (households.views.households) is masked for every role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from core.xlsx import xlsx_download
from households.ledger import export_households, may_export_revealed
from households.views.households import _filtered


@login_required
def household_export_reveal(request):
    if not may_export_revealed(request.user):
        raise PermissionDenied
    filterset = _filtered(request)
    if request.method == "POST":
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_download(
            f"households-full-{stamp}.xlsx",
            lambda target: export_households(
                user=request.user,
                target=target,
                queryset=filterset.qs,
                request=request,
                reveal=True,
                filters=request.GET.dict(),
            ),
        )
    return render(
        request,
        "households/ledger_reveal.html",
        {"count": filterset.qs.count(), "query": request.GET.urlencode()},
    )
