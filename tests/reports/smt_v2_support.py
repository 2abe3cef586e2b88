"""A third party set up for the Smart Meter Texas v2 API: its Service ID and DUNS, an API user
with a password, and a customer's premise under an agreement with reads of recent days."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from portal.models import ThirdParty, ThirdPartyMembership, User
from reports.models import SmtApiSettings, SmtApiUser
from tests.factories import (
    PASSWORD,
    AgreementFactory,
    DailyReadFactory,
    MonthlyReadFactory,
    ThirdPartyFactory,
    third_party_user,
)
from tests.usage.smt_support import Home, home, load_day


@dataclass
class Company:
    third_party: ThirdParty
    api_user: User
    service_id: str
    duns: str

    def ids(self, **fields) -> dict:
        return {
            "trans_id": "T-1",
            "requestorID": self.service_id,
            "requesterType": "CSP",
            "requesterAuthenticationID": self.duns,
            "SMTTermsandConditions": "Y",
            **fields,
        }


def company(number: int = 1, networks: str = "") -> Company:
    third_party = ThirdPartyFactory()
    service_id, duns = f"SVC{number:05d}", f"{number:09d}"
    SmtApiSettings.objects.create(third_party=third_party, service_id=service_id, duns=duns, allowed_networks=networks)
    user = third_party_user(third_party, role=ThirdPartyMembership.Role.AGENT)
    SmtApiUser.objects.create(user=user, third_party=third_party)
    return Company(third_party, user, service_id, duns)


def recent_day(days_back: int = 5) -> date:
    return timezone.localdate() - timedelta(days=days_back)


def shared_home(who: Company, *, with_reads: bool = True, **agreement_fields) -> Home:
    """A customer's premise under an agreement with `who`, with a day of 15-minute reads, a daily
    read and a billing cycle when `with_reads`."""
    place = home()
    AgreementFactory(customer=place.customer, third_party=who.third_party, premises=[place.premise], **agreement_fields)
    if with_reads:
        day = recent_day()
        load_day(place.premise, day, estimated_every=10)
        DailyReadFactory(
            premise=place.premise,
            read_date=day,
            start_reading=Decimal("24002.915"),
            end_reading=Decimal("24038.915"),
            kwh=Decimal("36.492"),
        )
        MonthlyReadFactory(premise=place.premise, start_date=day, end_date=day + timedelta(days=29))
    return place


__all__ = ["PASSWORD", "Company", "company", "recent_day", "shared_home"]
