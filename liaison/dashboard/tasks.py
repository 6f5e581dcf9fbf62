"""Celery task: the nightly rebuild of the dashboard's monthly roll-up (idempotent)."""

from celery import shared_task

from liaison.periodic import DAY, once_per_period


@shared_task(name="liaison.dashboard.refresh_rollup", time_limit=1800, soft_time_limit=1700)
@once_per_period(DAY)
def refresh_dashboard_rollup() -> int:
    from .rollup import issue_month_stats_refresh

    return issue_month_stats_refresh()
