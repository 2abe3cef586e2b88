import io

import pytest
from django.core.management import call_command

from agreements.models import Agreement, AgreementInvitation
from meters.models import InHomeDevice, Meter, Occupancy, Premise
from portal.models import LabelPartner, ThirdParty, User

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_builds_a_believable_world_and_prints_logins():
    output = _seed()
    assert LabelPartner.objects.count() == 2
    assert ThirdParty.objects.count() == 3
    customers = User.objects.filter(external_account_id__isnull=False)
    assert customers.count() >= 50
    assert Premise.objects.count() >= 50 and Meter.objects.count() >= Premise.objects.count()
    assert Occupancy.objects.filter(move_out__isnull=False).count() >= 3
    assert set(InHomeDevice.objects.values_list("status", flat=True)) == set(InHomeDevice.Status.values)
    assert set(AgreementInvitation.objects.values_list("status", flat=True)) == set(AgreementInvitation.Status.values)
    assert set(Agreement.objects.values_list("status", flat=True)) == set(Agreement.Status.values)
    assert "admin@demo.metergate.test" in output
    assert "admin@brightside.demo.metergate.test" in output
    first_customer = customers.order_by("external_account_id").first()
    assert first_customer.email in output
    assert first_customer.check_password("metergate-demo")


def test_seed_demo_twice_changes_nothing():
    _seed()
    counts = (User.objects.count(), Premise.objects.count())
    assert "already there" in _seed()
    assert (User.objects.count(), Premise.objects.count()) == counts
