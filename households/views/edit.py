"""Editing a household on its own page: its details and its help records (结对帮扶), which are
corrected or voided, never deleted.

Who may edit is decided by liaison.access: a household the user cannot see is a 404, one they
can see but not change a 403. The writes and their audit rows are in households.services_edit.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from households import services_edit
from households.access import (
    access_help_record_for_correction,
    access_household_for_edit,
    helper_cadres_for,
    villages_assignable_by,
)
from households.forms import HelpRecordForm, HelpRecordVoidForm, HouseholdForm
from households.services_edit import help_record_add, help_record_update, household_update
from liaison.access import cadre_of


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
    household, record = access_help_record_for_correction(request.user, pk, record_pk)
    form = HelpRecordForm(
        request.POST or None, cadres=helper_cadres_for(request.user, household), record=record
    )
    if request.method == "POST" and form.is_valid():
        try:
            help_record_update(
                record=record, data=form.changes(), actor=request.user, request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已修改帮扶记录，原内容保留在审计日志中。"))
            return back_to(household, "help")
    return render(
        request,
        "households/edit_help.html",
        {"household": household, "form": form, "record": record},
    )


@login_required
@require_POST
def help_record_void(request, pk, record_pk):
    """The reason comes from the small form under the record on the household page; an empty
    one is shown again on a page of its own with the error."""
    household, record = access_help_record_for_correction(request.user, pk, record_pk)
    form = HelpRecordVoidForm(request.POST)
    if form.is_valid():
        try:
            services_edit.help_record_void(
                record=record,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:  # voided by someone else a moment ago
            form.add_error(None, error)
        else:
            messages.success(request, _("已作废帮扶记录，记录仍保留在本户。"))
            return back_to(household, "help")
    return render(
        request,
        "households/edit_help_void.html",
        {"household": household, "form": form, "record": record},
    )
