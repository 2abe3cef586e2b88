"""Green Button (NAESB REQ.21 ESPI) XML: the Atom feed of Download My Data files, Green Button
report files and the Connect My Data resources (reference/green-button.md).

Written as a stream of text chunks (an IntervalBlock per local day and series at a time), so memory
stays flat whatever the period. Values are the stored watt-hours (`IntervalRead.wh`), integers with
no rounding: a day's readings add up to the day's total of the CSV exports. ESPI times are epoch
seconds (UTC); Atom dates are UTC xsd:dateTime. Entry ids are UUID v5 of their self href (the
Green Button Alliance checks ids are v3/v5 and unique).

Hrefs: `Hrefs(base, owner)` places a feed's usage points under `{base}/{owner}`: a grant's
`Subscription/{agreement}` (Connect My Data), `RetailCustomer/{id}` (Download My Data) or a
report's `Batch/Bulk/{reference}`. ReadingType and LocalTimeParameters are shared resources under
`{base}` itself.
"""

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from . import selectors
from .espi_time import local_time_parameters
from .models import MonthlyRead, Series, kwh_to_wh

ATOM = "http://www.w3.org/2005/Atom"
ESPI = "http://naesb.org/espi"
QUARTER = 900
DAY = 86_400
ELECTRICITY = 0  # ServiceCategory kind
ESTIMATED = 8  # ReadingQuality: estimated
WH = 72  # uom
FLOW = {Series.CONSUMPTION: 1, Series.GENERATION: 19}  # forward (delivered), reverse (received)
READING_TITLES = {
    Series.CONSUMPTION: "Energy delivered (consumption)",
    Series.GENERATION: "Energy received (generation)",
}

Window = tuple[datetime, datetime]


def zone_id(zone_name: str) -> str:
    """A time zone as a LocalTimeParameters id: one path segment (`America.Chicago`)."""
    return zone_name.replace("/", ".")


def zone_name_of(zone_id_text: str) -> str:
    return zone_id_text.replace(".", "/")


def block_id(day: date) -> str:
    return day.isoformat()


@dataclass(frozen=True)
class Hrefs:
    base: str  # the resource endpoint: https://host/espi/1_1/resource
    owner: str  # Subscription/{id}, RetailCustomer/{id} or Batch/Bulk/{id}

    @property
    def usage_points(self) -> str:
        return f"{self.base}/{self.owner}/UsagePoint"

    def usage_point(self, esiid: str) -> str:
        return f"{self.usage_points}/{esiid}"

    def meter_readings(self, esiid: str) -> str:
        return f"{self.usage_point(esiid)}/MeterReading"

    def meter_reading(self, esiid: str, series: int) -> str:
        return f"{self.meter_readings(esiid)}/{series}"

    def interval_blocks(self, esiid: str, series: int) -> str:
        return f"{self.meter_reading(esiid, series)}/IntervalBlock"

    def interval_block(self, esiid: str, series: int, day: date) -> str:
        return f"{self.interval_blocks(esiid, series)}/{block_id(day)}"

    def usage_summaries(self, esiid: str) -> str:
        return f"{self.usage_point(esiid)}/UsageSummary"

    def usage_summary(self, esiid: str, start: date) -> str:
        return f"{self.usage_summaries(esiid)}/{start.isoformat()}"

    @property
    def reading_types(self) -> str:
        return f"{self.base}/ReadingType"

    def reading_type(self, series: int) -> str:
        return f"{self.reading_types}/{series}"

    @property
    def local_times(self) -> str:
        return f"{self.base}/LocalTimeParameters"

    def local_time(self, zone_name: str) -> str:
        return f"{self.local_times}/{zone_id(zone_name)}"


@dataclass(frozen=True)
class Point:
    """One usage point (premise) of a feed and what of it may be written: interval reads whose
    start lies in `windows`; billing-cycle summaries starting in `summary_windows`."""

    premise_id: int
    esiid: str
    time_zone: str
    title: str = ""
    windows: list[Window] = field(default_factory=list)
    summary_windows: list[Window] = field(default_factory=list)


# --- Atom ---------------------------------------------------------------------------------------


def atom_time(moment: datetime | int) -> str:
    if isinstance(moment, int):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(self_href: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self_href)}"


def entry(*, self_href: str, up: str | None, related=(), title: str = "", published, updated, content: str) -> str:
    """One Atom entry around one ESPI object (`content`, already serialised)."""
    links = [f'<link rel="self" href={quoteattr(self_href)}/>']
    if up:
        links.append(f'<link rel="up" href={quoteattr(up)}/>')
    links.extend(f'<link rel="related" href={quoteattr(href)}/>' for href in related)
    return (
        f"<entry><id>{entry_id(self_href)}</id>{''.join(links)}"
        f"<title>{escape(title)}</title><published>{atom_time(published)}</published>"
        f"<updated>{atom_time(updated)}</updated><content>{content}</content></entry>\n"
    )


def feed_head(*, self_href: str, title: str, updated: datetime) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="{ATOM}">\n<id>{entry_id(self_href)}</id>'
        f"<title>{escape(title)}</title><updated>{atom_time(updated)}</updated>"
        f'<link rel="self" href={quoteattr(self_href)}/>\n'
    )


