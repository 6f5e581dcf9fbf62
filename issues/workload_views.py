"""The workload page: the five committees with members and open issues, the district departments."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from issues.access import may_see_workload
from issues.workload import committees_overview, departments_overview
from liaison.access import township_id_of


@login_required
def workload(request):
    if not may_see_workload(request.user):
        raise PermissionDenied
    township_id = township_id_of(request.user)
    context = {
        "rows": committees_overview(township_id=township_id),
        "departments": departments_overview(township_id=township_id),
    }
    return render(request, "committees/workload.html", context)
