"""The visit diary (民情日记): log a visit from a phone, read, edit within 24 h, correct after."""

from __future__ import annotations

import datetime as dt
import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.files import serve_upload
from core.params import clean_search_term
from issues.access import issues_visible_to
from liaison.access import cadre_of
from visits import services
from visits.access import (
    access_household_for_visit,
    access_visit,
    households_for_visits,
    may_correct_visit,
    may_edit_visit,
    visits_visible_to,
)
from visits.contact_day import visit_kind_for
from visits.forms import CorrectionForm, VisitEditForm, VisitForm
from visits.models import VisitPhoto
from visits.selectors import month_range


def _month_param(value: str | None, today: dt.date) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        return None


@login_required
def visit_list(request):
    """The diary: my visits by date for a cadre; the group's or township's for those above."""
    today = timezone.localdate()
    month = _month_param(request.GET.get("month"), today)
    mine = request.GET.get("scope", "mine") == "mine" and cadre_of(request.user) is not None
    qs = visits_visible_to(request.user).select_related("household", "household__village", "cadre")
    if mine:
        qs = qs.filter(cadre=cadre_of(request.user))
    if month:
        qs = qs.filter(visited_on__range=month_range(month))
    q = clean_search_term(request.GET.get("q"))
    if q:
        qs = qs.filter(
            Q(household__code__icontains=q)
            | Q(household__head_name__icontains=q)
            | Q(cadre__name__icontains=q)
            | Q(notes__icontains=q)
        )
    page = Paginator(qs.order_by("-visited_on", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "liaison/visit_list.html",
        {
            "page": page,
            "visits": page.object_list,
            "month": month,
            "q": q,
            "mine": mine,
            "can_log": households_for_visits(request.user).exists(),
            "print": request.GET.get("print") == "1",
        },
    )


@login_required
def household_search(request):
    """htmx: my paired households matching the query (code, head of household, address)."""
    q = clean_search_term(request.GET.get("q"))
    qs = households_for_visits(request.user).select_related("village").order_by("code")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(head_name__icontains=q) | Q(address__icontains=q))
    return render(request, "liaison/_household_options.html", {"households": qs[:20], "q": q})


@login_required
def visit_new(request):
    if cadre_of(request.user) is None:
        raise Http404
    household = None
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES)
        if form.is_valid():
            household = access_household_for_visit(request.user, form.cleaned_data["household"])
            data = form.cleaned_data
            try:
                visit = services.visit_log(
                    actor=request.user,
                    household=household,
                    visited_on=data["visited_on"],
                    kind=data["kind"],
                    met_with=data["met_with"],
                    notes=data["notes"],
                    follow_up=data["follow_up"],
                    tags=data["tags"],
                    photos=data["photos"],
                    issue=form.issue_data(),
                    request=request,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if form.issue_data():
                    messages.success(request, _("走访已记录，诉求已登记，等待分派。"))
                else:
                    messages.success(request, _("走访已记录。"))
                return redirect("liaison:visit-detail", pk=visit.pk)
        elif form.data.get("household"):
            household = _maybe_household(request.user, form.data.get("household"))
    else:
        form = VisitForm(initial=_initial_kind(request.user))
        if request.GET.get("household"):
            household = access_household_for_visit(request.user, request.GET["household"])
            form.initial["household"] = household.pk
    return render(
        request,
        "liaison/visit_form.html",
        {"form": form, "household": household, "allow_issue": form.allow_issue},
    )


def _initial_kind(user) -> dict:
    """The visit type from today's date (the contact day, a campaign, or an ordinary visit)."""
    cadre = cadre_of(user)
    township = cadre.township if cadre else None
    return {"kind": visit_kind_for(township, timezone.localdate())}


def _maybe_household(user, pk):
    try:
        return access_household_for_visit(user, pk)
    except Http404:
        return None


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _visit_issues(user, visit) -> list:
    """The issues raised on this visit that the user may open: seeing the visit does not widen
    the issues policy (the issues app may not be installed)."""
    if not hasattr(visit, "issues"):
        return []

    return list(issues_visible_to(user).filter(visit=visit).order_by("pk"))


@login_required
def visit_detail(request, pk: int):
    visit = access_visit(request.user, pk)
    issues = _visit_issues(request.user, visit)
    return render(
        request,
        "liaison/visit_detail.html",
        {
            "visit": visit,
            "photos": visit.photos.all(),
            "corrections": visit.corrections.select_related("author", "author__cadre"),
            "issues": issues,
            "can_edit": may_edit_visit(request.user, visit),
            "can_correct": may_correct_visit(request.user, visit),
            "correction_form": CorrectionForm(),
        },
    )


@login_required
def visit_edit(request, pk: int):
    visit = access_visit(request.user, pk)
    if not may_edit_visit(request.user, visit):
        messages.warning(request, _("走访记录已超过 24 小时，已锁定，只能追加更正说明。"))
        return redirect("liaison:visit-detail", pk=visit.pk)
    if request.method == "POST":
        form = VisitEditForm(request.POST, visit=visit)
        if form.is_valid():
            try:
                services.visit_update(
                    actor=request.user, visit=visit, request=request, **form.cleaned_data
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            except PermissionDenied as exc:
                messages.warning(request, str(exc))
                return redirect("liaison:visit-detail", pk=visit.pk)
            else:
                messages.success(request, _("走访记录已修改。"))
                return redirect("liaison:visit-detail", pk=visit.pk)
    else:
        form = VisitEditForm(visit=visit)
    return render(request, "liaison/visit_edit.html", {"form": form, "visit": visit})


@login_required
@require_POST
def visit_correct(request, pk: int):
    visit = access_visit(request.user, pk)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.visit_add_correction(
                actor=request.user, visit=visit, text=form.cleaned_data["text"], request=request
            )
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("更正说明已追加。"))
    else:
        messages.error(request, _("请填写更正说明。"))
    return redirect("liaison:visit-detail", pk=visit.pk)


@login_required
def visit_photo(request, pk: int, photo_pk: int):
    """Photos are served through the policy, never as public media."""
    visit = access_visit(request.user, pk)
    photo = get_object_or_404(VisitPhoto, pk=photo_pk, visit=visit)
    return serve_upload(photo.image, filename=os.path.basename(photo.image.name))