FEED_TAIL = "</feed>\n"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def standalone(entry_text: str) -> str:
    """An entry as a document of its own (a Connect My Data member resource)."""
    return XML_DECLARATION + entry_text.replace("<entry>", f'<entry xmlns="{ATOM}">', 1)


def _espi(name: str, body: str) -> str:
    return f'<{name} xmlns="{ESPI}">{body}</{name}>' if body else f'<{name} xmlns="{ESPI}"/>'


# --- Objects ------------------------------------------------------------------------------------


def usage_point_entry(hrefs: Hrefs, point: Point, *, with_summaries: bool, updated: datetime) -> str:
    related = [hrefs.meter_readings(point.esiid)]
    if with_summaries:
        related.append(hrefs.usage_summaries(point.esiid))
    related.append(hrefs.local_time(point.time_zone))
    return entry(
        self_href=hrefs.usage_point(point.esiid),
        up=hrefs.usage_points,
        related=related,
        title=point.title or point.esiid,
        published=updated,
        updated=updated,
        content=_espi("UsagePoint", f"<ServiceCategory><kind>{ELECTRICITY}</kind></ServiceCategory>"),
    )


def local_time_entry(hrefs: Hrefs, zone_name: str, *, updated: datetime) -> str:
    end_rule, dst_offset, start_rule, tz_offset = local_time_parameters(zone_name)
    body = (
        f"<dstEndRule>{end_rule}</dstEndRule><dstOffset>{dst_offset}</dstOffset>"
        f"<dstStartRule>{start_rule}</dstStartRule><tzOffset>{tz_offset}</tzOffset>"
    )
    return entry(
        self_href=hrefs.local_time(zone_name),
        up=hrefs.local_times,
        title=zone_name,
        published=updated,
        updated=updated,
        content=_espi("LocalTimeParameters", body),
    )


def meter_reading_entry(hrefs: Hrefs, esiid: str, series: int, *, updated: datetime) -> str:
    return entry(
        self_href=hrefs.meter_reading(esiid, series),
        up=hrefs.meter_readings(esiid),
        related=[hrefs.interval_blocks(esiid, series), hrefs.reading_type(series)],
        title=READING_TITLES[Series(series)],
        published=updated,
        updated=updated,
        content=_espi("MeterReading", ""),
    )


def reading_type_entry(hrefs: Hrefs, series: int, *, updated: datetime) -> str:
    # XSD order. deltaData (4) of electricity (1) in Wh (72), 15 minutes, valid (0) unless a
    # reading says otherwise; timeAttribute 0 (ESPI 4.0 moved the interval kind elsewhere).
    body = (
        "<accumulationBehaviour>4</accumulationBehaviour><commodity>1</commodity><currency>840</currency>"
        "<dataQualifier>12</dataQualifier><defaultQuality>0</defaultQuality>"
        f"<flowDirection>{FLOW[Series(series)]}</flowDirection><intervalLength>{QUARTER}</intervalLength>"
        "<kind>12</kind><phase>769</phase><powerOfTenMultiplier>0</powerOfTenMultiplier>"
        f"<timeAttribute>0</timeAttribute><uom>{WH}</uom>"
    )
    return entry(
        self_href=hrefs.reading_type(series),
        up=hrefs.reading_types,
        title=f"Wh per 15 minutes, {'forward' if series == Series.CONSUMPTION else 'reverse'} flow",
        published=updated,
        updated=updated,
        content=_espi("ReadingType", body),
    )


@dataclass
class Block:
    """One local day's readings of one series: (start epoch, Wh, estimated, revised epoch)."""

    day: date
    series: int
    start: int  # the block's interval: the local day, cut to the readable window
    end: int
    readings: list[tuple[int, int, bool, int]]

    @property
    def updated(self) -> int:
        return max(reading[3] for reading in self.readings)


def interval_block_entry(hrefs: Hrefs, esiid: str, block: Block) -> str:
    parts = [f"<interval><duration>{block.end - block.start}</duration><start>{block.start}</start></interval>"]
    append = parts.append
    for start, wh, estimated, _revised in block.readings:
        # ReadingQuality comes before timePeriod (XSD order); actual reads take the default quality.
        quality = f"<ReadingQuality><quality>{ESTIMATED}</quality></ReadingQuality>" if estimated else ""
        append(
            f"<IntervalReading>{quality}<timePeriod><duration>{QUARTER}</duration><start>{start}</start>"
            f"</timePeriod><value>{wh}</value></IntervalReading>"
        )
    return entry(
        self_href=hrefs.interval_block(esiid, block.series, block.day),
        up=hrefs.interval_blocks(esiid, block.series),
        title=f"{block.day.isoformat()} {Series(block.series).label.lower()}",
        # Published = the start of its data, so published-min/-max select blocks by their interval.
        published=block.start,
        updated=block.updated,
        content=_espi("IntervalBlock", "".join(parts)),
    )


