"""Outside eager mode: an event is sent by a real Celery worker on Redis once the change
commits, after the web request that caused it is long over."""

import json
import time

import pytest
from django.db import transaction

from portal.webhooks import services
from portal.webhooks.events import Event
from portal.webhooks.models import WebhookDelivery
from tests.worker import celery_worker, require_broker

from .conftest import register


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_committed_event_is_delivered_by_a_real_celery_worker(tmp_path, third_party, receiver):
    require_broker(database=True)
    register(third_party, receiver, events=[Event.REPORT_DELIVERED])
    with celery_worker(
        tmp_path / "worker.log",
        routes=["portal.webhooks.tasks.*"],
        prefix="webhooks-test",
        WEBHOOK_ALLOW_LOCAL="1",
    ):
        with transaction.atomic():
            services.emit(Event.REPORT_DELIVERED, third_party=third_party, payload={"report": {"number": "REP-9"}})
            assert receiver.requests == []  # nothing leaves before the commit

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not receiver.requests:
            time.sleep(0.2)
        assert receiver.requests, f"nothing delivered within 60 s; worker log:\n{(tmp_path / 'worker.log').read_text()}"

    (request,) = receiver.requests
    assert request.verified and json.loads(request.body)["data"] == {"report": {"number": "REP-9"}}
    assert WebhookDelivery.objects.get().status == "succeeded"
