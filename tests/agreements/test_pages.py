"""Portal pages of both sides: invite, lists with search / filters / CSV, detail with history and
only the allowed actions, and the e-mail's Accept / Reject pages (rules 1, 4, 5, 6, 8, 9)."""

import csv
import io
import re
from urllib.parse import quote

import pytest
from django.core import mail

from agreements import services
from agreements.models import Agreement, AgreementInvitation
from tests.factories import (
    PASSWORD,
    AgreementInvitationFactory,
    InHomeDeviceFactory,
    MeterFactory,
    OccupancyFactory,
    ThirdPartyFactory,
    agreement_at,
    customer_at,
    third_party_user,
)

from .conftest import AUTH_CODE

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    client.force_login(user)
    return client


def test_third_party_invites_from_the_form(client, agent, premise, django_capture_on_commit_callbacks):
    logged_in(client, agent)
    assert client.get("/agreements/invitations/new/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/agreements/invitations/new/",
            {
                "agreement_type": "energy_data",
                "esiids": premise.esiid,
                "authorization_code": AUTH_CODE,
                "duration_kind": "continuous",
                "months": "3",
            },
        )

    invitation = AgreementInvitation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/agreements/invitations/{invitation.number}/"
    assert len(mail.outbox) == 1


def test_the_invite_form_shows_the_generic_mismatch_and_sends_nothing(client, agent, premise):
    logged_in(client, agent)

    response = client.post(
        "/agreements/invitations/new/",
        {
            "agreement_type": "energy_data",
            "esiids": premise.esiid,
            "authorization_code": "WRONG",
            "duration_kind": "one_time",
            "one_time_kind": "daily",
        },
    )

    assert response.status_code == 200
    assert services.MISMATCH_MESSAGE in response.content.decode()
    assert mail.outbox == []


def test_customers_and_visitors_cannot_open_the_third_party_pages(client, customer):
    assert client.get("/agreements/invitations/").status_code == 302  # to the login page
    logged_in(client, customer)
    for path in ("/agreements/invitations/", "/agreements/invitations/new/", "/agreements/export.csv"):
        assert client.get(path).status_code == 403


def test_resend_once_from_the_invitation_page(client, invite, agent, premise):
    invitation = invite(agent, [premise])
    logged_in(client, agent)
    page = f"/agreements/invitations/{invitation.number}/"

    first = client.post(f"{page}resend/", follow=True)
    second = client.post(f"{page}resend/", follow=True)

    assert "was sent again" in first.content.decode()
    assert "can be resent only once" in second.content.decode()
    assert "Resend (once)" not in second.content.decode()


def test_cancel_from_the_invitation_page(client, invite, agent, premise):
    invitation = invite(agent, [premise])
    logged_in(client, agent)

    client.post(f"/agreements/invitations/{invitation.number}/cancel/")

    invitation.refresh_from_db()
    assert invitation.status == AgreementInvitation.Status.CANCELLED


def test_another_third_party_gets_404_on_an_invitation(client, invite, agent, premise):
    invitation = invite(agent, [premise])
    logged_in(client, third_party_user(ThirdPartyFactory()))

    assert client.get(f"/agreements/invitations/{invitation.number}/").status_code == 404
    assert client.post(f"/agreements/invitations/{invitation.number}/resend/").status_code == 404


def test_invitation_list_filters_and_exports_only_its_own(client, agent, third_party):
    pending = AgreementInvitationFactory(third_party=third_party)
    AgreementInvitationFactory(third_party=third_party, status="rejected")
    foreign = AgreementInvitationFactory()
    logged_in(client, agent)

    page = client.get("/agreements/invitations/?status=pending").content.decode()
    export = client.get("/agreements/invitations/export.csv?status=pending")

    assert pending.number in page and foreign.number not in page
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:3] == ["number", "type", "status"]
    assert [row[0] for row in rows[1:]] == [pending.number]


def test_agreement_list_filters_by_esiid_and_exports_csv(client, agent, third_party):
    mine = agreement_at(third_party=third_party)
    other_of_mine = agreement_at(third_party=third_party)
    foreign = agreement_at()
    esiid = mine.premises.get().esiid
    logged_in(client, agent)

    page = client.get(f"/agreements/?esiid={esiid}").content.decode()
    export = client.get("/agreements/export.csv")

    assert mine.number in page and other_of_mine.number not in page
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert {row["number"] for row in rows} == {mine.number, other_of_mine.number}
    assert foreign.number not in {row["number"] for row in rows}
    assert export["Content-Type"].startswith("text/csv")