def usage_summary_entry(hrefs: Hrefs, esiid: str, read: MonthlyRead, zone: ZoneInfo) -> str:
    start = _midnight(read.start_date, zone)
    end = _midnight(read.end_date + timedelta(days=1), zone)  # a cycle's end date is its last day
    body = (
        f"<billingPeriod><duration>{end - start}</duration><start>{start}</start></billingPeriod>"
        "<overallConsumptionLastPeriod><powerOfTenMultiplier>0</powerOfTenMultiplier>"
        f"<uom>{WH}</uom><value>{kwh_to_wh(read.actual_kwh)}</value></overallConsumptionLastPeriod>"
        f"<statusTimeStamp>{int(read.revised_at.timestamp())}</statusTimeStamp>"
    )
    return entry(
        self_href=hrefs.usage_summary(esiid, read.start_date),
        up=hrefs.usage_summaries(esiid),
        title=f"Billing period {read.start_date.isoformat()} to {read.end_date.isoformat()}",
        published=start,
        updated=read.revised_at,
        content=_espi("UsageSummary", body),
    )


def service_status() -> str:
    return XML_DECLARATION + _espi("ServiceStatus", "<currentStatus>1</currentStatus>") + "\n"


# --- Local time ---------------------------------------------------------------------------------


def _midnight(day: date, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, time(), tzinfo=zone).timestamp())


# --- Streaming ----------------------------------------------------------------------------------


def blocks(point: Point, windows: Iterable[Window] | None = None) -> Iterator[Block]:
    """The point's IntervalBlocks, a local day at a time (consumption then generation), from the
    streamed interval rows of `windows` (the point's own by default)."""
    zone = ZoneInfo(point.time_zone)
    for window_start, window_end in point.windows if windows is None else windows:
        low, high = int(window_start.timestamp()), int(window_end.timestamp())
        day, day_start, day_end = None, 0, -1
        by_series: dict[int, list] = {}
        for epoch, series, wh, estimated, revised in selectors.interval_rows(
            premise_id=point.premise_id, windows=[(window_start, window_end)]
        ):
            if epoch >= day_end:
                yield from _day_blocks(day, max(day_start, low), min(day_end, high), by_series)
                day = datetime.fromtimestamp(epoch, zone).date()
                day_start, day_end = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
                by_series = {}
            by_series.setdefault(series, []).append((epoch, wh, estimated, revised))
        yield from _day_blocks(day, max(day_start, low), min(day_end, high), by_series)


def _day_blocks(day, start: int, end: int, by_series: dict) -> Iterator[Block]:
    for series in sorted(by_series):
        yield Block(day, series, start, end, by_series[series])


def summaries(point: Point) -> Iterator[MonthlyRead]:
    """The point's billing-cycle reads whose cycle starts on a local day of its summary windows."""
    zone = ZoneInfo(point.time_zone)
    for start, end in point.summary_windows:
        first = start.astimezone(zone).date()
        if _midnight(first, zone) < int(start.timestamp()):
            first += timedelta(days=1)
        last = (end - timedelta(microseconds=1)).astimezone(zone).date()
        if first <= last:
            yield from selectors.monthly_reads(premise_id=point.premise_id, first_day=first, last_day=last)


def point_entries(hrefs: Hrefs, point: Point, *, updated: datetime) -> Iterator[str]:
    """Every entry of one usage point: the point, its local time, its meter readings and reading
    types (generation's only once generation data appears), its blocks, then its summaries."""
    reads = list(summaries(point))  # a year holds about 13 cycles
    yield usage_point_entry(hrefs, point, with_summaries=bool(reads), updated=updated)
    yield local_time_entry(hrefs, point.time_zone, updated=updated)
    written: set[int] = set()
    for block in blocks(point):
        yield from _parents(hrefs, point.esiid, (Series.CONSUMPTION, block.series), written, updated)
        yield interval_block_entry(hrefs, point.esiid, block)
    yield from _parents(hrefs, point.esiid, (Series.CONSUMPTION,), written, updated)
    zone = ZoneInfo(point.time_zone)
    for read in reads:
        yield usage_summary_entry(hrefs, point.esiid, read, zone)


def _parents(hrefs: Hrefs, esiid: str, series_list, written: set, updated: datetime) -> Iterator[str]:
    """A series' MeterReading and ReadingType, the first time it is needed (consumption always)."""
    for series in series_list:
        if series not in written:
            written.add(series)
            yield meter_reading_entry(hrefs, esiid, series, updated=updated)
            yield reading_type_entry(hrefs, series, updated=updated)


def feed(*, hrefs: Hrefs, points: Iterable[Point], self_href: str, title: str, updated: datetime) -> Iterator[str]:
    """A whole Green Button feed, as text chunks."""
    yield feed_head(self_href=self_href, title=title, updated=updated)
    for point in points:
        yield from point_entries(hrefs, point, updated=updated)
    yield FEED_TAIL


def write_feed(chunks: Iterable[str], write: Callable[[bytes], object], *, buffer: int = 1 << 16) -> None:
    """Send `chunks` through `write` as UTF-8 bytes, in pieces of about `buffer` bytes."""
    pending, size = [], 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= buffer:
            write("".join(pending).encode())
            pending, size = [], 0
    if pending:
        write("".join(pending).encode())
