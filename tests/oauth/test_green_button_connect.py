"""Green Button Connect My Data: the ESPI REST resources read with a token from the consent flow
(authorization code + PKCE), answered in Atom XML that an independent parser reads, and only what
the grant covers: its premises, its period, its scope, while it lasts."""

import datetime as dt
from datetime import UTC, timedelta

import pytest
from django.test import Client

from agreements.models import OAuthGrant
from agreements.services import terminate_agreement
from reports.models import DataAccessLog
from tests.factories import MonthlyReadFactory, PremiseFactory
from tests.usage.greenbutton_support import load_days, local, parsed, readings_of, xml_root

from .helpers import consent, exchange, logged_in, use_redirect

pytestmark = pytest.mark.django_db

BASE = "/espi/1_1/resource"
NS = {"atom": "http://www.w3.org/2005/Atom", "espi": "http://naesb.org/espi"}
FALL_BACK = dt.date(2026, 11, 1)  # inside the last 12 months (100 intervals in Chicago)


@pytest.fixture
def granted(client_set, test_customer):
    """The customer approved `cds_usage` and the code was exchanged: (grant, access token)."""
    use_redirect(client_set.consent)
    result = consent(logged_in(test_customer), client_set.consent)
    tokens = exchange(client_set, result.query["code"], result.verifier)
    assert tokens["status"] == 200
    return OAuthGrant.objects.select_related("agreement").get(), tokens["access_token"]


