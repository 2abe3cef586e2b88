"""Tariff delta files (seed 000, "File Exchange"): CSV lines that insert, update or end tariffs.

The format (UTF-8, comma-separated, first line the header; columns in any order, only `action`
and `external_id` required in the header; extra columns are an error):

    action,external_id,esiid,label_partner,valid_from,valid_to,offtake_peak,offtake_off_peak,
    injection_peak,injection_off_peak,currency,tou_map,name

- `action`: `insert`, `update` or `end`. `external_id`: the supplier's tariff id, the key of every
  action. Dates are ISO (2025-07-01), local days of the premise; prices per kWh, `.` decimals.
- insert: `esiid` or `label_partner` (a code), `valid_from`, `offtake_peak` and `offtake_off_peak`
  required; injection prices default to 0, currency to USD; no `tou_map`: every hour off-peak.
  The holder's tariff in force on `valid_from` ends the day before (see usage.services.tariffs).
- update: the non-empty columns change; the holder, if given, must be the tariff's.
- end: `valid_to` required: the tariff's last day.

Every line is validated on its own, in its own savepoint: a bad line is reported with its number
and reason and never stops the good ones. Loading a file twice changes nothing: an insert whose external id
exists with the same holder and first day (later lines may have changed its prices or end since; a
replayed insert keeps them), an update or end that changes nothing, count as unchanged.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from meters.models import Premise
from portal.models import LabelPartner

from .models import Tariff, TouMap
from .services import UsageError
from .services import tariffs as tariff_services

COLUMNS = (
    "action",
    "external_id",
    "esiid",
    "label_partner",
    "valid_from",
    "valid_to",
    "offtake_peak",
    "offtake_off_peak",
    "injection_peak",
    "injection_off_peak",
    "currency",
    "tou_map",
    "name",
)
HEADER = ",".join(COLUMNS)
ACTIONS = ("insert", "update", "end")
RELATIONS = ("premise", "label_partner", "tou_map")
MAX_REPORTED_REJECTIONS = 1_000


class LineRejected(Exception):
    pass


@dataclass
class DeltaResult:
    name: str
    lines: int = 0
    inserted: int = 0
    updated: int = 0
    ended: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REPORTED_REJECTIONS:
            self.rejections.append((line, reason))

    def as_dict(self) -> dict:
        counts = ("lines", "inserted", "updated", "ended", "unchanged", "rejected")
        return {
            "file": self.name,
            **{name: getattr(self, name) for name in counts},
            "rejections": [{"line": line, "reason": reason} for line, reason in self.rejections],
        }

    def report(self) -> str:
        lines = [f"file: {self.name}"]
        lines += [f"{name}: {getattr(self, name)}" for name in ("lines", "inserted", "updated", "ended", "unchanged")]
        lines.append(f"rejected: {self.rejected}")
        lines += [f"  line {line}: {reason}" for line, reason in self.rejections]
        return "\n".join(lines) + "\n"


def import_tariff_file(*, path: str | Path) -> DeltaResult:
    path = Path(path)
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as stream:
        return import_tariff_stream(stream=stream, name=path.name)


def import_tariff_stream(*, stream: Iterable[str], name: str) -> DeltaResult:
    """Apply a delta file line by line. Raises UsageError when the header is not the format's."""
    reader = csv.reader(stream)
    header = [column.strip().lower() for column in next(reader, [])]
    _check_header(header)
    result = DeltaResult(name=name)
    applier = _Applier()
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        result.lines += 1
        line = reader.line_num
        if len(row) != len(header):
            result.reject(line, f"{len(row)} columns where the header has {len(header)}.")
            continue
        try:
            with transaction.atomic():
                outcome = applier.apply(dict(zip(header, (cell.strip() for cell in row), strict=True)))
        except LineRejected as error:
            result.reject(line, str(error))
            continue
        except UsageError as error:
            result.reject(line, error.message)
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _check_header(header: list[str]) -> None:
    if not header or header == [""]:
        raise UsageError("empty_file", "The file is empty.")
    unknown = [column for column in header if column not in COLUMNS]
    missing = [column for column in ("action", "external_id") if column not in header]
    duplicated = {column for column in header if header.count(column) > 1}
    if unknown or missing or duplicated:
        problems = [f"unknown columns {unknown}"] if unknown else []
        problems += [f"missing columns {missing}"] if missing else []
        problems += [f"repeated columns {sorted(duplicated)}"] if duplicated else []
        raise UsageError("bad_header", f"Not a tariff delta header ({'; '.join(problems)}); expected {HEADER}.")


