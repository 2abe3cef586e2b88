"""The agreements API (rules 1, 3, 6, 8 through /api/v1/): OAuth2 client credentials with scope
`agreements`; each third party sees and acts on its own only (another's is a 404)."""

import csv
import io

import pytest
from django.core import mail

from agreements import services
from agreements.models import AgreementInvitation
from tests.conftest import issue_token
from tests.factories import (
    AgreementInvitationFactory,
    OAuthClientFactory,
    ThirdPartyFactory,
    agreement_at,
)

from .conftest import AUTH_CODE

pytestmark = pytest.mark.django_db


def client_of(api_client, third_party, scope="agreements"):
    oauth_client = OAuthClientFactory(third_party=third_party, allowed_scopes=scope)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(oauth_client, scope)}")
    return api_client


@pytest.fixture
def api(api_client, third_party):
    return client_of(api_client, third_party)


@pytest.fixture
def outsider(third_party):
    from rest_framework.test import APIClient

    return client_of(APIClient(), ThirdPartyFactory())


def test_create_an_invitation(api, premise, third_party, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/invitations/",
            {
                "agreement_type": "energy_data",
                "esiids": [premise.esiid],
                "authorization_code": AUTH_CODE,
                "duration_kind": "continuous",
                "months": 12,
            },
            format="json",
        )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending" and body["esiids"] == [premise.esiid]
    assert body["duration"] == "Continuous access for 12 months"
    assert body["number"].startswith("INV-") and body["agreement"] is None
    invitation = AgreementInvitation.objects.get(number=body["number"])
    assert invitation.third_party == third_party and invitation.created_by is None
    assert len(mail.outbox) == 1


def test_a_mismatch_answers_the_generic_error(api, premise):
    response = api.post(
        "/api/v1/invitations/",
        {"agreement_type": "energy_data", "esiids": [premise.esiid], "customer_email": "x@example.test",
         "duration_kind": "one_time", "one_time_kind": "monthly"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "customer_mismatch", "message": services.MISMATCH_MESSAGE, "fields": {}}
    }


