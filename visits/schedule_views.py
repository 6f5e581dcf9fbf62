"""Contact days (with an admin's per-month moves), mass-visit campaigns and the notification bell."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import audit_record
from core.models import AuditEntry, Notification
from core.params import parse_id
from liaison.access import cadre_of, has_role, township_id_of
from liaison.models import Township
from liaison.roles import Role
from visits.access import may_move_contact_days, may_see_contact_days
from visits.contact_day import contact_days_for, shift_month
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
    """The next twelve contact days; an admin moves one month's date (holidays)."""
    if not may_see_contact_days(request.user):
        raise Http404
    township = _township_for(request.user)
    is_admin = may_move_contact_days(request.user)
    today = timezone.localdate()
    form = ContactDayForm()
    if request.method == "POST":
        if not is_admin:
            raise Http404
        form = ContactDayForm(request.POST)
        if form.is_valid():
            contact_day_move(
                actor=request.user, township=township, request=request, **form.cleaned_data
            )
            messages.success(request, _("已调整该月联系群众日。"))
            return redirect("liaison:contact-days")
    months = [shift_month(today.year, today.month, d) for d in range(12)]
    overrides = {(o.year, o.month): o for o in ContactDay.objects.filter(township=township)}
    rows = [
        {
            "year": y,
            "month": m,
            "date": contact_days_for([township], y, m)[township.pk],
            "override": overrides.get((y, m)),
        }
        for y, m in months
    ]
    return render(
        request,
        "liaison/contact_days.html",
        {"township": township, "rows": rows, "form": form, "is_admin": is_admin},
    )


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
    items = Notification.objects.filter(recipient=request.user)[:100]
    return render(request, "liaison/notifications.html", {"items": items})


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
