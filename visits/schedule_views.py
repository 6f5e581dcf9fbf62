"""Contact days (with an admin's per-month moves), mass-visit campaigns and the notification bell."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import audit_record
from core.models import AuditEntry, Notification
from core.params import parse_id
from issues.limits import CalendarDay
from liaison.access import cadre_of, has_role, township_id_of
from liaison.models import Township
from liaison.roles import Role
from visits.access import may_move_contact_days, may_see_contact_days
from visits.contact_day import (
    contact_day_of,
    contact_day_off,
    contact_days_for_months,
    is_day_off,
    shift_month,
)
from visits.forms import CampaignForm, ContactDayForm
from visits.models import ContactDay
from visits.selectors import campaigns_with_coverage
from visits.services import contact_day_move


def _township_for(user) -> Township:
    township_id = township_id_of(user)
    township = (
        Township.objects.filter(pk=township_id).first()
        if township_id
        else Township.objects.order_by("pk").first()
    )
    if township is None:
        raise Http404
    return township


@login_required
def contact_days(request):
    """The next twelve contact days; an admin moves one month's date (holidays). A move onto a
    day off is held back with the proposed working day ("改用 …") until confirmed."""
    if not may_see_contact_days(request.user):
        raise Http404
    township = _township_for(request.user)
    is_admin = may_move_contact_days(request.user)
    today = timezone.localdate()
    form = ContactDayForm(township=township)
    day_off = None
    if request.method == "POST":
        if not is_admin:
            raise Http404
        form = ContactDayForm(request.POST, township=township)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "confirm_holiday"}
            contact_day_move(actor=request.user, township=township, request=request, **data)
            messages.success(
                request,
                _("已将 %(y)s 年 %(m)s 月的联系群众日调整为 %(d)s。")
                % {"y": data["year"], "m": data["month"], "d": data["date"].isoformat()},
            )
            return redirect("liaison:contact-days")
        if form.has_error("date", "day_off"):
            day_off = contact_day_off(parse_date(form.data["date"]), township=township)
    months = [shift_month(today.year, today.month, d) for d in range(12)]
    return render(
        request,
        "liaison/contact_days.html",
        {
            "township": township,
            "rows": _contact_day_rows(township, months),
            "form": form,
            "is_admin": is_admin,
            "day_off": day_off,
        },
    )


def _contact_day_rows(township, months) -> list[dict]:
    """Each month's day, the admin's override, and why the day differs from the rule (a
    holiday skipped) or that an override falls on a day off. Four queries."""
    overrides = {(o.year, o.month): o for o in ContactDay.objects.filter(township=township)}
    days = contact_days_for_months([township], months)
    first = dt.date(*months[0], 1)
    rows = CalendarDay.objects.filter(date__gte=first, date__lt=first + dt.timedelta(days=400))
    calendar, holidays = {}, {}
    for date, kind, name in rows.values_list("date", "kind", "name"):
        calendar[date], holidays[date] = kind, name
    weekday = township.contact_day_weekday
    result = []
    for y, m in months:
        date = days[(y, m)][township.pk]
        ruled = contact_day_of(y, m, weekday=weekday, week=township.contact_day_week)
        override = overrides.get((y, m))
        result.append(
            {
                "year": y,
                "month": m,
                "date": date,
                "override": override,
                "skipped": ruled if override is None and date != ruled else None,
                "skipped_name": holidays.get(ruled, ""),
                "day_off": override is not None and is_day_off(date, calendar, weekday=weekday),
            }
        )
    return result


@login_required
def campaigns(request):
    if not has_role(request.user, Role.ADMIN, Role.LEADER, Role.GROUP_LEADER):
        raise Http404
    township = _township_for(request.user)
    is_admin = has_role(request.user, Role.ADMIN)
    form = CampaignForm()
    if request.method == "POST":
        if not is_admin:
            raise Http404
        form = CampaignForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    campaign = form.save(commit=False)
                    campaign.township = township
                    campaign.save()
                    audit_record(
                        actor=request.user,
                        action=AuditEntry.Action.CREATE,
                        obj=campaign,
                        summary=f"集中走访 {campaign.name}",
                        request=request,
                    )
            except IntegrityError:
                form.add_error(None, _("日期不正确。"))
            else:
                messages.success(request, _("集中走访已创建。"))
                return redirect("liaison:campaigns")
    cadre = cadre_of(request.user)
    workgroup_id = (
        cadre.workgroup_id
        if cadre and not has_role(request.user, Role.ADMIN, Role.LEADER)
        else None
    )
    return render(
        request,
        "liaison/campaigns.html",
        {
            "rows": campaigns_with_coverage(township.pk, workgroup_id=workgroup_id),
            "form": form,
            "is_admin": is_admin,
        },
    )


@login_required
def notifications(request):
    # 100 a page, with a link to every page: none is cut off
    page = Paginator(Notification.objects.filter(recipient=request.user), 100).get_page(
        request.GET.get("page")
    )
    return render(request, "liaison/notifications.html", {"items": page.object_list, "page": page})


@login_required
@require_POST
def notifications_read(request):
    qs = Notification.objects.filter(recipient=request.user, read_at__isnull=True)
    pk = parse_id(request.POST.get("pk"))
    if pk:
        qs = qs.filter(pk=pk)
    qs.update(read_at=timezone.now())
    # back to the page the user came from: a path on this site, never a view name or another host
    target = request.POST.get("next") or ""
    local = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if local else "liaison:notifications")


@login_required
def bell(request):
    """htmx: the bell with its unread count (loaded after the page, so pages pay no query)."""
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True).count()
    return render(request, "liaison/_bell_count.html", {"unread": unread})
