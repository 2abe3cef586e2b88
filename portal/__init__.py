"""MeterGate's project package: settings, URLs, the Celery app, and accounts."""

from .celery import app as celery_app

__all__ = ["celery_app"]
