"""Portal: the customer sees, per grant, which CDS data sets its company can read."""

import pytest
from django.urls import reverse

from agreements.models import OAuthGrant
from tests.oauth.helpers import logged_in

from .factories import billed_customer
from .helpers import consent_token, every_scope_client_set

pytestmark = pytest.mark.django_db


def test_the_customer_sees_which_data_sets_a_grant_shares():
    billed = billed_customer()
    consent_token(every_scope_client_set(), billed.customer, "cds_usage", include_eacs=True)
    grant = OAuthGrant.objects.get()

    page = logged_in(billed.customer).get(reverse("agreements:detail", args=[grant.agreement.number]))

    assert page.status_code == 200
    rows = {row["name"]: row["readable"] for row in page.context["data_sets"]}
    assert rows["Energy use (15-minute, daily, monthly)"] is True
    assert rows["Energy attribute certificates (solar surplus)"] is True
    assert rows["Bill statements"] is False
    assert "<strong>Readable</strong>: Energy use" in page.content.decode()


def test_an_ended_grant_shows_nothing_readable():
    billed = billed_customer()
    consent_token(every_scope_client_set(), billed.customer, "cds_usage")
    grant = OAuthGrant.objects.get()
    grant.agreement.status = grant.agreement.Status.TERMINATED
    grant.agreement.save()

    page = logged_in(billed.customer).get(reverse("agreements:detail", args=[grant.agreement.number]))

    assert not any(row["readable"] for row in page.context["data_sets"])
