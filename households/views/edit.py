"""Editing a household on its own page: its details and its help records (结对帮扶).

Who may edit is decided by liaison.policy: a household the user cannot see is a 404, one they
can see but not change a 403. The writes and their audit rows are in households.services_edit.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from households.forms import HelpRecordForm, HouseholdForm
from households.models import HelpRecord
from households.services_edit import help_record_add, help_record_update, household_update
from liaison.policy import (
    access_household,
    access_household_for_edit,
    cadre_of,
    helper_cadres_for,
    may_correct_help_records,
    villages_assignable_by,
)


def back_to(household, section: str = ""):
    url = reverse("households:detail", args=[household.pk])
    return redirect(f"{url}#{section}" if section else url)


@login_required
def household_edit(request, pk):
    household = access_household_for_edit(request.user, pk)
    villages = villages_assignable_by(request.user, household)
    form = HouseholdForm(request.POST or None, household=household, villages=villages)
    if request.method == "POST" and form.is_valid():
        changes = household_update(
            household=household, data=form.changes(), actor=request.user, request=request
        )
        if changes:
            messages.success(request, _("已保存住户信息。"))
        else:
            messages.info(request, _("没有修改任何内容。"))
        return back_to(household)
    return render(request, "households/edit.html", {"household": household, "form": form})


@login_required
def help_record_new(request, pk):
    household = access_household_for_edit(request.user, pk)
    form = HelpRecordForm(
        request.POST or None,
        cadres=helper_cadres_for(request.user, household),
        default_cadre=cadre_of(request.user),
    )
    if request.method == "POST" and form.is_valid():
        help_record_add(
            household=household, data=form.changes(), actor=request.user, request=request
        )
        messages.success(request, _("已添加帮扶记录。"))
        return back_to(household, "help")
    return render(
        request, "households/edit_help.html", {"household": household, "form": form, "record": None}
    )


@login_required
def help_record_edit(request, pk, record_pk):
    household = access_household(request.user, pk)
    try:
        record = household.help_records.select_related("cadre").get(pk=record_pk)
    except HelpRecord.DoesNotExist:
        raise Http404 from None
    if not may_correct_help_records(request.user, household):
        raise PermissionDenied
    form = HelpRecordForm(
        request.POST or None, cadres=helper_cadres_for(request.user, household), record=record
    )
    if request.method == "POST" and form.is_valid():
        help_record_update(record=record, data=form.changes(), actor=request.user, request=request)
        messages.success(request, _("已修改帮扶记录，原内容保留在审计日志中。"))
        return back_to(household, "help")
    return render(
        request,
        "households/edit_help.html",
        {"household": household, "form": form, "record": record},
    )