def test_invalid_input_answers_field_errors(api):
    response = api.post("/api/v1/invitations/", {"agreement_type": "energy_data", "esiids": []}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "esiids" in response.json()["error"]["fields"]


def test_list_filters_by_status_type_and_esiid_and_shows_only_its_own(api, third_party, premise):
    mine = AgreementInvitationFactory(third_party=third_party, premises=[premise])
    AgreementInvitationFactory(third_party=third_party, status="rejected")
    AgreementInvitationFactory(third_party=third_party, agreement_type="in_home_device")
    AgreementInvitationFactory(premises=[premise])  # another company's

    everything = api.get("/api/v1/invitations/").json()
    filtered = api.get(f"/api/v1/invitations/?status=pending&type=energy_data&esiid={premise.esiid}").json()

    assert everything["count"] == 3
    assert [row["number"] for row in filtered["results"]] == [mine.number]


def test_resend_once_then_a_clear_refusal(api, third_party, premise):
    invitation = AgreementInvitationFactory(third_party=third_party, premises=[premise])

    first = api.post(f"/api/v1/invitations/{invitation.number}/resend/")
    second = api.post(f"/api/v1/invitations/{invitation.number}/resend/")

    assert first.status_code == 200 and first.json()["resent_at"]
    assert second.status_code == 409
    assert second.json()["error"] == {
        "code": "already_resent",
        "message": "An invitation can be resent only once.",
        "fields": {},
    }


def test_cancel_an_invitation(api, third_party):
    invitation = AgreementInvitationFactory(third_party=third_party)

    response = api.post(f"/api/v1/invitations/{invitation.number}/cancel/")

    assert response.json()["status"] == "cancelled"


def test_another_third_party_gets_404_for_every_invitation_endpoint(outsider, third_party):
    invitation = AgreementInvitationFactory(third_party=third_party)

    assert outsider.get(f"/api/v1/invitations/{invitation.number}/").status_code == 404
    assert outsider.post(f"/api/v1/invitations/{invitation.number}/resend/").status_code == 404
    assert outsider.post(f"/api/v1/invitations/{invitation.number}/cancel/").status_code == 404
    assert outsider.get("/api/v1/invitations/").json()["count"] == 0
    invitation.refresh_from_db()
    assert invitation.resent_at is None and invitation.is_pending


def test_list_and_read_agreements_with_history(api, third_party, premise, customer):
    agreement = agreement_at(premise, customer=customer, third_party=third_party)
    agreement_at()  # another company's

    listing = api.get(f"/api/v1/agreements/?esiid={premise.esiid}&status=active").json()
    detail = api.get(f"/api/v1/agreements/{agreement.number}/").json()

    assert [row["number"] for row in listing["results"]] == [agreement.number]
    assert detail["customer_email"] == customer.email
    assert detail["esiids"] == [premise.esiid]
    assert detail["events"] == [] and detail["extension_requests"] == []


def test_terminate_an_agreement(api, third_party, premise, customer):
    agreement = agreement_at(premise, customer=customer, third_party=third_party)

    response = api.post(f"/api/v1/agreements/{agreement.number}/terminate/", {"reason": "Done"}, format="json")
    again = api.post(f"/api/v1/agreements/{agreement.number}/terminate/", {}, format="json")

    body = response.json()
    assert (body["status"], body["ended_by"], body["end_reason"]) == ("terminated", "third_party", "Done")
    assert body["events"][-1]["action"] == "agreement_terminated"
    assert body["events"][-1]["actor"] == third_party.name
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_active"


def test_request_and_resend_an_extension(api, third_party, premise, customer):
    agreement = agreement_at(premise, customer=customer, third_party=third_party, months=3)

    created = api.post(f"/api/v1/agreements/{agreement.number}/extension-requests/", {"months": 2}, format="json")
    resent = api.post(f"/api/v1/extension-requests/{created.json()['id']}/resend/")
    again = api.post(f"/api/v1/extension-requests/{created.json()['id']}/resend/")

    assert created.status_code == 201 and created.json()["status"] == "pending"
    assert resent.status_code == 200 and resent.json()["resent_at"]
    assert again.json()["error"]["code"] == "already_resent"


def test_an_extension_beyond_12_months_is_refused_by_the_api(api, third_party, premise, customer):
    agreement = agreement_at(premise, customer=customer, third_party=third_party, months=6)

    response = api.post(f"/api/v1/agreements/{agreement.number}/extension-requests/", {"months": 7}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "term_too_long"


def test_another_third_party_gets_404_for_every_agreement_endpoint(outsider, third_party, premise, customer):
    agreement = agreement_at(premise, customer=customer, third_party=third_party)
    extension_request = services.request_extension(by=None, third_party=third_party, agreement=agreement, months=1)

    assert outsider.get(f"/api/v1/agreements/{agreement.number}/").status_code == 404
    assert outsider.post(f"/api/v1/agreements/{agreement.number}/terminate/").status_code == 404
    assert outsider.post(f"/api/v1/agreements/{agreement.number}/extension-requests/", {"months": 1}).status_code == 404
    assert outsider.get(f"/api/v1/extension-requests/{extension_request.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/extension-requests/{extension_request.pk}/resend/").status_code == 404
    agreement.refresh_from_db()
    assert agreement.is_active


def test_csv_exports_hold_only_its_own_rows(api, third_party):
    mine = agreement_at(third_party=third_party)
    foreign = agreement_at()
    invitation = AgreementInvitationFactory(third_party=third_party)

    agreements = api.get("/api/v1/agreements/export.csv?status=active")
    invitations = api.get("/api/v1/invitations/export.csv")

    agreement_numbers = [row["number"] for row in csv.DictReader(io.StringIO(b"".join(agreements).decode()))]
    invitation_numbers = [row["number"] for row in csv.DictReader(io.StringIO(b"".join(invitations).decode()))]
    assert agreement_numbers == [mine.number] and foreign.number not in agreement_numbers
    assert invitation_numbers == [invitation.number]
    assert agreements["Content-Type"].startswith("text/csv")


def test_a_token_without_the_agreements_scope_is_refused(api_client, third_party):
    client = client_of(api_client, third_party, scope="usage")

    response = client.get("/api/v1/agreements/")

    assert response.status_code == 403
    assert "error" in response.json()


def test_the_utilitys_own_client_is_not_a_third_party(api_client):
    client = client_of(api_client, None)

    assert client.get("/api/v1/invitations/").status_code == 403


def test_an_inactive_third_partys_token_is_refused(api, third_party):
    third_party.is_active = False
    third_party.save()

    assert api.get("/api/v1/agreements/").status_code == 403


def test_no_token_is_401(api_client):
    response = api_client.get("/api/v1/agreements/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_agreement_list_keeps_its_query_count_bounded(api, third_party, django_assert_max_num_queries):
    for _ in range(20):
        agreement_at(third_party=third_party)

    with django_assert_max_num_queries(10):
        response = api.get("/api/v1/agreements/")

    assert response.json()["count"] == 20


def test_the_schema_documents_the_agreements_tag(api_client):
    schema = api_client.get("/api/schema/?format=json").json()

    tags = {
        tag for path in schema["paths"].values() for operation in path.values() for tag in operation.get("tags", [])
    }
    assert "agreements" in tags
    assert "/api/v1/invitations/{number}/resend/" in schema["paths"]