def test_third_party_detail_shows_history_and_its_actions(client, invite, commit, agent, customer, premise):
    agreement = commit(services.accept_invitation, by=customer, invitation=invite(agent, [premise]))
    logged_in(client, agent)

    page = client.get(f"/agreements/{agreement.number}/").content.decode()

    assert "Invitation sent" in page and "Invitation accepted" in page and "Agreement started" in page
    assert "Terminate" in page and "Request an extension" in page
    assert "Extend</a>" not in page


def test_a_third_party_cannot_see_another_companys_agreement(client, premise, customer):
    agreement = agreement_at(premise, customer=customer)
    logged_in(client, third_party_user(ThirdPartyFactory()))

    assert client.get(f"/agreements/{agreement.number}/").status_code == 404
    assert client.post(f"/agreements/{agreement.number}/terminate/").status_code == 404


def test_customer_detail_offers_extend_terminate_and_rating(client, premise, customer):
    agreement = agreement_at(premise, customer=customer)
    logged_in(client, customer)

    page = client.get(f"/agreements/{agreement.number}/").content.decode()

    assert "Extend</a>" in page and "Terminate</a>" in page
    assert f"/third-parties/{agreement.third_party_id}/rate/" in page
    assert "Request an extension" not in page


def test_customer_detail_of_an_in_home_device_agreement_offers_no_termination(client, premise, customer):
    agreement = agreement_at(premise, customer=customer, agreement_type="in_home_device", ends_at=None)
    logged_in(client, customer)

    page = client.get(f"/agreements/{agreement.number}/").content.decode()

    assert "Terminate</a>" not in page and "Extend</a>" not in page


def test_another_customer_gets_404_on_an_agreement(client, premise, customer):
    agreement = agreement_at(premise, customer=customer)
    logged_in(client, customer_at())

    for path in ("", "terminate/", "extend/"):
        assert client.get(f"/agreements/{agreement.number}/{path}").status_code == 404


def test_customer_terminates_and_extends_from_the_pages(client, premise, customer):
    extendable = agreement_at(premise, customer=customer, months=3)
    ending = agreement_at(premise, customer=customer)
    logged_in(client, customer)

    client.post(f"/agreements/{extendable.number}/extend/", {"months": "2"})
    too_long = client.post(f"/agreements/{extendable.number}/extend/", {"months": "12"})
    client.post(f"/agreements/{ending.number}/terminate/", {"reason": "Moving on"})

    extendable.refresh_from_db()
    ending.refresh_from_db()
    assert extendable.ends_at == services.add_months(extendable.starts_at, 5)
    assert "at most 12 months" in too_long.content.decode()
    assert (ending.status, ending.end_reason) == ("terminated", "Moving on")


@pytest.mark.parametrize(
    "search",
    ["Sunny Side", "agr-", "ESIID", "METER", "MAC"],
)
def test_customer_searches_agreements(client, customer, premise, search):
    sunny = agreement_at(premise, customer=customer, third_party=ThirdPartyFactory(name="Sunny Side Solar"))
    other_premise = OccupancyFactory(customer=customer).premise
    meter = MeterFactory(premise=other_premise, meter_number="MTR-4455")
    device = InHomeDeviceFactory(premise=other_premise, mac="00:0D:6F:00:00:00:AB:CD")
    other = agreement_at(other_premise, customer=customer, agreement_type="in_home_device", device=device, ends_at=None)
    terms = {
        "Sunny Side": ("Sunny Side", sunny),
        "agr-": (sunny.number.lower(), sunny),
        "ESIID": (other_premise.esiid, other),
        "METER": (meter.meter_number, other),
        "MAC": ("000d6f000000abcd", other),
    }
    term, expected = terms[search]
    logged_in(client, customer)

    page = client.get(f"/agreements/?q={quote(term)}").content.decode()

    found = set(re.findall(r"AGR-\d{6}", page))
    assert found == {expected.number}


