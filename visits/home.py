"""What the cadre and group-leader home pages, and the household page, show of visits."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from visits.access import may_log_visit
from visits.selectors import (
    cadre_diary,
    cadre_households_status,
    coverage,
    current_campaign,
    month_range,
)


def cadre_home_context(cadre, today: dt.date) -> dict:
    households = list(cadre_households_status(cadre, today))
    visited = sum(1 for h in households if h.visited_this_month)
    return {
        "households": households,
        "visited_this_month": visited,
        "diary": list(cadre_diary(cadre)[:10]),
    }


def group_leader_home_context(cadre, today: dt.date) -> dict:
    if not cadre.workgroup_id:
        return {}
    start, end = month_range(today)
    month = coverage(start=start, end=end, workgroup_id=cadre.workgroup_id)
    campaign = current_campaign(cadre.township_id, today)
    campaign_cov = (
        coverage(start=campaign.start_date, end=campaign.end_date, workgroup_id=cadre.workgroup_id)
        if campaign
        else None
    )
    return {
        "month_coverage": month,
        "campaign": campaign,
        "campaign_coverage": campaign_cov,
        "laggards": month.laggards[:15],
    }


def household_log_visit_url(household, user) -> str:
    """The household page's "记录走访" button: the visit form with this household picked, for
    whoever may log a visit of it (visits.access); empty for everyone else."""
    if not may_log_visit(user, household):
        return ""
    return f"{reverse('liaison:visit-new')}?household={household.pk}"
