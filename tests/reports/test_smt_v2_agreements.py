"""SMT v2 agreements, meters and premises: NewAgreement is the portal's invitation (same rules, same
e-mail), listed, looked into and ended through the API; meter and premise data only under a live
agreement."""

import pytest
from django.core import mail

from agreements.models import Agreement, AgreementInvitation
from tests.factories import AgreementFactory

from .smt_v2_support import company, shared_home
from .test_smt_v2_api import caller  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def invite(who, post, place, **fields):
    meters = [{"ESIID": place.premise.esiid, "meterNumber": place.meter.meter_number, "PUCTRORNumber": "10052"}]
    body = {
        "retailCustomerEmail": place.customer.email,
        "agreementDuration": 6,
        "customerLanguagePreference": "ENGLISH",
        "customerMeterList": meters,
        **fields,
    }
    body = who.ids(**body)
    return post("/v2/NewAgreement/", body)


def test_a_new_agreement_is_the_portals_invitation_with_its_email(caller, django_capture_on_commit_callbacks):  # noqa: F811
    who, post = caller
    place = shared_home(company(2), with_reads=False)

    with django_capture_on_commit_callbacks(execute=True):
        answer = invite(who, post, place)

    body = answer.json()
    assert answer.status_code == 200, body
    invitation = AgreementInvitation.objects.get(third_party=who.third_party)
    assert body["agreementNumber"] == invitation.number
    assert (invitation.months, list(invitation.premises.all())) == (6, [place.premise])
    assert [message.to for message in mail.outbox] == [[place.customer.email]]


@pytest.mark.parametrize("months", [2, 24])
def test_a_duration_smt_does_not_offer_or_past_our_limit_is_refused(caller, months):  # noqa: F811
    who, post = caller
    place = shared_home(company(2), with_reads=False)

    answer = invite(who, post, place, agreementDuration=months)

    assert answer.status_code == 400
    assert not AgreementInvitation.objects.exists()


def test_an_email_that_is_not_the_customers_is_refused_as_in_the_portal(caller):  # noqa: F811
    who, post = caller
    place = shared_home(company(2), with_reads=False)

    answer = invite(who, post, place, retailCustomerEmail="someone.else@example.com")

    assert answer.status_code == 400
    assert not AgreementInvitation.objects.exists()


def test_a_meter_number_of_another_esiid_is_refused(caller):  # noqa: F811
    who, post = caller
    place, other = shared_home(company(2), with_reads=False), shared_home(company(3), with_reads=False)
    meters = [{"ESIID": place.premise.esiid, "meterNumber": other.meter.meter_number}]

    answer = invite(who, post, place, customerMeterList=meters)

    assert answer.status_code == 400


def test_a_second_invitation_while_one_is_pending_is_refused(caller):  # noqa: F811
    who, post = caller
    place = shared_home(company(2), with_reads=False)
    invite(who, post, place)

    assert invite(who, post, place).status_code == 409


def test_my_agreements_lists_active_ones_and_pending_invitations(caller):  # noqa: F811
    who, post = caller
    active = shared_home(who, with_reads=False)
    invite(who, post, shared_home(company(2), with_reads=False))
    shared_home(company(3), with_reads=False)  # another company's agreement, never listed

    listed = post("/v2/myagreements/", who.ids()).json()["agreementList"]

    agreement = Agreement.objects.get(third_party=who.third_party)
    assert sorted(entry["status"] for entry in listed) == ["ACT", "PENDING"]
    assert agreement.number in [entry["agreementNumber"] for entry in listed]
    esiids = post("/v2/AgreementESIIDs/", who.ids(agreementNumber=agreement.number)).json()["ESIIDList"]
    assert esiids == [{"ESIID": active.premise.esiid, "meterNumber": active.meter.meter_number}]


def test_another_companys_agreement_is_not_found(caller):  # noqa: F811
    who, post = caller
    shared_home(company(2), with_reads=False)
    theirs = Agreement.objects.get()

    answer = post("/v2/AgreementESIIDs/", who.ids(agreementNumber=theirs.number))
    ended = post("/v2/Terminateagreement/", who.ids(agreementList=[{"agreementNumber": theirs.number}]))

    assert (answer.status_code, ended.status_code) == (404, 404)
    assert Agreement.objects.get().status == Agreement.Status.ACTIVE


def test_terminating_ends_the_agreement_and_reads_are_refused_after(caller):  # noqa: F811
    who, post = caller
    place = shared_home(who, with_reads=False)
    agreement = Agreement.objects.get()

    answer = post(
        "/v2/Terminateagreement/",
        who.ids(agreementList=[{"agreementNumber": agreement.number, "retailCustomerEmail": ""}]),
    )
    listed = post("/v2/myagreements/", who.ids(agreementNumber=agreement.number)).json()["agreementList"]
    meters = post("/v2/meterInfo/", who.ids(ESIIDMeterList=[{"esiid": place.premise.esiid}]))

    assert answer.status_code == 200, answer.json()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    assert (listed[0]["status"], listed[0]["statusReason"]) == ("NACOM", "Non Active - Terminated by CSP")
    assert meters.status_code == 403


def test_meter_and_premise_info_answer_for_esiids_under_agreement_only(caller):  # noqa: F811
    who, post = caller
    place = shared_home(who, with_reads=False)
    stranger = shared_home(company(2), with_reads=False)

    meters = post("/v2/meterInfo/", who.ids(ESIIDMeterList=[{"esiid": place.premise.esiid}])).json()
    premises = post("/v2/premiseInfo/", who.ids(ESIIDMeterList=[{"esiid": place.premise.esiid}])).json()
    refused = post("/v2/premiseInfo/", who.ids(ESIIDMeterList=[{"esiid": stranger.premise.esiid}]))

    assert [(m["esiid"], m["utilityMeterId"]) for m in meters["MeterData"]] == [
        (place.premise.esiid, place.meter.meter_number)
    ]
    assert premises["PremiseData"][0]["address"] == place.premise.service_address
    assert refused.status_code == 403


def test_an_agreement_of_another_kind_does_not_open_meter_info_to_another_company(caller):  # noqa: F811
    who, post = caller
    place = shared_home(company(2), with_reads=False)
    AgreementFactory(third_party=company(3).third_party, customer=place.customer, premises=[place.premise])

    answer = post("/v2/meterInfo/", who.ids(ESIIDMeterList=[{"esiid": place.premise.esiid}]))

    assert answer.status_code == 403