def test_customer_sees_pending_invitations_and_answers_an_extension(client, agent, customer, premise):
    invitation = AgreementInvitationFactory(customer=customer, premises=[premise], third_party=agent.third_party)
    agreement = agreement_at(premise, customer=customer, third_party=agent.third_party, months=3)
    extension_request = services.request_extension(by=agent, agreement=agreement, months=2)
    logged_in(client, customer)

    listing = client.get("/agreements/").content.decode()
    client.post(f"/agreements/extension-requests/{extension_request.pk}/", {"answer": "accept"})

    assert invitation.number in listing and f"/agreements/extension-requests/{extension_request.pk}/" in listing
    agreement.refresh_from_db()
    assert agreement.ends_at == services.add_months(agreement.starts_at, 5)


def test_the_accept_link_offers_login_and_register_that_come_back(client, invite, agent, premise, rated):
    invitation = invite(agent, [premise])
    link = f"/agreements/invite/{invitation.token}/"

    page = client.get(link).content.decode()

    back = quote(link, safe="")
    assert f'href="/login/?next={back}"' in page
    assert f'href="/register/?next={back}"' in page
    assert "Bright Energy" in page and premise.esiid in page and "4.5 out of 5" in page


def test_a_customer_without_an_account_registers_and_lands_back_to_accept(
    client, invite, agent, third_party, django_capture_on_commit_callbacks
):
    occupancy = OccupancyFactory(authorization_code=AUTH_CODE, customer__password=None)
    customer = occupancy.customer
    assert not customer.has_usable_password()
    invitation = invite(agent, [occupancy.premise])
    link = f"/agreements/invite/{invitation.token}/"
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/register/?next={quote(link)}",
            {"full_name": "Pat", "email": customer.email, "password1": PASSWORD, "password2": PASSWORD, "next": link},
        )
    activation = re.search(r"/activate/[^/\s]+/", mail.outbox[-1].body).group(0)
    landed = client.post(activation)
    assert landed["Location"] == link
    confirmation = client.get(link).content.decode()
    accepted = client.post(link)

    assert "By accepting" in confirmation
    agreement = Agreement.objects.get(invitation=invitation)
    assert accepted["Location"] == f"/agreements/accepted/{agreement.number}/"
    final = client.get(accepted["Location"]).content.decode()
    assert "Agreement accepted" in final and agreement.number in final


def test_the_accept_page_tells_another_logged_in_user_it_is_not_theirs(client, invite, agent, premise):
    invitation = invite(agent, [premise])
    logged_in(client, customer_at())

    response = client.post(f"/agreements/invite/{invitation.token}/")

    assert response.status_code == 403
    assert not Agreement.objects.exists()


def test_accepting_an_expired_invitation_shows_why(client, invite, agent, customer, premise):
    invitation = invite(agent, [premise])
    AgreementInvitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    logged_in(client, customer)

    page = client.post(f"/agreements/invite/{invitation.token}/").content.decode()

    assert "has expired" in page
    assert not Agreement.objects.exists()


def test_reject_from_the_email_link_without_login(client, invite, agent, premise, django_capture_on_commit_callbacks):
    invitation = invite(agent, [premise])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/agreements/invite/{invitation.token}/reject/", {"reason": "Too pushy"})

    assert "Invitation rejected" in response.content.decode()
    invitation.refresh_from_db()
    assert (invitation.status, invitation.rejection_reason) == ("rejected", "Too pushy")
    assert len(mail.outbox) == 2


def test_an_unknown_token_is_404(client):
    assert client.get("/agreements/invite/not-a-token/").status_code == 404
    assert client.post("/agreements/invite/not-a-token/reject/").status_code == 404


def test_third_party_requests_and_resends_an_extension_from_the_pages(client, agent, customer, premise):
    agreement = agreement_at(premise, customer=customer, third_party=agent.third_party, months=3)
    logged_in(client, agent)

    client.post(f"/agreements/{agreement.number}/request-extension/", {"months": "2"})
    request = agreement.extension_requests.get()
    page = client.get(f"/agreements/{agreement.number}/").content.decode()
    client.post(f"/agreements/extension-requests/{request.pk}/resend/")
    after = client.get(f"/agreements/{agreement.number}/").content.decode()

    assert "Resend the extension request" in page
    assert "Resend the extension request" not in after
    request.refresh_from_db()
    assert request.resent_at is not None


def test_list_pages_keep_their_query_count_bounded(client, agent, third_party, django_assert_max_num_queries):
    for _ in range(15):
        agreement_at(third_party=third_party)
    logged_in(client, agent)

    with django_assert_max_num_queries(12):
        assert client.get("/agreements/").status_code == 200
