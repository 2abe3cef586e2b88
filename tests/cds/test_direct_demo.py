"""seed_demo's direct access: the research company gets a direct-access client and a staff approval,
and the README's researcher path (a token, then a postal code's monthly usage) works on it."""

import io
import json
import re
from types import SimpleNamespace

import pytest
from django.test import Client

from agreements.models import DirectAccessApproval
from tests.factories import StaffFactory, ThirdPartyFactory
from tests.oauth.helpers import basic
from usage import direct_demo

from .direct import PERIOD, USAGE, neighbourhood
from .helpers import bearer

pytestmark = pytest.mark.django_db


def test_the_demo_researcher_reads_a_postal_codes_summed_usage(settings):
    settings.CDS_AGGREGATION_MIN_CUSTOMERS = 3
    settings.CDS_AGGREGATION_MAX_SHARE = 50
    aggregation, _ = neighbourhood(3)
    StaffFactory()
    research = ThirdPartyFactory()
    world = SimpleNamespace(objects={"third_parties": {"research": research}}, stdout=io.StringIO())

    direct_demo.seed(world)

    approval = DirectAccessApproval.objects.get(agreement__third_party=research)
    assert approval.aggregation_numbers == [aggregation.number]
    client_id, secret = re.search(r"curl -u (\S+):(\S+) ", world.stdout.getvalue()).groups()
    token = (
        Client()
        .post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "scope": "cds_query_usage",
                "authorization_details": json.dumps(
                    [{"type": "cds_query_usage", "aggregation_numbers": [aggregation.number]}]
                ),
            },
            HTTP_AUTHORIZATION=basic(client_id, secret),
        )
        .json()
    )
    response = Client().get(
        USAGE, {"aggregation_numbers": aggregation.number, **PERIOD}, **bearer(token["access_token"])
    )
    assert response.status_code == 200 and response.json()["usage_segments"]
