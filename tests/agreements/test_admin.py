"""Admin: agreements and invitations searchable by number, ESIID, e-mail and company; read-only
rows with their events; actions "terminate" and "expire now" that go through the services."""

import pytest

from agreements.models import Agreement, AgreementEvent, AgreementInvitation
from tests.factories import AgreementInvitationFactory, StaffFactory, ThirdPartyFactory, agreement_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def test_agreements_are_searchable_by_number_esiid_email_and_company(staff_client, premise, customer):
    agreement = agreement_at(premise, customer=customer, third_party=ThirdPartyFactory(name="Zeta Power"))
    other = agreement_at()

    for term in (agreement.number, premise.esiid, customer.email, "Zeta"):
        page = staff_client.get("/admin/agreements/agreement/", {"q": term}).content.decode()
        assert agreement.number in page, term
        assert other.number not in page, term


def test_invitations_are_searchable_by_esiid_and_email(staff_client, premise, customer):
    invitation = AgreementInvitationFactory(customer=customer, premises=[premise], customer_email="given@example.test")
    other = AgreementInvitationFactory()

    for term in (invitation.number, premise.esiid, "given@example.test"):
        page = staff_client.get("/admin/agreements/agreementinvitation/", {"q": term}).content.decode()
        assert invitation.number in page and other.number not in page, term


def test_an_agreement_page_is_read_only_and_shows_its_events(staff_client, premise, customer):
    agreement = agreement_at(premise, customer=customer)
    AgreementEvent.objects.create(agreement=agreement, action="agreement_created", at=agreement.starts_at, detail="X1")

    page = staff_client.get(f"/admin/agreements/agreement/{agreement.pk}/change/")
    staff_client.post(f"/admin/agreements/agreement/{agreement.pk}/change/", {"status": "terminated"})

    assert page.status_code == 200
    assert "Agreement started" in page.content.decode() and "X1" in page.content.decode()
    assert 'name="status"' not in page.content.decode()
    agreement.refresh_from_db()
    assert agreement.is_active
    assert staff_client.get("/admin/agreements/agreement/add/").status_code == 403


def test_the_terminate_action_terminates_through_the_service(staff_client, premise, customer):
    agreement = agreement_at(premise, customer=customer)

    response = staff_client.post(
        "/admin/agreements/agreement/",
        {"action": "terminate", "_selected_action": [agreement.pk]},
        follow=True,
    )

    agreement.refresh_from_db()
    assert (agreement.status, agreement.ended_by_role) == (Agreement.Status.TERMINATED, "utility")
    assert AgreementEvent.objects.filter(agreement=agreement, action="agreement_terminated").exists()
    assert "1 agreement(s) terminated" in response.content.decode()


def test_the_expire_now_actions(staff_client, premise, customer):
    agreement = agreement_at(premise, customer=customer)
    invitation = AgreementInvitationFactory()
    answered = AgreementInvitationFactory(status="rejected")

    staff_client.post("/admin/agreements/agreement/", {"action": "expire_now", "_selected_action": [agreement.pk]})
    response = staff_client.post(
        "/admin/agreements/agreementinvitation/",
        {"action": "expire_now", "_selected_action": [invitation.pk, answered.pk]},
        follow=True,
    )

    agreement.refresh_from_db()
    invitation.refresh_from_db()
    answered.refresh_from_db()
    assert agreement.status == Agreement.Status.EXPIRED
    assert invitation.status == AgreementInvitation.Status.EXPIRED
    assert answered.status == AgreementInvitation.Status.REJECTED
    assert "Only a pending invitation can expire." in response.content.decode()


def test_non_staff_cannot_open_the_admin(client, customer):
    client.force_login(customer)

    assert client.get("/admin/agreements/agreement/").status_code == 302
