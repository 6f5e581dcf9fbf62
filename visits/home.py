"""What the cadre and group-leader home pages show of visits: read through the selectors."""

from __future__ import annotations

import datetime as dt

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
