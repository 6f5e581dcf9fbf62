"""Contact cards (联系卡): one per household, or a work group's cards in printable pages of
PAGE_SIZE with a link to every page (a large group is never cut short). A new print run (POST)
covers the whole group and retires the QR links of the older cards after
CONTACT_CARD_OLD_LINK_DAYS."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from households import selectors
from households.access import access_household, households_visible_to
from households.card_qr import qr_svg
from households.contact_cards import (
    contact_cards_reprint,
    current_runs,
    household_report_token,
    old_link_days,
)
from liaison.access import township_id_of
from liaison.models import WorkGroup

# 100 cards = 13 A4 sheets at 8 cards a sheet; a page renders in a fraction of a second.
PAGE_SIZE = 100


def report_url(request, household, run: int | None = None) -> str:
    token = household_report_token(household, run)
    try:
        path = reverse("issues:self-report", args=[token])
    except NoReverseMatch:
        path = f"/issues/report/{token}/"
    return request.build_absolute_uri(path)


def _cards(request, households):
    runs = current_runs(h.pk for h in households)
    cards = []
    for h in households:
        url = report_url(request, h, runs[h.pk])
        cards.append({"household": h, "qr": qr_svg(url), "url": url, "run": runs[h.pk]})
    return cards


def _card_context(request, households, **extra):
    return {"cards": _cards(request, households), "old_link_days": old_link_days(), **extra}


def _household_cards(user, pk):
    household = access_household(user, pk)
    return household, list(
        selectors.contact_card_households(households_visible_to(user).filter(pk=household.pk))
    )


def _workgroup_scope(user, workgroup_pk):
    """The work group (404 outside the user's township) and the households of it the user may
    read (404 when none)."""
    township_id = township_id_of(user)
    groups = WorkGroup.objects.all()
    if township_id is not None:
        groups = groups.filter(township_id=township_id)
    workgroup = groups.filter(pk=workgroup_pk).first()
    if workgroup is None:
        raise Http404
    scope = households_visible_to(user).filter(village__workgroups=workgroup)
    if not scope.exists():
        raise Http404
    return workgroup, scope


def _page_links(paginator) -> list[dict]:
    return [
        {
            "number": n,
            "first": (n - 1) * paginator.per_page + 1,
            "last": min(n * paginator.per_page, paginator.count),
        }
        for n in paginator.page_range
    ]


@login_required
def contact_card(request, pk):
    household, households = _household_cards(request.user, pk)
    context = _card_context(
        request,
        households,
        title=household,
        total=len(households),
        reprint_url=reverse("households:card-reprint", args=[pk]),
    )
    return render(request, "households/cards.html", context)


@login_required
def workgroup_cards(request, workgroup_pk):
    workgroup, scope = _workgroup_scope(request.user, workgroup_pk)
    paginator = Paginator(selectors.contact_card_households(scope), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = _card_context(
        request,
        list(page.object_list),
        title=workgroup,
        workgroup=workgroup,
        total=paginator.count,
        page=page,
        page_links=_page_links(paginator) if paginator.num_pages > 1 else [],
        reprint_url=reverse("households:workgroup-cards-reprint", args=[workgroup_pk]),
    )
    return render(request, "households/cards.html", context)


def _reprinted(request, count: int) -> None:
    messages.success(
        request,
        _("已开始新一批联系卡（%(n)s 张），请打印分发；旧卡二维码 %(days)s 天后失效。")
        % {"n": count, "days": old_link_days()},
    )


@login_required
@require_POST
def contact_card_reprint(request, pk):
    _household, households = _household_cards(request.user, pk)
    _reprinted(
        request,
        contact_cards_reprint(households=households, actor=request.user, request=request),
    )
    return redirect("households:card", pk=pk)


@login_required
@require_POST
def workgroup_cards_reprint(request, workgroup_pk):
    """Every household of the group the user may read, not one page of them."""
    _workgroup, scope = _workgroup_scope(request.user, workgroup_pk)
    households = list(scope.only("pk", "township_id").order_by("pk"))
    _reprinted(
        request,
        contact_cards_reprint(households=households, actor=request.user, request=request),
    )
    return redirect("households:workgroup-cards", workgroup_pk=workgroup_pk)
