"""Each role's home page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from dashboard import headlines as selectors
from dashboard.worklist import worklist_for
from issues import selectors as issue_selectors
from liaison.access import cadre_of, role_of, township_id_of
from liaison.roles import Role
from visits import home as home_visits

HOME_HOUSEHOLDS = 50

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
    # What needs this person now, by deadline (issue 15): every role's home starts with it.
    context["worklist"] = worklist_for(user)
    if role in (Role.ADMIN, Role.LEADER):
        township_id = township_id_of(user)
        context["figures"] = selectors.township_headline(township_id=township_id)
        context["issue_figures"] = issue_selectors.headline_figures(township_id=township_id)
    elif role == Role.GROUP_LEADER and cadre and cadre.workgroup_id:
        context["figures"] = selectors.workgroup_headline(workgroup_id=cadre.workgroup_id)
        # the first 50 on the home page; beyond them the page says how many and links the rest
        shown = list(selectors.cadre_households(cadre)[: HOME_HOUSEHOLDS + 1])
        context["households"] = shown[:HOME_HOUSEHOLDS]
        context["households_total"] = (
            len(shown)
            if len(shown) <= HOME_HOUSEHOLDS
            else selectors.cadre_households(cadre).count()
        )
        context.update(home_visits.group_leader_home_context(cadre, today))
    elif role == Role.CADRE and cadre:
        context["households"] = selectors.cadre_households(cadre)
        context.update(home_visits.cadre_home_context(cadre, today))
    template = HOME_TEMPLATES.get(role, "home/none.html")
    return render(request, template, context)
