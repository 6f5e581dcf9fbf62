"""Members on the household page: add, edit, mark moved away or deceased (never deleted), and
undo a wrong mark. Access through liaison.access; writes in households.services_edit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from households.access import access_household_for_edit
from households.forms import MemberForm, MemberStatusForm
from households.models import Resident
from households.services_edit import (
    resident_add,
    resident_leave,
    resident_restore,
    resident_update,
)

from .edit import back_to


def _member(request, pk, resident_pk):
    household = access_household_for_edit(request.user, pk)
    try:
        return household, household.residents.get(pk=resident_pk)
    except (Resident.DoesNotExist, ValueError):
        raise Http404 from None


def _save(request, form, service, **target):
    """Call the member service with the form's changes. A ValidationError it raises (a number
    already taken, the only head unticked) becomes form errors on the named fields."""
    try:
        result = service(**target, data=form.changes(), actor=request.user, request=request)
    except ValidationError as error:
        form.add_error(None, error)
        return False, None
    if form.converted_legacy:
        messages.info(request, _("15位旧身份证号已按国家标准转换为18位。"))
    return True, result


@login_required
def member_add(request, pk):
    household = access_household_for_edit(request.user, pk)
    has_head = household.residents.filter(is_head=True, status=Resident.Status.PRESENT).exists()
    form = MemberForm(request.POST or None, initial={"is_head": not has_head})
    if request.method == "POST" and form.is_valid():
        ok, resident = _save(request, form, resident_add, household=household)
        if ok:
            messages.success(request, _("已添加成员 %(name)s。") % {"name": resident.name})
            return back_to(household, "members")
    return render(request, "households/edit_member.html", {"household": household, "form": form})


@login_required
def member_edit(request, pk, resident_pk):
    household, resident = _member(request, pk, resident_pk)
    form = MemberForm(request.POST or None, resident=resident)
    if request.method == "POST" and form.is_valid():
        ok, changes = _save(request, form, resident_update, resident=resident)
        if ok:
            if changes:
                messages.success(request, _("已保存成员 %(name)s。") % {"name": resident.name})
            else:
                messages.info(request, _("没有修改任何内容。"))
            return back_to(household, "members")
    return render(
        request,
        "households/edit_member.html",
        {"household": household, "form": form, "resident": resident},
    )


@login_required
def member_status(request, pk, resident_pk):
    household, resident = _member(request, pk, resident_pk)
    if resident.status != Resident.Status.PRESENT:
        raise Http404
    form = MemberStatusForm(request.POST or None, resident=resident)
    if request.method == "POST" and form.is_valid():
        try:
            resident_leave(
                resident=resident,
                status=form.cleaned_data["status"],
                on_date=form.cleaned_data["on_date"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("已登记 %(name)s %(status)s，该成员移入“已迁出/已故成员”。")
                % {"name": resident.name, "status": resident.get_status_display()},
            )
            return back_to(household, "members")
    return render(
        request,
        "households/edit_member_status.html",
        {"household": household, "form": form, "resident": resident},
    )


@login_required
@require_POST
def member_restore(request, pk, resident_pk):
    household, resident = _member(request, pk, resident_pk)
    if resident.status == Resident.Status.PRESENT:
        raise Http404
    try:
        resident_restore(resident=resident, actor=request.user, request=request)
    except ValidationError as error:  # the one-head rule (households.services_heads)
        messages.error(request, " ".join(error.messages))
        return back_to(household, "members")
    messages.success(request, _("已将 %(name)s 恢复为在户成员。") % {"name": resident.name})
    return back_to(household, "members")
