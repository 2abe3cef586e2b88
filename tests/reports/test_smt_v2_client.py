"""A client written only from SMT's interface (tests/reports/smt_v2_client.py, no project imports)
drives every /v2/ endpoint of a live MeterGate over HTTP, and meets each refusal there."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken

from .smt_v2_client import SmtApiError, SmtClient, rd_values
from .smt_v2_support import PASSWORD, company, recent_day, shared_home

pytestmark = pytest.mark.django_db(transaction=True)


def client_of(live_server, who) -> SmtClient:
    client = SmtClient(
        live_server.url, username=who.api_user.email, password=PASSWORD, service_id=who.service_id, duns=who.duns
    )
    client.token()
    return client


def refusal(call) -> SmtApiError:
    with pytest.raises(SmtApiError) as raised:
        call()
    return raised.value


def test_a_provider_reads_15_minute_daily_and_monthly_data_as_on_smt(live_server):
    who = company()
    place = shared_home(who)
    client = client_of(live_server, who)
    day, esiid = recent_day(), place.premise.esiid

    intervals = client.interval_reads([esiid], day, day)
    daily = client.daily_reads([esiid], day, day)
    monthly = client.monthly_billing([esiid], day, day)

    [entry] = intervals["energyData"]
    slots = rd_values(entry)
    assert (entry["DT"], entry["RT"], len(slots)) == (day.strftime("%m/%d/%Y"), "C", 100)
    assert slots[0] == ("0.100", "E") and slots[1] == ("0.101", "A")
    assert daily["registeredReads"][0]["energyDataKwh"] == "36.492"
    assert monthly["billingData"][0]["actualkWh"] == "720.000"


def test_a_provider_asks_for_an_ftp_file_and_polls_its_status(live_server):
    who = company()
    place = shared_home(who)
    client = client_of(live_server, who)

    submitted = client.daily_reads(
        [place.premise.esiid], recent_day(), recent_day(), report_format="CSV", delivery="FTP"
    )
    status = client.report_status(submitted["correlationId"])

    assert submitted["statusReason"] == "Request submitted successfully for further processing"
    assert status["correlationId"] == submitted["correlationId"]


def test_a_provider_reads_a_meter_on_demand_twice_an_hour_but_not_three_times(live_server):
    who = company()
    place = shared_home(who, with_reads=False)
    client = client_of(live_server, who)

    first = client.on_demand_read(place.premise.esiid)
    client.on_demand_read(place.premise.esiid)
    third = refusal(lambda: client.on_demand_read(place.premise.esiid))
    status = client.on_demand_status(first["correlationId"])

    assert third.status == 429
    assert status["odrRead"]["ESIID"] == place.premise.esiid
    assert "registeredRead" in status["odrRead"]


def test_another_companys_requestor_id_is_refused(live_server):
    who, other = company(1), company(2)
    place = shared_home(who)
    client = client_of(live_server, who)
    client.service_id, client.duns = other.service_id, other.duns

    refused = refusal(lambda: client.daily_reads([place.premise.esiid], recent_day(), recent_day()))

    assert refused.status == 403


def test_an_esiid_without_an_agreement_is_refused(live_server):
    who = company()
    shared_home(who)
    stranger = shared_home(company(2))
    client = client_of(live_server, who)

    refused = refusal(lambda: client.interval_reads([stranger.premise.esiid], recent_day(), recent_day()))

    assert refused.status == 403
    assert refused.message


def test_a_period_past_the_agreement_is_refused(live_server):
    who = company()
    place = shared_home(who, ends_at=timezone.now() + timedelta(days=1))
    client = client_of(live_server, who)

    refused = refusal(
        lambda: client.daily_reads([place.premise.esiid], recent_day(), timezone.localdate() + timedelta(days=3))
    )

    assert refused.status == 403


def test_no_data_gets_smts_own_message(live_server):
    who = company()
    place = shared_home(who, with_reads=False)
    client = client_of(live_server, who)

    refused = refusal(lambda: client.daily_reads([place.premise.esiid], recent_day(), recent_day()))

    assert (refused.code, refused.message) == ("1", "No data received from the respective TDSP")


def test_an_expired_token_is_refused_and_a_new_one_works(live_server):
    who = company()
    place = shared_home(who)
    client = client_of(live_server, who)
    AccessToken.objects.filter(user=who.api_user).update(expires=timezone.now() - timedelta(seconds=1))

    refused = refusal(lambda: client.daily_reads([place.premise.esiid], recent_day(), recent_day()))
    client.token()

    assert refused.status == 401
    assert client.daily_reads([place.premise.esiid], recent_day(), recent_day())["registeredReads"]


def test_a_wrong_password_gets_no_token(live_server):
    who = company()
    client = SmtClient(live_server.url, username=who.api_user.email, password="nope", service_id="x", duns="y")

    refused = refusal(client.token)

    assert refused.status == 401
    assert refused.message == "Incorrect username or password."


def test_a_provider_invites_lists_inspects_and_ends_agreements(live_server):
    who = company()
    place = shared_home(who, with_reads=False)
    newcomer = shared_home(company(2), with_reads=False)
    client = client_of(live_server, who)

    invited = client.new_agreement(newcomer.customer.email, 6, [(newcomer.premise.esiid, newcomer.meter.meter_number)])
    listed = client.my_agreements()["agreementList"]
    active = next(entry for entry in listed if entry["status"] == "ACT")
    esiids = client.agreement_esiids(active["agreementNumber"])["ESIIDList"]
    meters = client.meter_info([place.premise.esiid])["MeterData"]
    premises = client.premise_info([place.premise.esiid])["PremiseData"]
    client.terminate(active["agreementNumber"])
    after = client.my_agreements(active["agreementNumber"])["agreementList"]
    refused = refusal(lambda: client.meter_info([place.premise.esiid]))

    assert invited["agreementNumber"] in [entry["agreementNumber"] for entry in listed]
    assert [entry["ESIID"] for entry in esiids] == [place.premise.esiid]
    assert meters[0]["utilityMeterId"] == place.meter.meter_number
    assert premises[0]["esiid"] == place.premise.esiid
    assert after[0]["status"] == "NACOM"
    assert refused.status == 403


def test_an_agreement_longer_than_twelve_months_is_refused(live_server):
    who = company()
    newcomer = shared_home(company(2), with_reads=False)
    client = client_of(live_server, who)

    refused = refusal(lambda: client.new_agreement(newcomer.customer.email, 24, [(newcomer.premise.esiid, "")]))

    assert refused.status == 400


def test_a_provider_subscribes_once_a_duplicate_is_refused_and_it_unsubscribes(live_server):
    who = company()
    shared_home(who)
    client = client_of(live_server, who)

    subscribed = client.new_subscription("DAILY", history_months=3)
    duplicate = refusal(lambda: client.new_subscription("DAILY"))
    listed = client.my_subscriptions()["subscriptionList"]
    client.unsubscribe(subscribed["subscriptionNumber"])
    after = client.my_subscriptions()["subscriptionList"]

    assert duplicate.status == 400
    assert duplicate.body["CustomerDUNSFaultList"][0]["reasonCode"] == f"Subcription is already active::{who.duns}"
    assert [entry["status"] for entry in listed] == ["ACT"]
    assert client.report_status(subscribed["historyCorrelationId"])["correlationId"]
    assert [entry["status"] for entry in after] == ["NACOM"]
