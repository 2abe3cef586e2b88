"""seed_demo's tariffs: a weekday 14:00-20:00 TOU map, a tariff for each label partner (the first
with the TOU map, the second one price all day), and one customer's own energy contract, so usage
pages and the API show estimated costs."""

from datetime import time, timedelta
from decimal import Decimal

from django.utils import timezone

from meters.models import Occupancy

from .models import Tariff
from .services import tariffs

PEAK_MAP = "weekday-afternoon-peak"


def seed(world) -> None:
    tou_map = tariffs.create_tou_map(
        code=PEAK_MAP,
        name="Weekdays 14:00-20:00 peak",
        description="Monday to Friday, 2 pm to 8 pm local time, is peak; the rest is off-peak.",
        rules=[tariffs.RuleInput(period="peak", weekdays="12345", start_time=time(14), end_time=time(20))],
    )
    today = timezone.localdate()
    # From well before the demo's year of reads, so every demo day has a price.
    since = today.replace(month=1, day=1) - timedelta(days=366)
    made = []
    for number, label_partner in enumerate(world.objects.get("label_partners", []), start=1):
        with_peak = number == 1
        made.append(
            tariffs.create_tariff(
                label_partner=label_partner,
                source=Tariff.Source.API,
                external_id=f"DEMO-{label_partner.code.upper()}-STD",
                name=f"{label_partner.name} {'Time of Use' if with_peak else 'Simple Rate'}",
                currency="USD",
                offtake_peak=Decimal("0.21500") if with_peak else Decimal("0.13900"),
                offtake_off_peak=Decimal("0.09800") if with_peak else Decimal("0.13900"),
                injection_peak=Decimal("0.07500") if with_peak else Decimal("0.05000"),
                injection_off_peak=Decimal("0.03500") if with_peak else Decimal("0.05000"),
                tou_map=tou_map if with_peak else None,
                valid_from=since,
            )
        )
    occupancy = (
        Occupancy.objects.current()
        .filter(customer__email__endswith="@customers.demo.metergate.test")
        .select_related("customer", "premise")
        .order_by("customer__external_account_id")
        .first()
    )
    if occupancy is not None:
        made.append(
            tariffs.save_customer_tariff(
                by=occupancy.customer,
                premise=occupancy.premise,
                name="Green Power Saver 12",
                currency="USD",
                offtake_peak=Decimal("0.18900"),
                offtake_off_peak=Decimal("0.10900"),
                injection_peak=Decimal("0.06000"),
                injection_off_peak=Decimal("0.04000"),
                tou_map=tou_map,
                valid_from=today - timedelta(days=90),
            )
        )
    world.objects["tariffs"] = made
