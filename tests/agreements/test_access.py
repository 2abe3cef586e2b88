"""Rule 10: the access gate decides every read — agreement, premise, kind, 12 months back, the
agreement's range and the consenting customer's occupancy."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from agreements import access, services
from tests.factories import AgreementFactory, OccupancyFactory, PremiseFactory, ThirdPartyFactory, agreement_at

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2025, 6, 15, 12, 0, tzinfo=ZoneInfo("UTC"))


def local(*args) -> datetime:
    return datetime(*args, tzinfo=CHICAGO)


@pytest.fixture
def agreement(premise, customer, third_party):
    """Accepted 2025-03-01 for 6 months; data from 2024-03-01; the customer moved in 2024-01-01."""
    return agreement_at(premise, customer=customer, third_party=third_party, starts_at=local(2025, 3, 1), months=6)


def ask(third_party, premise, start, end, kind="interval"):
    return access.may_read(third_party=third_party, premise=premise, kind=kind, start=start, end=end, at=NOW)


def test_reading_inside_the_agreement_is_allowed(agreement, third_party, premise):
    decision = ask(third_party, premise, local(2025, 5, 1), local(2025, 6, 1))

    assert decision.allowed and decision.code == "allowed"
    assert decision.agreement == agreement
    assert decision.window == (local(2025, 5, 1), local(2025, 6, 1))


def test_the_window_stops_at_now(agreement, third_party, premise):
    decision = ask(third_party, premise, local(2025, 6, 1), local(2025, 7, 1))

    assert decision.allowed
    assert decision.window == (local(2025, 6, 1), NOW)


def test_a_third_party_without_any_agreement_is_refused(agreement, premise):
    decision = ask(ThirdPartyFactory(), premise, local(2025, 5, 1), local(2025, 6, 1))

    assert (decision.allowed, decision.code) == (False, "no_agreement")


def test_a_third_party_reading_another_premise_than_its_agreements_is_refused(agreement, third_party):
    decision = ask(third_party, PremiseFactory(), local(2025, 5, 1), local(2025, 6, 1))

    assert (decision.allowed, decision.code) == (False, "other_premise")


def test_a_kind_the_agreement_does_not_cover_is_refused(premise, customer, third_party):
    agreement_at(premise, customer=customer, third_party=third_party, starts_at=local(2025, 6, 1), data_kinds=["daily"])

    decision = ask(third_party, premise, local(2025, 5, 1), local(2025, 6, 1), kind="interval")

    assert (decision.allowed, decision.code) == (False, "wrong_kind")
    assert ask(third_party, premise, local(2025, 5, 1), local(2025, 6, 1), kind="daily").allowed


def test_a_terminated_agreement_gives_nothing(agreement, third_party, premise, customer):
    services.terminate_agreement(by=customer, agreement=agreement)

    decision = ask(third_party, premise, local(2025, 5, 1), local(2025, 6, 1))

    assert (decision.allowed, decision.code) == (False, "agreement_ended")


def test_an_agreement_past_its_end_gives_nothing_even_before_the_sweep(agreement, third_party, premise):
    later = services.add_months(NOW, 4)

    decision = access.may_read(
        third_party=third_party, premise=premise, kind="daily", start=local(2025, 5, 1), end=local(2025, 6, 1), at=later
    )

    assert decision.code == "agreement_ended"


def test_more_than_12_months_back_is_refused(agreement, third_party, premise):
    decision = ask(third_party, premise, local(2024, 6, 1), local(2024, 7, 1))

    assert (decision.allowed, decision.code) == (False, "too_far_back")


def test_before_the_agreements_data_range_is_refused(premise, customer, third_party):
    agreement = agreement_at(premise, customer=customer, third_party=third_party, starts_at=local(2025, 3, 1))
    agreement.data_from = local(2025, 1, 1)
    agreement.save()

    decision = ask(third_party, premise, local(2024, 12, 1), local(2025, 2, 1))

    assert (decision.allowed, decision.code) == (False, "before_range")


def test_past_the_agreements_end_is_refused(premise, customer, third_party):
    agreement_at(premise, customer=customer, third_party=third_party, starts_at=local(2025, 6, 1), months=1)

    decision = ask(third_party, premise, local(2025, 6, 1), local(2025, 8, 1))

    assert (decision.allowed, decision.code) == (False, "after_range")


def test_a_new_tenant_never_exposes_the_previous_tenants_data(third_party):
    premise = PremiseFactory()
    OccupancyFactory(premise=premise, move_in=date(2023, 1, 1), move_out=date(2025, 2, 1))
    newcomer = OccupancyFactory(premise=premise, move_in=date(2025, 2, 1)).customer
    agreement_at(premise, customer=newcomer, third_party=third_party, starts_at=local(2025, 3, 1))

    before = ask(third_party, premise, local(2025, 1, 1), local(2025, 3, 1))
    after = ask(third_party, premise, local(2025, 2, 1), local(2025, 3, 1))
    windows = access.readable_windows(
        third_party=third_party, premises=[premise.pk], kind="daily", start=local(2024, 7, 1), end=NOW, at=NOW
    )

    assert (before.allowed, before.code) == (False, "before_range")
    assert after.allowed
    assert windows == {premise.pk: (local(2025, 2, 1), NOW)}


def test_a_reversed_period_is_refused(agreement, third_party, premise):
    assert ask(third_party, premise, local(2025, 6, 1), local(2025, 5, 1)).code == "invalid_period"


def test_readable_windows_answers_many_premises_in_two_queries(third_party, django_assert_num_queries):
    premises = [PremiseFactory() for _ in range(5)]
    for premise in premises[:4]:
        customer = OccupancyFactory(premise=premise, move_in=date(2020, 1, 1)).customer
        AgreementFactory(customer=customer, third_party=third_party, premises=[premise], starts_at=local(2025, 3, 1))
    terminated = premises[3].agreements.get()
    services.terminate_agreement(by=terminated.customer, agreement=terminated)

    with django_assert_num_queries(2):
        windows = access.readable_windows(
            third_party=third_party,
            premises=[premise.pk for premise in premises],
            kind="monthly",
            start=local(2020, 1, 1),
            end=local(2030, 1, 1),
            at=NOW,
        )

    assert set(windows) == {premise.pk for premise in premises[:3]}
    # At most 12 months back from now, and never past now.
    assert all(window == (services.add_months(NOW, -12), NOW) for window in windows.values())


def test_readable_windows_accepts_a_queryset_and_skips_other_kinds(third_party, premise, customer):
    agreement_at(premise, customer=customer, third_party=third_party, starts_at=local(2025, 3, 1), data_kinds=["daily"])
    queryset = type(premise).objects.filter(pk=premise.pk)

    assert (
        access.readable_windows(
            third_party=third_party, premises=queryset, kind="interval", start=local(2025, 1, 1), end=NOW, at=NOW
        )
        == {}
    )
    assert premise.pk in access.readable_windows(
        third_party=third_party, premises=queryset, kind="daily", start=local(2025, 1, 1), end=NOW, at=NOW
    )


def test_customers_read_their_premise_for_the_time_they_lived_there():
    premise = PremiseFactory()
    customer = OccupancyFactory(premise=premise, move_in=date(2024, 1, 1), move_out=date(2025, 1, 1)).customer

    inside = access.customer_may_read(
        customer=customer, premise=premise, start=local(2024, 3, 1), end=local(2024, 4, 1)
    )
    after = access.customer_may_read(
        customer=customer, premise=premise, start=local(2024, 12, 1), end=local(2025, 2, 1)
    )
    stranger = access.customer_may_read(
        customer=OccupancyFactory().customer, premise=premise, start=local(2024, 3, 1), end=local(2024, 4, 1)
    )

    assert inside.allowed
    assert (after.allowed, after.code) == (False, "not_occupant")
    assert (stranger.allowed, stranger.code) == (False, "not_occupant")


def test_customer_windows_has_one_window_per_stay():
    premise = PremiseFactory()
    customer = OccupancyFactory(premise=premise, move_in=date(2023, 1, 1), move_out=date(2023, 6, 1)).customer
    OccupancyFactory(premise=premise, move_in=date(2023, 6, 1), move_out=date(2024, 1, 1))
    OccupancyFactory(premise=premise, customer=customer, move_in=date(2024, 1, 1))

    windows = access.customer_windows(
        customer=customer, premises=[premise], start=local(2022, 1, 1), end=local(2030, 1, 1), at=NOW
    )

    assert windows == {
        premise.pk: [(local(2023, 1, 1), local(2023, 6, 1)), (local(2024, 1, 1), NOW)],
    }


def test_the_gate_asks_about_now_by_default(premise, customer, third_party):
    agreement_at(premise, customer=customer, third_party=third_party)  # accepted just now
    now = timezone.now()

    decision = access.may_read(
        third_party=third_party, premise=premise, kind="daily", start=now - timedelta(days=1), end=now
    )

    assert decision.allowed
