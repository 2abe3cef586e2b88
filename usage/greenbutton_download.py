"""Green Button Download My Data: a customer's own file of one premise for a chosen period, only for
the time they lived there (`agreements.access.customer_windows`)."""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from agreements import access
from portal.errors import DomainError

from .greenbutton import Hrefs, Point, feed


class DownloadRefused(DomainError):
    pass


MAX_DOWNLOAD_DAYS = 400  # a little over 13 months, what Green Button downloads usually offer


def customer_download(*, customer, premise, first_day: date, last_day: date, base: str) -> tuple[str, Iterator[str]]:
    """A customer's own Green Button file of `premise` from `first_day` to `last_day` (local days,
    inclusive): (file name, text chunks). Only the time they lived there (the access gate)."""
    if last_day < first_day:
        raise DownloadRefused("invalid_period", "The last day must not be before the first.", fields={"end_date": []})
    if (last_day - first_day).days + 1 > MAX_DOWNLOAD_DAYS:
        message = f"At most {MAX_DOWNLOAD_DAYS} days at a time."
        raise DownloadRefused("period_too_long", message, fields={"end_date": [message]})
    zone = ZoneInfo(premise.time_zone)
    start = datetime.combine(first_day, time(), tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=zone)
    windows = access.customer_windows(customer=customer, premises=[premise], start=start, end=end).get(premise.pk)
    if not windows:
        message = "You did not live at this premise during that period."
        raise DownloadRefused("not_occupant", message, fields={"start_date": [message]})
    point = Point(premise.pk, premise.esiid, premise.time_zone, premise.service_address, windows, windows)
    hrefs = Hrefs(base, f"RetailCustomer/{customer.pk}")
    name = f"GreenButton_{premise.esiid}_{first_day:%Y%m%d}-{last_day:%Y%m%d}.xml"
    chunks = feed(
        hrefs=hrefs,
        points=[point],
        self_href=hrefs.usage_point(premise.esiid),
        title=f"Green Button data for {premise.service_address}",
        updated=timezone.now(),
    )
    return name, chunks
