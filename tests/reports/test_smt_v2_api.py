"""The Smart Meter Texas v2 third-party API (reports.smt_v2) through Django's test client: tokens,
the reads in SMT's shapes, FTP/EML requests, on-demand reads, and each refusal."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken

from reports.models import DataAccessLog, ReportRequest
from tests.factories import PASSWORD, third_party_user
from usage.models import OnDemandRead

from .smt_v2_support import company, recent_day, shared_home

pytestmark = pytest.mark.django_db


def log_in(api_client, who) -> str:
    answer = api_client.post("/v2/token/", {"username": who.api_user.email, "password": PASSWORD}, format="json")
    assert answer.status_code == 200, answer.json()
    return answer.json()["accessToken"]


@pytest.fixture
def caller(api_client):
    """(company, post) where post(path, body) calls the API with a fresh token of the company."""
    who = company()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {log_in(api_client, who)}")
    return who, lambda path, body: api_client.post(path, body, format="json")


def reads_body(who, esiid, first, last, **fields):
    return who.ids(
        startDate=f"{first:%m/%d/%Y}",
        endDate=f"{last:%m/%d/%Y}",
        version="L",
        readingType="c",
        esiid=[esiid],
        reportFormat="JSON",
        deliveryMode="API",
        **fields,
    )


def test_a_token_is_given_for_an_api_users_credentials_in_smts_shape(api_client):
    who = company()

    answer = api_client.post("/v2/token/", {"username": who.api_user.email, "password": PASSWORD}, format="json")

    body = answer.json()
    assert answer.status_code == 200
    assert (body["statusCode"], body["tokenType"], body["expiresIn"]) == ("200", "Bearer", "3600")
    assert len(body["expiresAt"]) == len("11/26/2026 01:00:00")
    assert AccessToken.objects.get(user=who.api_user).resource == ["urn:metergate:smt-v2-api"]


@pytest.mark.parametrize("password", ["wrong-password", ""])
def test_wrong_credentials_get_smts_error_shape(api_client, password):
    who = company()

    answer = api_client.post("/v2/token/", {"username": who.api_user.email, "password": password}, format="json")

    assert answer.status_code in (400, 401)
    assert set(answer.json()) == {"errorCode", "errorMessage"}


def test_a_portal_user_who_is_not_an_api_user_gets_no_token(api_client):
    who = company()
    colleague = third_party_user(who.third_party)

    answer = api_client.post("/v2/token/", {"username": colleague.email, "password": PASSWORD}, format="json")

    assert answer.status_code == 401
    assert answer.json()["errorMessage"] == "Incorrect username or password."


def test_a_caller_outside_the_companys_ip_ranges_gets_no_token(api_client):
    who = company(networks="203.0.113.0/24")

    answer = api_client.post("/v2/token/", {"username": who.api_user.email, "password": PASSWORD}, format="json")

    assert answer.status_code == 403
    assert not AccessToken.objects.filter(user=who.api_user).exists()


def test_an_expired_token_is_refused(caller):
    who, post = caller
    place = shared_home(who)
    AccessToken.objects.filter(user=who.api_user).update(expires=timezone.now() - timedelta(seconds=1))

    answer = post("/v2/dailyreads/", reads_body(who, place.premise.esiid, recent_day(), recent_day()))

    assert answer.status_code == 401
    assert answer.json()["errorCode"] == "401"


def test_15_minute_reads_come_as_100_slots_a_day_and_are_logged(caller):
    who, post = caller
    place = shared_home(who)
    day = recent_day()

    answer = post("/v2/15minintervalreads/", reads_body(who, place.premise.esiid, day, day, trans_id="abc-1"))

    body = answer.json()
    assert answer.status_code == 200, body
    assert body["trans_id"] == "abc-1"
    [entry] = body["energyData"]
    assert (entry["DT"], entry["RT"]) == (f"{day:%m/%d/%Y}", "C")
    slots = entry["RD"].split(",")
    assert len(slots) == 100
    assert slots[0] == "0.100-E" and slots[1] == "0.101-A"
    log = DataAccessLog.objects.get(third_party=who.third_party, premise=place.premise)
    assert (log.kind, log.via) == ("interval", "api")


def test_generation_only_reads_of_a_consuming_premise_are_no_data(caller):
    who, post = caller
    place = shared_home(who)

    answer = post(
        "/v2/15minintervalreads/",
        {**reads_body(who, place.premise.esiid, recent_day(), recent_day()), "readingType": "G"},
    )

    assert answer.status_code == 404
    assert answer.json() == {"errorCode": "1", "errorMessage": "No data received from the respective TDSP"}


def test_daily_reads_come_as_registered_reads_of_strings(caller):
    who, post = caller
    place = shared_home(who)
    day = recent_day()

    answer = post("/v2/dailyreads/", reads_body(who, place.premise.esiid, day - timedelta(days=2), day))

    body = answer.json()
    assert answer.status_code == 200, body
    assert body["esiid"] == place.premise.esiid
    [read] = body["registeredReads"]
    assert read["readDate"] == f"{day:%m/%d/%Y}"
    assert (read["startReading"], read["endReading"], read["energyDataKwh"]) == ("24002.915", "24038.915", "36.492")


def test_monthly_billing_information_comes_as_billing_data(caller):
    who, post = caller
    place = shared_home(who)
    day = recent_day()

    answer = post("/v2/monthlybillingInformation/", reads_body(who, place.premise.esiid, day, day))

    [cycle] = answer.json()["billingData"]
    assert (cycle["startDate"], cycle["actualkWh"], cycle["meteredKW"]) == (f"{day:%m/%d/%Y}", "720.000", "")


def test_another_companys_requestor_id_is_refused(caller):
    who, post = caller
    place = shared_home(who)
    other = company(2)

    body = {**reads_body(who, place.premise.esiid, recent_day(), recent_day()), "requestorID": other.service_id}
    answer = post("/v2/dailyreads/", body)

    assert answer.status_code == 403
    assert not DataAccessLog.objects.exists()


def test_an_esiid_without_agreement_is_refused_like_an_unknown_one(caller):
    who, post = caller
    shared_home(who)
    stranger = shared_home(company(2))

    refused = post("/v2/dailyreads/", reads_body(who, stranger.premise.esiid, recent_day(), recent_day()))
    unknown = post("/v2/dailyreads/", reads_body(who, "10443720999999999", recent_day(), recent_day()))

    assert (refused.status_code, unknown.status_code) == (403, 403)
    assert refused.json()["errorCode"] in ("no_agreement", "other_premise")
    assert unknown.json()["errorCode"] == "no_agreement"


def test_a_period_past_the_agreement_is_refused(caller):
    who, post = caller
    ends = timezone.now() + timedelta(days=2)
    place = shared_home(who, ends_at=ends)
    last = timezone.localdate() + timedelta(days=5)

    answer = post("/v2/dailyreads/", reads_body(who, place.premise.esiid, recent_day(), last))

    assert answer.status_code == 403
    assert answer.json()["errorCode"] == "after_range"


def test_a_bad_date_is_a_400_in_smts_shape(caller):
    who, post = caller
    place = shared_home(who)

    answer = post(
        "/v2/dailyreads/",
        {**reads_body(who, place.premise.esiid, recent_day(), recent_day()), "startDate": "2025-07-01"},
    )

    assert answer.status_code == 400
    assert answer.json()["errorMessage"].startswith("startDate:")


def test_ftp_delivery_makes_a_report_request_polled_by_its_correlation_id(caller):
    who, post = caller
    place = shared_home(who)
    body = {
        **reads_body(who, place.premise.esiid, recent_day(), recent_day()),
        "deliveryMode": "FTP",
        "reportFormat": "CSV",
    }

    submitted = post("/v2/15minintervalreads/", body).json()
    status = post("/v2/reportrequeststatus/", who.ids(correlationId=submitted["correlationId"])).json()

    report = ReportRequest.objects.get(third_party=who.third_party)
    assert submitted["correlationId"] == report.number
    assert (report.kind, report.format) == ("interval", "texas_csv")
    assert status["correlationId"] == report.number
    assert status["status"] in ("QUEUED", "RUNNING", "DELIVERED")


def test_another_company_cannot_poll_a_report_request(caller, api_client):
    who, post = caller
    place = shared_home(who)
    body = {**reads_body(who, place.premise.esiid, recent_day(), recent_day()), "deliveryMode": "EML"}
    correlation = post("/v2/dailyreads/", body).json()["correlationId"]
    other = company(2)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {log_in(api_client, other)}")

    answer = api_client.post("/v2/reportrequeststatus/", other.ids(correlationId=correlation), format="json")

    assert answer.status_code == 404


def test_an_on_demand_read_is_started_and_polled(caller):
    who, post = caller
    place = shared_home(who, with_reads=False)

    started = post("/v2/odr/", who.ids(ESIID=place.premise.esiid, reportFormat="JSON", deliveryMode="API")).json()
    status = post("/v2/odrstatus/", who.ids(correlationId=started["correlationId"])).json()

    assert started["statusReason"] == "Request submitted successfully for further processing"
    assert OnDemandRead.objects.get(premise=place.premise).third_party == who.third_party
    assert status["odrRead"]["ESIID"] == place.premise.esiid
    assert status["odrRead"]["odrStatus"] in ("PENDING", "COMPLETED")


def test_a_third_on_demand_read_in_an_hour_is_refused(caller):
    who, post = caller
    place = shared_home(who, with_reads=False)
    body = who.ids(ESIID=place.premise.esiid)

    answers = [post("/v2/odr/", body) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].json()["errorCode"] == "rate_limited"
    assert int(answers[2]["Retry-After"]) > 0


def test_the_companys_daily_on_demand_cap_is_kept(caller, settings):
    who, post = caller
    settings.SMT_V2_ODR_DAILY_CAP = 1
    first, second = shared_home(who, with_reads=False), shared_home(who, with_reads=False)

    answers = [post("/v2/odr/", who.ids(ESIID=place.premise.esiid)) for place in (first, second)]

    assert [answer.status_code for answer in answers] == [200, 429]


def test_another_companys_on_demand_read_is_not_found(caller):
    who, post = caller
    other = company(2)
    place = shared_home(other, with_reads=False)
    read = OnDemandRead.objects.create(
        premise=place.premise, third_party=other.third_party, requested_at=timezone.now()
    )

    answer = post("/v2/odrstatus/", who.ids(correlationId=f"ODR-{read.pk:06d}"))

    assert answer.status_code == 404


def test_more_than_31_days_of_15_minute_reads_at_once_are_refused_they_go_by_ftp(caller):
    who, post = caller
    place = shared_home(who)
    first = recent_day(40)

    at_once = post("/v2/15minintervalreads/", reads_body(who, place.premise.esiid, first, recent_day()))
    by_ftp = post(
        "/v2/15minintervalreads/",
        {**reads_body(who, place.premise.esiid, first, recent_day()), "deliveryMode": "FTP", "reportFormat": "CSV"},
    )

    assert at_once.status_code == 400
    assert "FTP or EML" in at_once.json()["errorMessage"]
    assert by_ftp.status_code == 200, by_ftp.json()
