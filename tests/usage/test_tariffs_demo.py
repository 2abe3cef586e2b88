"""seed_demo's tariffs: a TOU map, label-partner tariffs and one customer's own contract that price reads."""

import io
import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.factories import LabelPartnerFactory, OccupancyFactory
from usage import tariffs_demo
from usage.models import Tariff
from usage.services.costs import tariff_timeline

pytestmark = pytest.mark.django_db


def test_demo_tariffs_price_the_demo_customers_reads():
    partners = [LabelPartnerFactory(), LabelPartnerFactory()]
    occupancy = OccupancyFactory(
        customer__email="ann@customers.demo.metergate.test", premise__label_partner=partners[0]
    )
    neighbour = OccupancyFactory(premise__label_partner=partners[1])
    world = SimpleNamespace(objects={"label_partners": partners}, rng=random.Random(1), stdout=io.StringIO())

    tariffs_demo.seed(world)

    assert Tariff.objects.filter(label_partner__isnull=False).count() == 2
    own = Tariff.objects.get(source=Tariff.Source.CUSTOMER)
    assert own.premise == occupancy.premise
    assert own.tou_map.code == tariffs_demo.PEAK_MAP
    a_weekday_afternoon = _last_weekday_at(15)
    timeline = tariff_timeline(premise=occupancy.premise)
    assert timeline.price(a_weekday_afternoon, 1)[0] == "peak"
    year_ago = a_weekday_afternoon - 365 * 86400
    assert tariff_timeline(premise=neighbour.premise).price(year_ago, 1)[0] == "off_peak"


def _last_weekday_at(hour: int) -> int:
    local = timezone.localtime(datetime.now(UTC)).replace(hour=hour, minute=0, second=0, microsecond=0)
    while local.isoweekday() > 5:
        local -= timedelta(days=1)
    local -= timedelta(days=7)
    return int(local.timestamp())
