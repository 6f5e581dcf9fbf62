"""Read-side queries for household pages."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Count, OuterRef, Subquery, Sum

from liaison.models import Pairing
from visits.models import Visit

from .models import Household


def with_current_cadre(queryset):
    current = Pairing.objects.current().filter(household=OuterRef("pk"))
    return queryset.annotate(
        cadre_name=Subquery(current.values("cadre__name")[:1]),
        cadre_phone=Subquery(current.values("cadre__phone")[:1]),
        cadre_id=Subquery(current.values("cadre_id")[:1]),
    )


def household_detail(household: Household, *, user) -> dict:
    """Members, pairing history, help records (all, voided ones too) and the help given (count
    and amount of the records not voided), visits and issues of one household."""
    return {
        "residents": list(household.residents.all()),
        "pairings": list(
            Pairing.objects.filter(household=household).select_related("cadre__workgroup")
        ),
        "help_records": list(household.help_records.select_related("cadre", "voided_by__cadre")),
        "help_given": household.help_records.valid().aggregate(
            count=Count("pk"), amount=Sum("amount")
        ),
        "visits": list(Visit.objects.filter(household=household).select_related("cadre")[:20]),
        "issues": household_issues(household, user=user),
    }


def household_issues(household: Household, *, user) -> list:
    """The household's issues that the user may open (the issues policy decides). The issues app
    may not be installed, or may have no household link yet."""
    if not apps.is_installed("issues"):
        return []
    try:
        issue_model = apps.get_model("issues", "Issue")
    except LookupError:
        return []
    if not any(f.name == "household" for f in issue_model._meta.get_fields()):
        return []
    from issues.access import issues_visible_to

    return list(issues_visible_to(user).filter(household=household).order_by("-pk")[:20])


def contact_card_households(queryset):
    return with_current_cadre(
        queryset.select_related("village", "township").prefetch_related("village__workgroups")
    ).order_by("village__name", "code")
