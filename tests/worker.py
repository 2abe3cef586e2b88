"""A real Celery worker process for the tests marked `worker`: it consumes a queue of its own on
the Redis broker (so no other worker on the same Redis takes the messages), sees the test
database when it is PostgreSQL, and is stopped when the block ends."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.celery import app


def require_broker(*, database: bool = False) -> None:
    """Skip unless a worker can run: Redis as broker and, when the tasks read the database, the
    test database on PostgreSQL (an in-memory SQLite database is invisible to another process)."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: this test needs a Redis broker to start a real Celery worker on.")
    if database and connection.vendor != "postgresql":
        pytest.skip("The worker must share the test database: run on PostgreSQL (DATABASE_URL).")


def worker_environment(**extra) -> dict:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"EMAIL_HOST", "EMAIL_ESP", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(DJANGO_SETTINGS_MODULE="portal.settings", CELERY_TASK_ALWAYS_EAGER="0", SECURE_SSL_REDIRECT="0")
    if connection.vendor == "postgresql":  # the worker sees the test database, as the web process does
        database = connection.settings_dict
        environment["DATABASE_URL"] = (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}"
            f":{database['PORT'] or 5432}/{database['NAME']}"
        )
    environment.update(extra)
    return environment


@contextmanager
def celery_worker(log_path, *, routes: list[str], prefix: str = "test", **environment):
    """Start a worker on a fresh queue and send the tasks named in `routes` (glob patterns) from
    this process to it, not eagerly. Yields the queue's name; `environment` goes to the worker."""
    queue = f"{prefix}-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue, log_path, **{key: value.format(queue=queue) for key, value in environment.items()})
    try:
        with routed_to(queue, routes):
            wait_until_ready(worker, log_path)
            yield queue
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def start_worker(queue: str, log_path, *, name: str = "", **environment) -> subprocess.Popen:
    """A worker process consuming `queue`, logging to `log_path`; `wait_until_ready` before sending
    to a queue it declares. The caller stops (or kills) it."""
    log = open(log_path, "w")  # noqa: SIM115 - the worker writes to it for its lifetime
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", queue, "--pool=solo",
         "-n", f"{name}{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        env=worker_environment(**environment),
        cwd=settings.BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()  # the child holds its own copy
    return worker


@contextmanager
def routed_to(queue: str, routes: list[str]):
    """Send the tasks named in `routes` from this process to `queue`, not eagerly, in the block."""
    saved = (app.conf.task_always_eager, app.conf.task_routes)
    app.conf.task_always_eager = False
    _use_routes({name: {"queue": queue} for name in routes})
    try:
        yield queue
    finally:
        app.conf.task_always_eager = saved[0]
        _use_routes(saved[1])


def _use_routes(routes) -> None:
    app.conf.task_routes = routes
    app.amqp.flush_routes()
    # The router is built once and keeps the table it was built with: build it again.
    app.amqp.__dict__.pop("router", None)


def wait_until_ready(worker, log_path, seconds: float = 60) -> None:
    """Redis drops a message sent to a queue nobody declared yet: wait for the worker to be
    consuming before the test sends anything."""
    deadline = time.monotonic() + seconds
    while " ready." not in Path(log_path).read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"The Celery worker did not start:\n{Path(log_path).read_text()}")
        time.sleep(0.1)
