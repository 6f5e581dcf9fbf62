"""Read-side aggregates for the home pages. A constant number of queries whatever the size."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q

from households.models import Household
from liaison.models import Cadre, Pairing, Township
from visits.contact_day import next_township_contact_day


def township_contact_day(township: Township | None, today: dt.date) -> dt.date:
    """The next contact day (admin overrides included): see visits.contact_day."""
    return next_township_contact_day(township, today)


def cadre_households(cadre: Cadre):
    """A cadre's currently paired households, for the cadre home page."""
    return (
        Household.objects.active()
        .filter(pairings__cadre=cadre, pairings__end_date__isnull=True)
        .select_related("village")
        .order_by("code")
    )


def township_headline(*, township_id: int | None) -> dict:
    """Households, residents, cadres and pairing coverage in two queries."""
    households = Household.objects.active()
    cadres = Cadre.objects.filter(is_active=True)
    if township_id is not None:
        households = households.filter(township_id=township_id)
        cadres = cadres.filter(township_id=township_id)
    paired = Pairing.objects.current().filter(household=OuterRef("pk"))
    figures = households.aggregate(
        households=Count("pk"),
        paired=Count("pk", filter=Q(Exists(paired))),
    )
    figures["cadres"] = cadres.count()
    total = figures["households"]
    figures["pairing_coverage"] = round(100 * figures["paired"] / total, 1) if total else None
    figures["unpaired"] = total - figures["paired"]
    return figures


def workgroup_headline(*, workgroup_id: int) -> dict:
    paired = Pairing.objects.current().filter(household=OuterRef("pk"))
    figures = (
        Household.objects.active()
        .filter(village__workgroups=workgroup_id)
        .aggregate(households=Count("pk"), paired=Count("pk", filter=Q(Exists(paired))))
    )
    figures["members"] = Cadre.objects.filter(workgroup_id=workgroup_id, is_active=True).count()
    figures["unpaired"] = figures["households"] - figures["paired"]
    return figures
