"""The shell: a home page per role, and friendly error pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils import timezone

from issues import selectors as issue_selectors

from . import home_visits, selectors
from .policy import cadre_of, role_of, township_id_of
from .roles import Role

HOME_TEMPLATES = {
    Role.ADMIN: "home/admin.html",
    Role.LEADER: "home/leader.html",
    Role.COMMITTEE_STAFF: "home/staff.html",
    Role.GROUP_LEADER: "home/group_leader.html",
    Role.CADRE: "home/cadre.html",
    Role.VILLAGE_HANDLER: "home/handler.html",
    Role.DEPARTMENT_LIAISON: "home/handler.html",
}


@login_required
def home(request):
    user = request.user
    role = role_of(user)
    cadre = cadre_of(user)
    today = timezone.localdate()
    township = cadre.township if cadre else None
    context = {
        "role": role,
        "cadre": cadre,
        "today": today,
        "contact_day": selectors.township_contact_day(township, today),
    }
    context["days_to_contact_day"] = (context["contact_day"] - today).days
    if role in (Role.ADMIN, Role.LEADER):
        township_id = township_id_of(user)
        context["figures"] = selectors.township_headline(township_id=township_id)
        context["issue_figures"] = issue_selectors.headline_figures(township_id=township_id)
    elif role == Role.COMMITTEE_STAFF:
        context["queue"] = issue_selectors.triage_queue_for(user)
    elif role == Role.GROUP_LEADER and cadre and cadre.workgroup_id:
        context["figures"] = selectors.workgroup_headline(workgroup_id=cadre.workgroup_id)
        context["households"] = selectors.cadre_households(cadre)[:50]
        context.update(home_visits.group_leader_home_context(cadre, today))
    elif role == Role.CADRE and cadre:
        context["households"] = selectors.cadre_households(cadre)
        context.update(home_visits.cadre_home_context(cadre, today))
    elif role in (Role.VILLAGE_HANDLER, Role.DEPARTMENT_LIAISON):
        context["my_issues"] = issue_selectors.issues_handled_by(user)
    template = HOME_TEMPLATES.get(role, "home/none.html")
    return render(request, template, context)


def error_400(request, exception=None):
    return render(request, "errors/400.html", status=400)


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    # No request context: the failure may be in the database the context processors read.
    body = loader.get_template("errors/500.html").render({})
    return HttpResponseServerError(body)
