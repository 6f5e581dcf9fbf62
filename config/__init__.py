"""The Django project: settings, root URLs, the API router, the Celery app."""

from .celery import app as celery_app

__all__ = ["celery_app"]
