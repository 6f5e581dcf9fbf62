"""Celery task: the quarter-hourly rebuild of the dashboard's monthly roll-up (idempotent)."""

from celery import shared_task

from core.periodic import QUARTER_HOUR, once_per_period
from dashboard.rollup import issue_month_stats_refresh


@shared_task(name="dashboard.refresh_rollup", time_limit=840, soft_time_limit=780)
@once_per_period(QUARTER_HOUR)
def refresh_dashboard_rollup() -> int:
    return issue_month_stats_refresh()
