"""A delivered report is a `report.delivered` webhook event for the third party that asked."""

import datetime as dt
import json
from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from portal.webhooks import services as webhook_services
from reports import services
from tests.portal.webhooks.receiver import Receiver

from .conftest import covered_premise, load_days

pytestmark = pytest.mark.django_db


def test_a_delivered_report_is_announced_to_the_third_partys_endpoint(third_party, agent, settings):
    settings.WEBHOOK_ALLOW_LOCAL = True
    receiver = Receiver().start()
    try:
        endpoint, receiver.secret = webhook_services.register_endpoint(
            by=None, third_party=third_party, url=receiver.url, events=["report.delivered", "report.failed"]
        )
        premise, _ = covered_premise(third_party)
        day = timezone.localdate() - timedelta(days=3)
        load_days(premise, day, 1)

        with TestCase.captureOnCommitCallbacks(execute=True):
            report = services.create_report_request(
                by=agent, kind="interval", start_date=day, end_date=day, esiids=[premise.esiid]
            )
    finally:
        receiver.stop()

    (request,) = receiver.requests
    event = json.loads(request.body)
    assert request.verified and event["type"] == "report.delivered"
    assert event["data"]["report"]["number"] == report.number
    assert event["data"]["report"]["items"] == {"delivered": 1}
    assert event["data"]["report"]["start_date"] == dt.date.isoformat(day)
