"""The organisation page (组织架构): work groups with their leader, members and load; liaison
units; cadres. An admin takes a cadre off duty (停用) here, handing the households over."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render

from liaison import accounts
from liaison.access import cadres_visible_to, has_role, may_manage_pairings, workgroups_visible_to
from liaison.forms import CadreDeactivateForm
from liaison.models import LiaisonUnit
from liaison.roles import Role

OPEN_LOAD = Count("pairings", filter=Q(pairings__end_date__isnull=True))


@login_required
def organisation(request):
    """Work groups with their leader, members and load; liaison units; cadres."""
    if not may_manage_pairings(request.user):
        raise Http404
    groups = (
        workgroups_visible_to(request.user)
        .select_related("leader", "village")
        .annotate(
            member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
        )
        .order_by("name")
    )
    cadres = (
        cadres_visible_to(request.user)
        .filter(is_active=True)
        .select_related("workgroup")
        .annotate(load=OPEN_LOAD)
        .order_by("workgroup__name", "name")
    )
    units = (
        LiaisonUnit.objects.filter(workgroup__in=groups)
        .select_related("workgroup")
        .annotate(member_count=Count("members"))
        .order_by("workgroup__name", "name")
    )
    return render(
        request,
        "liaison/organisation.html",
        {
            "groups": groups,
            "cadres": cadres,
            "units": units,
            # the rule is accounts.may_deactivate_cadre; the link is offered to those it may allow
            "may_deactivate": request.user.is_superuser or has_role(request.user, Role.ADMIN),
        },
    )


@login_required
def cadre_deactivate(request, pk: int):
    """停用干部: how many households the cadre holds, whom to hand them to (optional), then
    `accounts.cadre_deactivate` — the same rule as the admin pages and the API."""
    cadre = cadres_visible_to(request.user).select_related("workgroup", "user").filter(pk=pk)
    cadre = cadre.first()
    if cadre is None or not accounts.may_deactivate_cadre(request.user, cadre):
        raise Http404
    successors = accounts.cadre_successors_for(request.user, cadre).annotate(load=OPEN_LOAD)
    form = CadreDeactivateForm(request.POST or None, successors=successors)
    if request.method == "POST" and form.is_valid():
        try:
            done = accounts.cadre_deactivate(
                actor=request.user,
                cadre=cadre,
                successor=form.cleaned_data["successor"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done.message)
            return redirect("liaison:organisation")
    households = (
        accounts.cadre_open_pairings(cadre)
        .select_related("household__village")
        .order_by("household__code")
    )
    return render(
        request,
        "liaison/cadre_deactivate.html",
        {
            "cadre": cadre,
            "form": form,
            "count": households.count(),
            "households": [p.household for p in households[:50]],
        },
    )
