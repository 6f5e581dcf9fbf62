"""Read-side queries for household pages."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery, Sum

from liaison.models import Pairing

from .extensions import household_panels
from .models import Household


def with_current_cadre(queryset):
    current = Pairing.objects.current().filter(household=OuterRef("pk"))
    return queryset.annotate(
        cadre_name=Subquery(current.values("cadre__name")[:1]),
        cadre_phone=Subquery(current.values("cadre__phone")[:1]),
        cadre_id=Subquery(current.values("cadre_id")[:1]),
    )


# what the household list shows of each row (templates/households/list.html)
LIST_FIELDS = ("code", "head_name", "status", "grid", "phone", "tags", "village__name")


def household_list_rows(queryset):
    """The list page's rows: the fields it shows and the current cadre's name (one subquery,
    where `with_current_cadre` adds three)."""
    current = Pairing.objects.current().filter(household=OuterRef("pk"))
    return (
        queryset.select_related("village")
        .only(*LIST_FIELDS)
        .annotate(cadre_name=Subquery(current.values("cadre__name")[:1]))
    )


def household_detail(household: Household, *, user) -> dict:
    """Members, pairing history, help records (all, voided ones too) and the help given (count
    and amount of the records not voided), and the panels the apps above add (visits, issues)."""
    return {
        "residents": list(household.residents.all()),
        "pairings": list(
            Pairing.objects.filter(household=household).select_related("cadre__workgroup")
        ),
        "help_records": list(household.help_records.select_related("cadre", "voided_by__cadre")),
        "help_given": household.help_records.valid().aggregate(
            count=Count("pk"), amount=Sum("amount")
        ),
        "visits": [],
        "issues": [],
        **{name: rows(household, user) for name, rows in household_panels.items()},
    }


def contact_card_households(queryset):
    return with_current_cadre(
        queryset.select_related("village", "township").prefetch_related("village__workgroups")
    ).order_by("village__name", "code")
