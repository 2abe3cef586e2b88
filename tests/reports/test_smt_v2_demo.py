"""The demo world has an SMT v2 API user of Brightside whose demo password opens /v2/ reads."""

import io

import pytest
from django.core.management import call_command

from portal.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_the_demo_smt_api_user_reads_brightsides_customers_through_v2(api_client, reports_dir):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    token = api_client.post(
        "/v2/token/",
        {"username": "smt-api@brightside.demo.metergate.test", "password": DEMO_PASSWORD},
        format="json",
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['accessToken']}")
    listed = api_client.post(
        "/v2/myagreements/",
        {"requestorID": "BRIGHTSIDE01", "requesterAuthenticationID": "123456789", "trans_id": "demo"},
        format="json",
    )

    assert "smt-api@brightside.demo.metergate.test" in out.getvalue()
    assert any(entry["status"] == "ACT" for entry in listed.json()["agreementList"])
