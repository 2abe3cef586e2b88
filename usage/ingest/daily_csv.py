"""Daily register reads, one line per premise and day:

    ESIID,READ_DATE,REVISION_DATE,START_READING,END_READING,USAGE_KWH
    '10443720000000001,04/21/2025,04/22/2025 07:41:22,24002.915,24038.915,36.492

Smart Meter Texas names (`readDate`, `revisionDate`, `startReading`, `endReading`,
`energyDataKwh`) are accepted too. The day's kWh is taken as given: it may differ from end − start.
Start and end readings may be blank; the revision column may be left out (the load time is used).
"""

from .common import LineError, parse_decimal
from .registers import REVISION_NAMES, RegisterParser


class DailyRegisterParser(RegisterParser):
    name = "daily_csv"
    kind = "daily"
    label = "daily register CSV"
    columns = {
        "esiid": {"esiid"},
        "read_date": {"readdate"},
        "revision": REVISION_NAMES,
        "start_reading": {"startreading"},
        "end_reading": {"endreading"},
        "kwh": {"usagekwh", "energydatakwh", "kwh"},
    }
    required = ("esiid", "read_date", "kwh")

    def row(self, values: dict[str, str], number: int) -> tuple:
        premise_id, clock = self.premise(values)
        read_date = self.day(values, "read_date", clock)
        start = parse_decimal(values.get("start_reading", ""), "START_READING", max_digits=15, required=False)
        end = parse_decimal(values.get("end_reading", ""), "END_READING", max_digits=15, required=False)
        kwh = parse_decimal(values["kwh"], "USAGE_KWH", max_digits=12)
        if kwh is None:  # pragma: no cover - required values raise instead
            raise LineError("USAGE_KWH is empty")
        return (premise_id, read_date, self.revision(values, clock), start, end, kwh, number)
