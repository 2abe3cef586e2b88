"""Who may read through the usage API: every refusal of the access gate, the token's scope, and
the caller that is neither a customer nor a third party. Each refusal leaks no data and logs nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken

from agreements.services import add_months
from reports.models import DataAccessLog
from tests.factories import OAuthClientFactory, ThirdPartyFactory, third_party_user

from .usage_api_support import agreement_for, days_ago, home, load_local_days, token_client

pytestmark = pytest.mark.django_db


def _get(client, premise, start, end, kind="intervals"):
    return client.get(f"/api/v1/usage/{premise.esiid}/{kind}/", {"start": start.isoformat(), "end": end.isoformat()})


def _refusal(response) -> str:
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()["error"]["code"]


@pytest.fixture
def third_party():
    return ThirdPartyFactory()


@pytest.fixture
def premise():
    _, premise = home()
    load_local_days(premise, days_ago(3), 1)
    return premise


def test_the_agreements_third_party_reads_the_premise(api_client, third_party, premise):
    agreement_for(premise, third_party)

    response = _get(token_client(api_client, third_party), premise, days_ago(3), days_ago(3))

    assert response.status_code == 200


def test_a_third_party_without_any_agreement_is_refused(api_client, third_party, premise):
    response = _get(token_client(api_client, third_party), premise, days_ago(3), days_ago(3))

    assert _refusal(response) == "no_agreement"


def test_a_third_party_is_refused_a_premise_its_agreements_do_not_cover(api_client, third_party, premise):
    _, covered = home()
    agreement_for(covered, third_party)

    response = _get(token_client(api_client, third_party), premise, days_ago(3), days_ago(3))

    assert _refusal(response) == "other_premise"


def test_a_third_party_is_refused_data_before_its_agreements_range(api_client, third_party, premise):
    agreement_for(premise, third_party, data_from=timezone.now() - timedelta(days=2))

    response = _get(token_client(api_client, third_party), premise, days_ago(3), days_ago(3))

    assert _refusal(response) == "before_range"


def test_a_third_party_is_refused_more_than_12_months_back(api_client, third_party, premise):
    agreement_for(premise, third_party, data_from=add_months(timezone.now(), -24))
    thirteen_months_ago = add_months(timezone.now(), -13).date()

    response = _get(token_client(api_client, third_party), premise, thirteen_months_ago, days_ago(3))

    assert _refusal(response) == "too_far_back"


def test_a_third_party_is_refused_a_kind_its_agreement_does_not_cover(api_client, third_party, premise):
    agreement_for(premise, third_party, data_kinds=["daily", "monthly"])

    response = _get(token_client(api_client, third_party), premise, days_ago(3), days_ago(3))

    assert _refusal(response) == "wrong_kind"


def test_a_third_party_is_refused_once_the_agreement_is_terminated(api_client, third_party, premise):
    agreement_for(premise, third_party, status="terminated", ended_at=timezone.now())

    response = _get(token_client(api_client, third_party), premise, days_ago(3), days_ago(3))

    assert _refusal(response) == "agreement_ended"


def test_the_refusal_says_why_in_the_gates_words(api_client, third_party, premise):
    agreement_for(premise, third_party, data_kinds=["daily"])

    response = _get(token_client(api_client, third_party), premise, days_ago(3), days_ago(3))

    assert (
        response.json()["error"]["message"] == "Your agreement for this ESIID does not cover 15-minute interval usage."
    )
    assert not DataAccessLog.objects.exists()


def test_a_token_without_the_usage_scope_is_refused(api_client, third_party, premise):
    agreement_for(premise, third_party)

    response = _get(token_client(api_client, third_party, scope="reports"), premise, days_ago(3), days_ago(3))

    assert response.status_code == 403


def test_the_utilitys_own_client_is_neither_customer_nor_third_party(api_client, premise):
    response = _get(token_client(api_client, None), premise, days_ago(3), days_ago(3))

    assert _refusal(response) == "not_allowed"


def test_a_third_partys_signed_in_user_reads_like_its_client(api_client, third_party, premise):
    agreement_for(premise, third_party)
    api_client.force_login(third_party_user(third_party))

    allowed = _get(api_client, premise, days_ago(3), days_ago(3))
    _, elsewhere = home()
    refused = _get(api_client, elsewhere, days_ago(3), days_ago(3))

    assert allowed.status_code == 200 and _refusal(refused) == "other_premise"


def test_nobody_signed_in_gets_a_401_or_403(api_client, premise):
    response = _get(api_client, premise, days_ago(3), days_ago(3))

    assert response.status_code in (401, 403)


def test_csv_refusals_are_json_too(api_client, third_party, premise):
    client = token_client(api_client, third_party)

    response = client.get(f"/api/v1/usage/{premise.esiid}/intervals/", {"format": "csv"})

    assert _refusal(response) == "no_agreement"


@pytest.mark.parametrize("kind", ["daily", "monthly", "on-demand-reads"])
def test_every_kind_asks_the_gate_for_its_own_kind(api_client, third_party, premise, kind):
    agreement_for(premise, third_party, data_kinds=["interval"])

    response = _get(token_client(api_client, third_party), premise, days_ago(3), days_ago(3), kind=kind)

    assert _refusal(response) == "wrong_kind"


def _customer_token(customer, scope: str) -> str:
    """A token of the utility's own app (no third party) for a signed-in customer, as the
    authorization-code flow would issue it."""
    app = OAuthClientFactory(third_party=None, allowed_scopes=scope, authorization_grant_type="authorization-code")
    token = f"customer-token-{customer.pk}-{scope}"
    AccessToken.objects.create(
        user=customer, application=app, token=token, scope=scope, expires=timezone.now() + timedelta(minutes=10)
    )
    return token


def test_a_customer_reads_their_premise_with_a_token_of_the_usage_scope(api_client):
    customer, premise = home()
    load_local_days(premise, days_ago(3), 1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_customer_token(customer, 'usage')}")

    own = _get(api_client, premise, days_ago(3), days_ago(3))
    _, elsewhere = home()
    other = _get(api_client, elsewhere, days_ago(3), days_ago(3))

    assert own.status_code == 200 and _refusal(other) == "not_occupant"


def test_a_customers_token_without_the_usage_scope_is_refused(api_client):
    customer, premise = home()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_customer_token(customer, 'han')}")

    response = _get(api_client, premise, days_ago(3), days_ago(3))

    assert response.status_code == 403
