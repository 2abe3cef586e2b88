"""Background work of the accounts package: sending e-mail."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def send_email(self, *, subject: str, to: list[str], text: str, html: str = "") -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


# The webhook tasks live in their own package; importing them here lets Celery's autodiscovery
# (which looks for `<app>.tasks`) register them with every worker.
from .webhooks import tasks as webhook_tasks  # noqa: E402, F401
