"""Schemathesis against /api/schema/ for the registration and client admin APIs, in process
through the WSGI application: generated requests (valid and not) never cause a 500, and every
answer matches the documented status codes, content type and schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKED = r"^/(oauth/register/|api/v1/cds/(clients|credentials|messages|grants)/)"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def in_test_transaction(application):
    """The WSGI application, minus closing database connections after each request: that would
    end the test's transaction on PostgreSQL (Django's own test client does the same)."""

    def call(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = application(environ, start_response)
            body = b"".join(result)
            result.close()  # sends request_finished, now without closing the connection
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]

    return call


# Loaded once at collection: generating the schema touches no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", in_test_transaction(get_wsgi_application())).include(
    path_regex=CHECKED
)


@pytest.fixture(autouse=True)
def _no_registration_limit(settings):
    settings.CDS_REGISTRATION_RATE = "100000/hour"  # generated registrations are not a flood


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers(case, client_set):
    case.call_and_validate(headers=client_set.admin_headers(), checks=CHECKS)
