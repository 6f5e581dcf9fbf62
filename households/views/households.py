"""Household list, detail, audited reveal and export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.params import clean_search_term
from core.xlsx import xlsx_download
from households import selectors
from households.access import (
    access_household,
    help_records_correctable_by,
    households_visible_to,
    may_edit_household,
    may_export,
    may_reveal_identity,
)
from households.filters import HouseholdFilter
from households.ledger import export_households, may_export_revealed
from households.models import Resident
from households.services import household_reveal_identity
from liaison.access import cadres_visible_to

PAGE_SIZE = 30


def _filtered(request):
    scope = households_visible_to(request.user).select_related("village")
    filterset = HouseholdFilter(request.GET or None, queryset=scope, request=request)
    for field in filterset.form.fields.values():
        css = "form-select" if hasattr(field, "choices") else "form-control"
        field.widget.attrs.setdefault("class", css)
    return filterset


CADRE_OPTIONS = 20


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in ("page", "cadre_q", *names):
        query.pop(name, None)
    return query.urlencode()


@login_required
def household_list(request):
    filterset = _filtered(request)
    queryset = selectors.household_list_rows(filterset.qs).order_by("village__name", "code")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    cleaned = getattr(filterset.form, "cleaned_data", {})
    return render(
        request,
        "households/list.html",
        {
            "filter": filterset,
            "offered": filterset.offered(),
            "selected_cadre": cleaned.get("cadre"),
            "page": page,
            "query": _query_without(request),
            "query_without_cadre": _query_without(request, "cadre"),
            "may_export": may_export(request.user),
            "may_export_revealed": may_export_revealed(request.user),
        },
    )


@login_required
def household_cadre_options(request):
    """htmx: the cadres matching what was typed into the list's cadre filter, from the cadres
    the user may see (liaison.access, as the filter's choices), each a link to the list
    filtered by that cadre with the other filters kept. At most 20, never the whole township."""
    term = clean_search_term(request.GET.get("cadre_q"))
    cadres = cadres_visible_to(request.user)
    if term:
        cadres = cadres.filter(Q(name__contains=term) | Q(workgroup__name__contains=term))
    cadres = list(cadres.select_related("workgroup").order_by("name", "pk")[: CADRE_OPTIONS + 1])
    return render(
        request,
        "households/_cadre_options.html",
        {
            "cadres": cadres[:CADRE_OPTIONS],
            "more": len(cadres) > CADRE_OPTIONS,
            "term": term,
            "query": _query_without(request, "cadre"),
        },
    )


def _member_rows(residents, revealed=None) -> dict:
    """Members split into present and former (moved away, deceased), each row with the numbers
    to show: masked, or full after an audited reveal."""
    full = {row["resident"].pk: row for row in revealed or []}
    rows = [
        {
            "resident": r,
            "id_number": full[r.pk]["id_number"] if r.pk in full else r.masked_id_number,
            "phone": full[r.pk]["phone"] if r.pk in full else r.masked_phone,
        }
        for r in residents
    ]
    return {
        "revealed": bool(revealed),
        "current_rows": [row for row in rows if row["resident"].status == Resident.Status.PRESENT],
        "former_rows": [row for row in rows if row["resident"].status != Resident.Status.PRESENT],
    }


def _permissions(user, household) -> dict:
    return {
        "may_reveal": may_reveal_identity(user, household),
        "may_edit": may_edit_household(user, household),
        "correctable_help_ids": set(
            help_records_correctable_by(user, household).values_list("pk", flat=True)
        ),
    }


@login_required
def household_detail(request, pk):
    household = access_household(request.user, pk)
    context = selectors.household_detail(household, user=request.user)
    context.update(
        household=household,
        **_member_rows(context["residents"]),
        **_permissions(request.user, household),
    )
    return render(request, "households/detail.html", context)


@login_required
@require_POST
def household_reveal(request, pk):
    household = access_household(request.user, pk)
    if not may_reveal_identity(request.user, household):
        raise PermissionDenied
    revealed = household_reveal_identity(household=household, actor=request.user, request=request)
    return render(
        request,
        "households/_members.html",
        {
            "household": household,
            **_member_rows([row["resident"] for row in revealed], revealed),
            **_permissions(request.user, household),
        },
    )


@login_required
def household_export(request):
    if not may_export(request.user):
        raise PermissionDenied
    filterset = _filtered(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_download(  # masked for every role; full numbers: households.views.exports
        f"households-{stamp}.xlsx",
        lambda target: export_households(
            user=request.user,
            target=target,
            queryset=filterset.qs,
            request=request,
            filters=request.GET.dict(),
        ),
    )
