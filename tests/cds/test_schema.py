"""Schemathesis against /api/schema/ for the CDS customer-data lists and billing provisioning, in
process: generated requests (filters, pages, ids; valid and not) never cause a 500 and every answer
matches its documented status codes, content type and schema."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.oauth.test_schema import CHECKS, in_test_transaction

from .factories import BillStatementFactory, billed_customer
from .helpers import consent_token, every_scope_client_set

DATA = (
    r"^/api/v1/cds/(accounts|service-contracts|service-points|meter-devices|bill-statements|bill-sections"
    r"|aggregations|usage-segments|eacs)/$"
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", in_test_transaction(get_wsgi_application()))


@pytest.fixture
def consent_headers(db):
    billed = billed_customer()
    BillStatementFactory(account=billed.account)
    token = consent_token(
        every_scope_client_set(),
        billed.customer,
        "cds_accounts cds_meters cds_usage cds_bill_statements",
        include_service_points=True,
        include_eacs=True,
        include_aggregations=True,
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.django_db
@schema.include(path_regex=DATA).parametrize()
@hypothesis_settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_customer_data_requests_get_documented_answers(case, consent_headers):
    case.call_and_validate(headers=consent_headers, checks=CHECKS)
