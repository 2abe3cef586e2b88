"""Settings come from the environment; production settings pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3J9vQ2mXr8LwP5tZ7yN1bC4dF6gH0jKqWsEaRuIoTyUpLmNbVcXz",
    "ALLOWED_HOSTS": "metergate.example.com",
    "DATABASE_URL": "postgres://metergate@db.internal:5432/metergate",
    "REDIS_URL": "redis://cache.internal:6379/0",
}


def _inherited() -> dict:
    """This process's environment without what tests/settings.py or CI set for the suite."""
    dropped = {*PRODUCTION, "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {key: value for key, value in os.environ.items() if key not in dropped and "EMAIL" not in key}


def _run(code: str, env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**_inherited(), "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_production_settings_pass_check_deploy_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**_inherited(), **PRODUCTION, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_embedded_default_is_sqlite_eager_tasks_and_console_email():
    output = _run(
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], "
        "s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)",
        {"DEBUG": "1"},
    )
    assert output.split() == ["django.db.backends.sqlite3", "True", "django.core.mail.backends.console.EmailBackend"]


def test_services_come_from_the_environment():
    output = _run(
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, "
        "s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'], s.EMAIL_BACKEND)",
        {**PRODUCTION, "EMAIL_ESP": "postmark", "ANYMAIL_POSTMARK_SERVER_TOKEN": "x"},
    )
    assert output.split() == [
        "django.db.backends.postgresql",
        "redis://cache.internal:6379/0",
        "False",
        "django.core.cache.backends.redis.RedisCache",
        "anymail.backends.postmark.EmailBackend",
    ]
