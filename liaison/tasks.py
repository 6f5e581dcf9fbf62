"""Celery tasks of the liaison app. Thin: they take ids and call services or selectors."""

from celery import shared_task

from households.models import Household


@shared_task(name="liaison.ping")
def ping() -> str:
    return "pong"


@shared_task(name="liaison.count_households")
def count_households(township_id: int) -> int:
    """A read through the worker's own database connection (used by the worker round-trip test)."""
    return Household.objects.filter(township_id=township_id).count()
