"""factory_boy factories for every model the tests build. Append new factories per app below."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import factory

from meters.models import HanDeviceEvent, HanMessage, InHomeDevice, Meter, Occupancy, Premise
from meters.validators import with_install_code_crc
from portal.models import LabelPartner, OAuthClient, ThirdParty, ThirdPartyMembership, ThirdPartyRating, User

PASSWORD = "correct-horse-battery"


class LabelPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabelPartner
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"brand-{n}")
    name = factory.Sequence(lambda n: f"Brand {n}")
    country = "US"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class CustomerFactory(UserFactory):
    external_account_id = factory.Sequence(lambda n: f"ACC{n:07d}")
    label_partner = factory.SubFactory(LabelPartnerFactory)


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ThirdPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThirdParty

    name = factory.Sequence(lambda n: f"Energy Co {n}")
    registration_number = factory.Sequence(lambda n: f"REG{n:06d}")
    website = "https://energy.example.test"
    privacy_policy_url = "https://energy.example.test/privacy"
    contact_email = factory.Sequence(lambda n: f"contact{n}@energy.example.test")


class ThirdPartyMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThirdPartyMembership

    user = factory.SubFactory(UserFactory)
    third_party = factory.SubFactory(ThirdPartyFactory)
    role = ThirdPartyMembership.Role.ADMIN


def third_party_user(third_party=None, role=ThirdPartyMembership.Role.ADMIN) -> User:
    """A user working for `third_party` (a new one when None)."""
    membership = ThirdPartyMembershipFactory(third_party=third_party or ThirdPartyFactory(), role=role)
    return membership.user


class ThirdPartyRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThirdPartyRating

    customer = factory.SubFactory(CustomerFactory)
    third_party = factory.SubFactory(ThirdPartyFactory)
    stars = 4


class OAuthClientFactory(factory.django.DjangoModelFactory):
    """A confidential client-credentials client; `raw_secret` keeps the secret before hashing."""

    class Meta:
        model = OAuthClient

    name = factory.Sequence(lambda n: f"Client {n}")
    client_type = OAuthClient.CLIENT_CONFIDENTIAL
    authorization_grant_type = OAuthClient.GRANT_CLIENT_CREDENTIALS
    client_secret = factory.Sequence(lambda n: f"secret-{n}-abcdefghijklmnopqrstuvwxyz")
    allowed_scopes = "provisioning"

    @factory.lazy_attribute
    def raw_secret(self):
        return self.client_secret

    @classmethod
    def _create(cls, model_class, *args, raw_secret=None, **kwargs):
        client = super()._create(model_class, *args, **kwargs)
        client.raw_secret = raw_secret
        return client


class PremiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Premise

    esiid = factory.Sequence(lambda n: f"10443720{n:09d}")
    external_id = factory.Sequence(lambda n: f"INST{n:07d}")
    service_address = factory.Sequence(lambda n: f"{100 + n} Congress Ave")
    city = "Austin"
    postal_code = "78701"
    label_partner = factory.SubFactory(LabelPartnerFactory)


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meter

    premise = factory.SubFactory(PremiseFactory)
    meter_number = factory.Sequence(lambda n: f"M{n:08d}")
    installed_on = date(2020, 1, 1)


class OccupancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occupancy

    customer = factory.SubFactory(CustomerFactory)
    premise = factory.SubFactory(PremiseFactory)
    account_number = factory.Sequence(lambda n: f"{n:010d}")
    authorization_code = factory.Sequence(lambda n: f"AUTH{n:06d}")
    move_in = date(2024, 1, 1)


class InHomeDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InHomeDevice

    premise = factory.SubFactory(PremiseFactory)
    mac = factory.Sequence(lambda n: ":".join(f"{0x000D6F0000000000 + n:016X}"[i : i + 2] for i in range(0, 16, 2)))
    install_code = factory.Sequence(lambda n: with_install_code_crc(f"{n:016X}"))
    device_type = InHomeDevice.DeviceType.IN_HOME_DISPLAY
    description = "Kitchen display"


class HanDeviceEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HanDeviceEvent

    device = factory.SubFactory(InHomeDeviceFactory)
    action = HanDeviceEvent.Action.ADD


class HanMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HanMessage

    device = factory.SubFactory(InHomeDeviceFactory)
    third_party = factory.SubFactory(ThirdPartyFactory)
    text = "Peak pricing 4-7 pm today"


def customer_at(premise=None, **occupancy_fields) -> User:
    """A customer who lives at `premise` now (a new premise when None)."""
    occupancy = OccupancyFactory(premise=premise or PremiseFactory(), **occupancy_fields)
    return occupancy.customer


# --- agreements ------------------------------------------------------------------------------


def _all_data_kinds():
    from agreements.models import DataKind

    return list(DataKind.values)


class AgreementInvitationFactory(factory.django.DjangoModelFactory):
    """A pending continuous Energy Data invitation (6 months); pass `premises=[...]`."""

    class Meta:
        model = "agreements.AgreementInvitation"
        skip_postgeneration_save = True

    third_party = factory.SubFactory(ThirdPartyFactory)
    customer = factory.SubFactory(CustomerFactory)
    agreement_type = "energy_data"
    identified_by = "email"
    duration_kind = "continuous"
    months = 6
    expires_at = factory.LazyFunction(lambda: _in_days(30))

    @factory.post_generation
    def premises(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            obj.premises.set(extracted)


class AgreementFactory(factory.django.DjangoModelFactory):
    """An active continuous Energy Data agreement started now for 6 months; pass `premises=[...]`."""

    class Meta:
        model = "agreements.Agreement"
        skip_postgeneration_save = True

    agreement_type = "energy_data"
    customer = factory.SubFactory(CustomerFactory)
    third_party = factory.SubFactory(ThirdPartyFactory)
    duration_kind = "continuous"
    months = 6
    data_kinds = factory.LazyFunction(_all_data_kinds)
    starts_at = factory.LazyFunction(lambda: _now())
    accepted_at = factory.LazyAttribute(lambda agreement: agreement.starts_at)
    ends_at = factory.LazyAttribute(lambda agreement: _add_months(agreement.starts_at, agreement.months or 6))
    data_from = factory.LazyAttribute(lambda agreement: _add_months(agreement.starts_at, -12))

    @factory.post_generation
    def premises(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            obj.premises.set(extracted)


class ExtensionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agreements.ExtensionRequest"

    agreement = factory.SubFactory(AgreementFactory)
    months = 3
    expires_at = factory.LazyFunction(lambda: _in_days(30))


def _now():
    from django.utils import timezone

    return timezone.now()


def _in_days(days: int):
    from datetime import timedelta

    return _now() + timedelta(days=days)


def _add_months(moment, months):
    from agreements.services import add_months

    return add_months(moment, months)


def agreement_at(premise=None, customer=None, third_party=None, **fields):
    """An active agreement of `customer`, who lives at `premise` (both made when None)."""
    if customer is None:
        customer = customer_at(premise)
        premise = premise or customer.occupancies.get().premise
    third_party = third_party or ThirdPartyFactory()
    return AgreementFactory(customer=customer, third_party=third_party, premises=[premise], **fields)


# --- OAuth / CDS -------------------------------------------------------------------------------


class SandboxAccountFactory(factory.django.DjangoModelFactory):
    """Marks a customer as a test account that sandbox clients may ask for consent."""

    class Meta:
        model = "portal.TestAccount"

    customer = factory.SubFactory(CustomerFactory)
    note = "Test account"


def cds_client_set(
    *, scope="cds_client_admin cds_usage cds_meters", third_party=None, site="http://testserver", **fields
):
    """A registered client set, made by the registration service itself; every secret is kept
    on the returned object (`secrets`: client_id -> secret) as a test needs to use them."""
    from portal.cds import registration
    from portal.cds.models import ClientRegistration

    submitted = {
        "client_name": "Solar Insights",
        "cds_company_name": "Solar Insights LLC",
        "cds_contact_email": "dev@solar.example.test",
        "cds_privacy_policy_url": "https://solar.example.test/privacy",
        **fields,
    }
    return registration.register(
        scope=scope,
        submitted=submitted,
        source=ClientRegistration.Source.DYNAMIC,
        site=site,
        third_party=third_party,
        reveal_all=True,
    )


# --- usage ---------------------------------------------------------------------------------------


class IntervalReadFactory(factory.django.DjangoModelFactory):
    """One 15-minute read; on PostgreSQL its month's partition is created first. For many reads use
    `usage.services.load_interval_reads`, which loads them the way files are loaded."""

    class Meta:
        model = "usage.IntervalRead"

    premise = factory.SubFactory(PremiseFactory)
    interval_start = factory.Sequence(lambda n: datetime(2025, 7, 1, 5, 0, tzinfo=UTC) + timedelta(minutes=15 * n))
    revised_at = datetime(2025, 7, 2, 12, 0, tzinfo=UTC)
    wh = 250
    series = 1  # consumption

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from usage import partitions

        partitions.ensure_partitions([partitions.month_start(kwargs["interval_start"].astimezone(UTC))])
        return super()._create(model_class, *args, **kwargs)


class DailyReadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "usage.DailyRead"

    premise = factory.SubFactory(PremiseFactory)
    read_date = factory.Sequence(lambda n: date(2025, 7, 1) + timedelta(days=n))
    revised_at = datetime(2025, 7, 2, 12, 0, tzinfo=UTC)
    kwh = Decimal("24.000")


class MonthlyReadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "usage.MonthlyRead"

    premise = factory.SubFactory(PremiseFactory)
    start_date = date(2025, 6, 15)
    end_date = date(2025, 7, 14)
    revised_at = datetime(2025, 7, 15, 12, 0, tzinfo=UTC)
    actual_kwh = Decimal("720.000")
