"""The e-mail path outside eager mode: an invitation is e-mailed by a real Celery worker process
on Redis, which writes the message with Django's file backend."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from agreements import services
from portal.celery import app
from tests.factories import OccupancyFactory, ThirdPartyFactory, third_party_user


def _worker_environment(mail_dir) -> dict:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"EMAIL_HOST", "EMAIL_ESP", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        CELERY_TASK_ALWAYS_EAGER="0",
        EMAIL_FILE_PATH=str(mail_dir),
        SECURE_SSL_REDIRECT="0",
    )
    if connection.vendor == "postgresql":  # the worker sees the test database, as the web process does
        database = connection.settings_dict
        environment["DATABASE_URL"] = (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}"
            f":{database['PORT'] or 5432}/{database['NAME']}"
        )
    return environment


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_invitation_email_is_delivered_by_a_real_celery_worker_on_redis(tmp_path):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: this test needs a Redis broker to start a real Celery worker on.")
    # A queue of its own, so that no other worker on the same Redis takes the message.
    queue = f"email-test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - kept open for the worker's lifetime
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", queue, "--pool=solo", "-n", f"{queue}@%h",
         "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        env=_worker_environment(mail_dir),
        cwd=settings.BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    saved = (app.conf.task_always_eager, app.conf.task_routes)
    app.conf.task_always_eager = False
    app.conf.task_routes = {"portal.tasks.send_email": {"queue": queue}}
    app.amqp.flush_routes()
    try:
        occupancy = OccupancyFactory(authorization_code="AUTH-1", customer__email="worker@example.test")
        agent = third_party_user(ThirdPartyFactory(name="Queue Power"))

        invitation = services.create_invitation(
            by=agent,
            agreement_type="energy_data",
            esiids=[occupancy.premise.esiid],
            authorization_code="AUTH-1",
            duration_kind="continuous",
            months=4,
        )

        deadline = time.monotonic() + 60
        files = []
        while time.monotonic() < deadline and not files:
            files = sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []
            time.sleep(0.2)
        assert files, f"no e-mail written within 60 s; worker log:\n{(tmp_path / 'worker.log').read_text()}"
        message = files[0].read_text()
        assert "To: worker@example.test" in message
        assert "Queue Power" in message
        assert occupancy.premise.esiid in message
        assert f"/agreements/invite/{invitation.token}/" in message
    finally:
        app.conf.task_always_eager, app.conf.task_routes = saved
        app.amqp.flush_routes()
        worker.terminate()
        worker.wait(timeout=20)
        log.close()