class _Applier:
    """Applies one line; remembers premises, label partners and TOU maps looked up by this file."""

    def __init__(self):
        self._premises: dict[str, Premise | None] = {}
        self._partners: dict[str, LabelPartner | None] = {}
        self._maps: dict[str, TouMap | None] = {}

    def apply(self, row: dict) -> str:
        action, external_id = row.get("action", "").lower(), row.get("external_id", "")
        if action not in ACTIONS:
            raise LineRejected(f"Unknown action {row.get('action', '')!r}: use insert, update or end.")
        if not external_id:
            raise LineRejected("external_id is required.")
        existing = Tariff.objects.filter(external_id=external_id).first()
        if action == "insert":
            return self._insert(row, existing)
        if existing is None:
            raise LineRejected(f"No tariff has the external id {external_id!r}.")
        if action == "end":
            if not row.get("valid_to"):
                raise LineRejected("valid_to is required to end a tariff.")
            return self._change(existing, {"valid_to": _date(row, "valid_to")}, outcome="ended")
        self._check_holder(row, existing)
        return self._change(existing, self._fields(row), outcome="updated")

    def _insert(self, row: dict, existing: Tariff | None) -> str:
        holder = self._holder(row)
        fields = self._fields(row)
        for required in ("valid_from", "offtake_peak", "offtake_off_peak"):
            if required not in fields:
                raise LineRejected(f"{required} is required to insert a tariff.")
        if existing is not None:
            if self._same(existing, holder, fields):
                return "unchanged"
            raise LineRejected(
                f"A tariff with the external id {row['external_id']!r} exists for another holder or first day; "
                "use update."
            )
        tariff_services.create_tariff(source=Tariff.Source.FILE, external_id=row["external_id"], **holder, **fields)
        return "inserted"

    def _change(self, tariff: Tariff, fields: dict, *, outcome: str) -> str:
        if not fields:
            raise LineRejected("Nothing to change: every value column is empty.")
        if not any(_differs(tariff, name, value) for name, value in fields.items()):
            return "unchanged"
        tariff_services.update_tariff(tariff=tariff, **fields)
        return outcome

    def _same(self, tariff: Tariff, holder: dict, fields: dict) -> bool:
        """An insert seen before: the same holder and first day. Its prices and last day may have
        changed since through later lines (update, end, a newer insert); replaying it keeps those."""
        wanted = {"premise": None, "label_partner": None, "valid_from": fields["valid_from"]} | holder
        return not any(_differs(tariff, name, value) for name, value in wanted.items())

    def _holder(self, row: dict) -> dict:
        esiid, code = row.get("esiid", "").lstrip("'"), row.get("label_partner", "")
        if bool(esiid) == bool(code):
            raise LineRejected("Give an esiid or a label_partner, not both and not neither.")
        if esiid:
            return {"premise": self._lookup(self._premises, Premise, "esiid", esiid, "premise with ESIID")}
        return {"label_partner": self._lookup(self._partners, LabelPartner, "code", code, "label partner")}

    def _check_holder(self, row: dict, tariff: Tariff) -> None:
        esiid, code = row.get("esiid", "").lstrip("'"), row.get("label_partner", "")
        if esiid and (tariff.premise is None or tariff.premise.esiid != esiid):
            raise LineRejected("A tariff's holder cannot change: the esiid is not this tariff's.")
        if code and (tariff.label_partner is None or tariff.label_partner.code != code):
            raise LineRejected("A tariff's holder cannot change: the label_partner is not this tariff's.")

    def _fields(self, row: dict) -> dict:
        fields = {}
        for name in ("valid_from", "valid_to"):
            if row.get(name):
                fields[name] = _date(row, name)
        for name in tariff_services.PRICE_FIELDS:
            if row.get(name):
                fields[name] = _decimal(row, name)
        if row.get("currency"):
            fields["currency"] = row["currency"].upper()
        if row.get("name"):
            fields["name"] = row["name"]
        if row.get("tou_map"):
            fields["tou_map"] = self._lookup(self._maps, TouMap, "code", row["tou_map"], "TOU map")
        return fields

    @staticmethod
    def _lookup(cache: dict, model, key: str, value: str, noun: str):
        if value not in cache:
            cache[value] = model.objects.filter(**{key: value}).first()
        if cache[value] is None:
            raise LineRejected(f"No {noun} {value!r}.")
        return cache[value]


def _differs(tariff: Tariff, name: str, value) -> bool:
    if name in RELATIONS:
        return getattr(tariff, f"{name}_id") != (value.pk if value is not None else None)
    return getattr(tariff, name) != value


def _date(row: dict, name: str) -> date:
    try:
        return date.fromisoformat(row[name])
    except ValueError:
        raise LineRejected(f"{name} {row[name]!r} is not a date like 2025-07-01.") from None


def _decimal(row: dict, name: str) -> Decimal:
    try:
        value = Decimal(row[name])
    except InvalidOperation:
        raise LineRejected(f"{name} {row[name]!r} is not a number.") from None
    if not value.is_finite():
        raise LineRejected(f"{name} {row[name]!r} is not a number.")
    return value
