"""A ledger page (台账): a domain's filters, the number of rows they give in the reader's scope,
and the .xlsx, streamed, with a progress bar for a large one. The domain supplies who may export,
its filter form, its queryset and its export function (which audits); this module knows no domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from core.xlsx import progress_get, progress_key, progress_set, xlsx_download

# From this many rows on the page shows a progress bar (about a second of work at 2,000).
LARGE_ROWS = 2000


@dataclass(frozen=True)
class Ledger:
    may_export: Callable  # (user) -> bool
    form: Callable  # (user, filters) -> a bound form
    queryset: Callable  # (user, filters) -> (queryset, …)
    export: Callable  # (user=, target=, request=, filters=, progress=) -> rows written
    template: str
    filename: str  # the download's name before its timestamp


def filters_used(form) -> dict:
    """The filters a valid form applied, as plain text for the audit row."""
    return {
        name: str(getattr(value, "pk", value))
        for name, value in form.cleaned_data.items()
        if value not in (None, "", False)
    }


def ledger_pages(ledger: Ledger) -> tuple[Callable, Callable]:
    """(the page view, the progress view) of a ledger."""

    def require_exporter(user) -> None:
        if not ledger.may_export(user):
            raise PermissionDenied

    @login_required
    def page(request):
        require_exporter(request.user)
        filters = request.GET.dict()
        form = ledger.form(request.user, filters)
        count = ledger.queryset(request.user, filters)[0].count() if form.is_valid() else None
        if request.method == "POST" and count is not None:
            key = progress_key(request.user.pk, request.POST.get("job"))
            progress_set(key, done=0, total=count)

            def build(target):
                rows = ledger.export(
                    user=request.user,
                    target=target,
                    request=request,
                    filters=filters,
                    progress=lambda done: progress_set(key, done=done, total=count),
                )
                progress_set(key, done=rows, total=count, finished=True)

            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            return xlsx_download(f"{ledger.filename}-{stamp}.xlsx", build)
        context = {
            "form": form,
            "count": count,
            "large": count is not None and count >= LARGE_ROWS,
            "query": request.GET.urlencode(),
        }
        status = 400 if request.method == "POST" else 200
        return render(request, ledger.template, context, status=status)

    @login_required
    def progress(request):
        require_exporter(request.user)
        return JsonResponse(progress_get(progress_key(request.user.pk, request.GET.get("job"))))

    return page, progress
