"""deliveryMode API with reportFormat CSV or XML: the answer is the report files' own layout, every
ESIID asked in one document. CSV: the Texas layouts of `reports.formats` (one header, then each
ESIID's rows); XML: one Green Button feed (`usage.greenbutton`) with a usage point per ESIID.

CSV intervals follow `readingType`; a Green Button feed holds each series as its own MeterReading,
so XML carries both. `version` A (every revision) is answered in JSON only: these layouts hold one
value per interval."""

import io

from django.utils import timezone

from agreements.models import DataKind
from usage import greenbutton, selectors

from .. import formats
from ..models import ReportFormat
from .services import SERIES_OF, Readable, SmtError, log_read, no_data

CONTENT_TYPES = {"CSV": "text/csv; charset=utf-8", "XML": "application/atom+xml; charset=utf-8"}
FEED_OWNER = "Batch/Bulk/smt-v2"  # the feed's hrefs: like report files, tied to no Connect My Data grant


def check_file_request(*, kind: str, report_format: str, version: str) -> None:
    """Refuse, before any data is read, what the file layouts cannot hold."""
    if report_format == "XML" and (problem := formats.unsupported(kind, ReportFormat.GREEN_BUTTON)):
        raise SmtError("400", problem)
    if version == "A" and kind == DataKind.INTERVAL:
        raise SmtError("400", "version A (every revision) is answered in JSON; CSV and XML hold the latest values.")


def file_answer(
    *, third_party, readable: list[Readable], kind: str, report_format: str, reading_type: str, reference: str
) -> tuple[bytes, str]:
    """(body, content type) of the answer; each ESIID's read is logged."""
    if report_format == "XML":
        body, counts = _green_button(readable, kind)
    else:
        body, counts = _texas_csv(readable, kind, reading_type)
    for item, rows in zip(readable, counts, strict=True):
        log_read(third_party, item, kind, rows, reference)
    if not any(counts):
        raise no_data()
    return body, CONTENT_TYPES[report_format]


def _export(item: Readable, kind: str, format: str) -> formats.Export:
    premise = item.premise
    return formats.Export(premise.pk, premise.esiid, premise.time_zone, kind, format, [item.window])


def _texas_csv(readable: list[Readable], kind: str, reading_type: str) -> tuple[bytes, list[int]]:
    out, counts = io.BytesIO(), []
    wanted = SERIES_OF[reading_type]
    for index, item in enumerate(readable):
        export = _export(item, kind, ReportFormat.TEXAS_CSV)
        sink = out.write if index == 0 else _AfterFirstLine(out.write)
        if kind == DataKind.INTERVAL:
            rows = selectors.interval_rows(premise_id=export.premise_id, windows=export.windows)
            counts.append(formats.TexasIntervalWriter(export, sink).write(row for row in rows if row[1] in wanted))
        else:
            counts.append(formats.write_export(export, sink))
    return out.getvalue(), counts


class _AfterFirstLine:
    """Passes on what follows the first line: the header is written once for the whole answer."""

    def __init__(self, write):
        self.write, self.header_done = write, False

    def __call__(self, data: bytes) -> None:
        if not self.header_done:
            _header, newline, data = data.partition(b"\n")
            if not newline:
                return
            self.header_done = True
        if data:
            self.write(data)


def _green_button(readable: list[Readable], kind: str) -> tuple[bytes, list[int]]:
    updated = timezone.now()
    hrefs = formats.green_button_hrefs(FEED_OWNER)
    chunks = [greenbutton.feed_head(self_href=hrefs.usage_points, title="Green Button usage", updated=updated).encode()]
    counts = []
    for item in readable:
        point = formats.green_button_point(_export(item, kind, ReportFormat.GREEN_BUTTON))
        entries = "".join(greenbutton.point_entries(hrefs, point, updated=updated)).encode()
        counts.append(formats.green_button_readings(entries))
        chunks.append(entries)
    chunks.append(greenbutton.FEED_TAIL.encode())
    return b"".join(chunks), counts