def test_the_token_response_gives_the_subscriptions_resource_uri(client_set, test_customer, settings):
    settings.SITE_URL = "http://testserver"
    use_redirect(client_set.consent)
    result = consent(logged_in(test_customer), client_set.consent)

    tokens = exchange(client_set, result.query["code"], result.verifier)

    number = OAuthGrant.objects.get().agreement.number
    assert tokens["resourceURI"] == f"http://testserver{BASE}/Batch/Subscription/{number}"
    response = Client().get(tokens["resourceURI"], HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert response.status_code == 200


@pytest.fixture
def premise(test_customer):
    return test_customer.occupancies.get().premise


def _get(token: str, path: str, **query):
    return Client().get(f"{BASE}/{path}", query, HTTP_AUTHORIZATION=f"Bearer {token}")


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _subscription(grant) -> str:
    return f"Subscription/{grant.agreement.number}"


def test_the_batch_subscription_holds_every_reading_the_grant_covers(granted, premise):
    grant, token = granted
    load_days(premise, FALL_BACK, 1, generation=True)

    response = _get(token, f"Batch/{_subscription(grant)}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    (usage_point,) = parsed(_content(response))
    readings = readings_of(usage_point)
    assert len(readings["forward"]) == len(readings["reverse"]) == 100
    assert sum(reading[2] for reading in readings["forward"]) == sum(100 + index for index in range(100))
    assert readings["forward"][0][0] == local(FALL_BACK).astimezone(UTC)


def test_usage_point_and_meter_reading_resources_link_to_their_children(granted, premise):
    grant, token = granted
    load_days(premise, FALL_BACK, 1, generation=True)

    point = xml_root(_get(token, f"{_subscription(grant)}/UsagePoint/{premise.esiid}").content)
    readings = xml_root(_content(_get(token, f"{_subscription(grant)}/UsagePoint/{premise.esiid}/MeterReading")))

    related = [link.get("href") for link in point.findall("atom:link[@rel='related']", NS)]
    assert related[0].endswith(f"/UsagePoint/{premise.esiid}/MeterReading")
    selves = [link.get("href") for link in readings.findall("atom:entry/atom:link[@rel='self']", NS)]
    assert [href.rsplit("/", 1)[1] for href in selves] == ["1", "2"]  # consumption, then generation


def test_interval_blocks_are_selected_by_published_min_and_max(granted, premise):
    grant, token = granted
    first = FALL_BACK - timedelta(days=2)
    load_days(premise, first, 3)
    path = f"{_subscription(grant)}/UsagePoint/{premise.esiid}/MeterReading/1/IntervalBlock"
    low = local(first + timedelta(days=1)).astimezone(UTC)

    response = _get(
        token,
        path,
        **{
            "published-min": f"{low:%Y-%m-%dT%H:%M:%SZ}",
            "published-max": f"{low + timedelta(hours=6):%Y-%m-%dT%H:%M:%SZ}",
        },
    )

    root = xml_root(_content(response))
    blocks = root.findall("atom:entry/atom:content/espi:IntervalBlock", NS)
    assert len(blocks) == 1
    assert len(blocks[0].findall("espi:IntervalReading", NS)) == 24
    assert blocks[0].find("espi:interval/espi:start", NS).text == str(int(low.timestamp()))


def test_one_interval_block_is_a_local_day(granted, premise):
    grant, token = granted
    load_days(premise, FALL_BACK, 1)

    response = _get(
        token, f"{_subscription(grant)}/UsagePoint/{premise.esiid}/MeterReading/1/IntervalBlock/{FALL_BACK}"
    )

    block = xml_root(response.content).find("atom:content/espi:IntervalBlock", NS)
    assert block.find("espi:interval/espi:duration", NS).text == "90000"
    assert len(block.findall("espi:IntervalReading", NS)) == 100


def test_usage_summaries_are_the_billing_cycles_in_watt_hours(granted, premise):
    grant, token = granted
    start = FALL_BACK - timedelta(days=20)
    MonthlyReadFactory(premise=premise, start_date=start, end_date=start + timedelta(days=29))
    path = f"{_subscription(grant)}/UsagePoint/{premise.esiid}/UsageSummary"

    collection = xml_root(_content(_get(token, path)))
    member = _get(token, f"{path}/{start.isoformat()}")
    missing = _get(token, f"{path}/{(start + timedelta(days=1)).isoformat()}")

    (summary,) = collection.findall("atom:entry/atom:content/espi:UsageSummary", NS)
    assert summary.find("espi:overallConsumptionLastPeriod/espi:value", NS).text == "720000"
    assert member.status_code == 200
    period = xml_root(member.content).find("atom:content/espi:UsageSummary/espi:billingPeriod", NS)
    assert period.find("espi:duration", NS).text == str(30 * 86400 + 3600)  # the cycle holds the fall-back day
    assert period.find("espi:start", NS).text == str(int(local(start).timestamp()))
    assert missing.status_code == 404


def test_read_service_status_answers_that_the_service_is_up(granted):
    _grant, token = granted

    response = _get(token, "ReadServiceStatus")

    assert response.status_code == 200
    assert xml_root(response.content).find("espi:currentStatus", NS).text == "1"


def test_reads_are_recorded_in_the_customers_data_access_log(granted, premise):
    grant, token = granted
    load_days(premise, FALL_BACK, 1)
    MonthlyReadFactory(premise=premise, start_date=FALL_BACK, end_date=FALL_BACK + timedelta(days=2))

    _content(_get(token, f"Batch/{_subscription(grant)}"))

    logged = DataAccessLog.objects.order_by("kind").values_list("premise_id", "agreement_id", "kind", "rows", "via")
    assert list(logged) == [
        (premise.pk, grant.agreement_id, "interval", 100, "api"),
        (premise.pk, grant.agreement_id, "monthly", 1, "api"),
    ]


# --- Refusals ----------------------------------------------------------------------------------


def test_another_premise_is_not_found(granted):
    grant, token = granted
    other = PremiseFactory()
    load_days(other, FALL_BACK, 1)

    for path in (
        f"{_subscription(grant)}/UsagePoint/{other.esiid}",
        f"Batch/{_subscription(grant)}/UsagePoint/{other.esiid}",
        f"{_subscription(grant)}/UsagePoint/{other.esiid}/MeterReading/1/IntervalBlock",
    ):
        response = _get(token, path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_another_subscription_is_not_found(granted):
    _grant, token = granted

    response = _get(token, "Batch/Subscription/AGR-999999")

    assert response.status_code == 404


def test_a_period_outside_the_grant_is_refused(granted, premise):
    grant, token = granted
    before = grant.agreement.data_from - timedelta(days=30)
    load_days(premise, FALL_BACK, 1)

    response = _get(
        token,
        f"{_subscription(grant)}/UsagePoint/{premise.esiid}/MeterReading/1/IntervalBlock",
        **{
            "published-min": f"{before:%Y-%m-%dT%H:%M:%SZ}",
            "published-max": f"{before + timedelta(days=2):%Y-%m-%dT%H:%M:%SZ}",
        },
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "outside_period"


def test_a_kind_the_grant_does_not_cover_is_refused(granted, premise):
    grant, token = granted
    grant.agreement.data_kinds = ["interval"]
    grant.agreement.save(update_fields=["data_kinds"])
    MonthlyReadFactory(premise=premise, start_date=FALL_BACK, end_date=FALL_BACK + timedelta(days=2))

    response = _get(token, f"{_subscription(grant)}/UsagePoint/{premise.esiid}/UsageSummary")
    batch = _content(_get(token, f"Batch/{_subscription(grant)}"))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_kind"
    assert b"<UsageSummary " not in batch


def test_a_badly_written_time_is_a_400(granted):
    grant, token = granted

    response = _get(token, f"Batch/{_subscription(grant)}", **{"published-min": "2026-11-01"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_time"


def test_a_token_without_the_usage_scope_is_refused(client_set, test_customer, premise):
    use_redirect(client_set.consent)
    result = consent(logged_in(test_customer), client_set.consent, scope="cds_meters")
    token = exchange(client_set, result.query["code"], result.verifier)["access_token"]
    grant = OAuthGrant.objects.get()

    response = _get(token, f"Batch/{_subscription(grant)}")

    assert response.status_code == 403


def test_a_revoked_grant_stops_its_token(granted, test_customer):
    grant, token = granted

    terminate_agreement(by=test_customer, agreement=grant.agreement)

    assert _get(token, f"Batch/{_subscription(grant)}").status_code == 401


def test_no_token_no_data(granted):
    grant, _token = granted

    assert Client().get(f"{BASE}/Batch/{_subscription(grant)}").status_code == 401


def test_the_server_metadata_advertises_the_espi_scope_and_resource_endpoint():
    metadata = Client().get("/.well-known/oauth-authorization-server").json()

    assert metadata["espi_scope"].startswith("FB=")
    assert "IntervalDuration=900;BlockDuration=daily;HistoryLength=" in metadata["espi_scope"]
    assert metadata["espi_resource_endpoint"].endswith(BASE)
    assert metadata["espi_consent_scope"] == "cds_usage"
