"""seed_demo's consumption extracts: two extract types for the utility's downstream systems (the
MDM's 15-minute kWh, and hourly kWh by TOU period for billing), a residential load profile for
premises with daily reads only, and a completed initial load of last week for each type (files
under EXTRACTS_ROOT)."""

from datetime import time, timedelta

from django.utils import timezone

from .models import ExtractRequest, ExtractType, LoadProfile, TouMap, TouRule
from .services import extracts
from .tasks import extract_delivery

INITIAL_DAYS = 7
# A residential day: low at night, a morning bump, the evening peak (weights per quarter hour).
RESIDENTIAL_WEIGHTS = [2] * 24 + [4] * 12 + [3] * 32 + [6] * 20 + [3] * 8


def seed(world) -> None:
    profile, _ = LoadProfile.objects.get_or_create(
        code="residential", defaults={"name": "Residential", "weights": RESIDENTIAL_WEIGHTS}
    )
    tou_map = _tou_map()
    quarter_hours = ExtractType.objects.create(
        code="mdm-15min-kwh",
        name="MDM: 15-minute kWh",
        unit=ExtractType.Unit.KWH,
        interval_minutes=ExtractType.Interval.MIN_15,
        load_profile=profile,
        frequency=ExtractType.Frequency.DAILY,
        destination="mdm",
    )
    hourly_tou = ExtractType.objects.create(
        code="billing-hourly-tou",
        name="Billing: hourly kWh by TOU period",
        unit=ExtractType.Unit.KWH,
        interval_minutes=ExtractType.Interval.MIN_60,
        tou_map=tou_map,
        load_profile=profile,
        frequency=ExtractType.Frequency.DAILY,
        destination="billing",
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    for extract_type in (quarter_hours, hourly_tou):
        request = extracts.create_initial_load(
            extract_type=extract_type, first_day=yesterday - timedelta(days=INITIAL_DAYS - 1), last_day=yesterday
        )
        request = extracts.run_extract_request(request_id=request.pk, deliver=extract_delivery(extract_type))
        if request.status != ExtractRequest.Status.COMPLETE:
            world.stdout.write(f"Extract demo: {extract_type.code} failed: {request.error}\n")
    world.objects["extract_types"] = [quarter_hours, hourly_tou]


def _tou_map() -> TouMap:
    """Weekday peak 14:00-19:00 in June to September, 07:00-10:00 and 17:00-20:00 in winter."""
    tou_map, created = TouMap.objects.get_or_create(
        code="extracts-peak", defaults={"name": "Seasonal weekday peak", "default_period": "off_peak"}
    )
    if created:
        rules = [("6-9", time(14), time(19)), ("1-5,10-12", time(7), time(10)), ("1-5,10-12", time(17), time(20))]
        for position, (months, start, end) in enumerate(rules):
            TouRule.objects.create(tou_map=tou_map, position=position, period="peak", weekdays="12345",
                                   months=months, start_time=start, end_time=end)  # fmt: skip
    return tou_map
