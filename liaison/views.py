"""The organisation page (组织架构): work groups with their leader, members and load; liaison
units; cadres."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render

from liaison.access import cadres_visible_to, may_manage_pairings, workgroups_visible_to
from liaison.models import LiaisonUnit


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
        .annotate(load=Count("pairings", filter=Q(pairings__end_date__isnull=True)))
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
        {"groups": groups, "cadres": cadres, "units": units},
    )
