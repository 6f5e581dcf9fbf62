"""Celery task: the nightly rebuild of the dashboard's monthly roll-up (idempotent)."""

from celery import shared_task


@shared_task(name="liaison.dashboard.refresh_rollup", time_limit=1800, soft_time_limit=1700)
def refresh_dashboard_rollup() -> int:
    from .rollup import issue_month_stats_refresh

    return issue_month_stats_refresh()
