"""E-mails: rendered from templates in the request that causes them, sent by a Celery task once
the transaction commits (so a rolled-back change never mails anybody)."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from .tasks import send_email


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def send_templated_email(*, to: list[str] | str, template: str, context: dict) -> None:
    """Render `<template>_subject.txt`, `<template>.txt` and `<template>.html` and queue the mail.

    `template` is a path without suffix, e.g. "agreements/email/invitation".
    """
    recipients = [to] if isinstance(to, str) else list(to)
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    transaction.on_commit(lambda: send_email.delay(subject=subject, to=recipients, text=text, html=html))
