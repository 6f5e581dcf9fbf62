"""Pairing management (结对管理) for admins and work-group leaders: who is responsible for which
household, bulk assign/reassign by selection or by filter, with history and the visit warnings.
Pairings are written only by `liaison.services`; the households come from `households.access`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.params import clean_search_term, parse_id, parse_ids
from households.access import pairing_households_for
from liaison import services
from liaison.access import (
    may_manage_pairings,
    pairing_cadres_for,
)
from liaison.forms import PairingAssignForm
from liaison.models import Pairing
from visits.selectors import pairing_warnings, with_a_cadre_on_duty


def _require_manager(user) -> None:
    if not may_manage_pairings(user):
        raise Http404


def _filtered(request, households):
    f = request.GET
    current = Pairing.objects.current().filter(household=OuterRef("pk"))
    qs = households.select_related("village").annotate(
        cadre_name=Subquery(current.values("cadre__name")[:1]),
        cadre_id=Subquery(current.values("cadre_id")[:1]),
        on_duty=with_a_cadre_on_duty(),
    )
    if f.get("village"):
        village_id = parse_id(f["village"])
        qs = qs.filter(village_id=village_id) if village_id else qs.none()
    q = clean_search_term(f.get("q"))
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(head_name__icontains=q) | Q(address__icontains=q))
    if f.get("cadre"):
        cadre_id = parse_id(f["cadre"])
        qs = qs.filter(cadre_id=cadre_id) if cadre_id else qs.none()
    if f.get("unpaired") == "1":  # no cadre on duty (never paired, or the cadre left)
        qs = qs.filter(on_duty=False)
    tag = clean_search_term(f.get("tag"))
    if tag:
        qs = qs.with_tag(tag)
    return qs.filter(status="active").order_by("code")


@login_required
def pairing_manage(request):
    _require_manager(request.user)
    households = pairing_households_for(request.user)
    cadres = pairing_cadres_for(request.user).order_by("workgroup__name", "name")
    filtered = _filtered(request, households)
    if request.method == "POST":
        form = PairingAssignForm(request.POST, cadres=cadres)
        if form.is_valid():
            if form.cleaned_data["by_filter"]:
                ids = list(filtered.values_list("pk", flat=True))
            else:
                raw = request.POST.getlist("household")
                ids = list(households.filter(pk__in=parse_ids(raw)).values_list("pk", flat=True))
            if not ids:
                messages.error(request, _("请先勾选住户，或选择“分配当前筛选出的全部住户”。"))
            else:
                result = services.pairing_assign(
                    actor=request.user,
                    cadre=form.cleaned_data["cadre"],
                    household_ids=ids,
                    request=request,
                )
                messages.success(
                    request,
                    _("已分配 %(a)s 户，改派 %(r)s 户，未变 %(u)s 户。")
                    % {
                        "a": result["assigned"],
                        "r": result["reassigned"],
                        "u": result["unchanged"],
                    },
                )
            return redirect(request.get_full_path())
    else:
        form = PairingAssignForm(cadres=cadres)
    page = Paginator(filtered, 50).get_page(request.GET.get("page"))
    villages = (
        households.values_list("village_id", "village__name").distinct().order_by("village__name")
    )
    return render(
        request,
        "liaison/pairing_manage.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "cadres": cadres,
            "villages": villages,
            "warnings": pairing_warnings(households, cadres),
            "filters": request.GET,
            "querystring": request.GET.urlencode(),
        },
    )


@login_required
def pairing_history(request, household_pk: int):
    _require_manager(request.user)
    try:
        household = pairing_households_for(request.user).get(pk=household_pk)
    except (ValueError, TypeError, Exception):
        raise Http404 from None
    history = (
        Pairing.objects.filter(household=household)
        .select_related("cadre")
        .order_by("-start_date", "-id")
    )
    return render(
        request, "liaison/pairing_history.html", {"household": household, "history": history}
    )
