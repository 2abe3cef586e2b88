"""Fixtures of the agreement tests: a customer at home, a third party and its user."""

import pytest

from agreements import services
from tests.factories import OccupancyFactory, ThirdPartyFactory, ThirdPartyRatingFactory, third_party_user

AUTH_CODE = "AUTH-7788"


@pytest.fixture
def occupancy(db):
    return OccupancyFactory(authorization_code=AUTH_CODE, customer__email="pat@example.test")


@pytest.fixture
def customer(occupancy):
    return occupancy.customer


@pytest.fixture
def premise(occupancy):
    return occupancy.premise


@pytest.fixture
def third_party(db):
    return ThirdPartyFactory(
        name="Bright Energy",
        website="https://bright.example.test",
        privacy_policy_url="https://bright.example.test/privacy",
        privacy_seal_attested=True,
        contact_email="ops@bright.example.test",
    )


@pytest.fixture
def agent(third_party):
    return third_party_user(third_party)


@pytest.fixture
def rated(third_party):
    ThirdPartyRatingFactory(third_party=third_party, stars=4)
    ThirdPartyRatingFactory(third_party=third_party, stars=5)
    return third_party


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a service as its own committed transaction, so that its on-commit work (e-mails
    through the Celery task) happens as in production."""

    def run(service, /, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


@pytest.fixture
def invite(commit):
    """Create an invitation through the service: continuous Energy Data for 6 months by default."""

    def create(agent, premises, **overrides):
        fields = {
            "agreement_type": "energy_data",
            "esiids": [premise.esiid for premise in premises],
            "authorization_code": AUTH_CODE,
            "duration_kind": "continuous",
            "months": 6,
            **overrides,
        }
        return commit(services.create_invitation, by=agent, **fields)

    return create
