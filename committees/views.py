"""Committee pages: the five committees with members and workload, the district departments."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from liaison.access import has_role, township_id_of
from liaison.roles import Role

from .selectors import committees_overview, departments_overview


@login_required
def workload(request):
    if not has_role(request.user, Role.ADMIN, Role.LEADER, Role.COMMITTEE_STAFF):
        raise PermissionDenied
    township_id = township_id_of(request.user)
    context = {
        "rows": committees_overview(township_id=township_id),
        "departments": departments_overview(township_id=township_id),
    }
    return render(request, "committees/workload.html", context)
