"""Monthly (billing-cycle) register reads, one line per premise and cycle:

    ESIID,START_DATE,END_DATE,REVISION_DATE,ACTUAL_KWH,METERED_KW,BILLED_KW,METERED_KVA,BILLED_KVA
    '10443720000000001,03/15/2025,04/14/2025,04/15/2025 08:02:11,1187.000,5.210,5.210,5.480,5.480

Smart Meter Texas names (`startDate`, `endDate`, `revisionDate`, `actualkWh`, `meteredKW`,
`billedKW`, `meteredKVA`, `billedKVA`) are accepted too. Demand columns may be blank or absent.
"""

from .common import LineError, parse_decimal
from .registers import REVISION_NAMES, RegisterParser

DEMAND_COLUMNS = ("metered_kw", "billed_kw", "metered_kva", "billed_kva")


class MonthlyRegisterParser(RegisterParser):
    name = "monthly_csv"
    kind = "monthly"
    label = "monthly billing-cycle CSV"
    columns = {
        "esiid": {"esiid"},
        "start_date": {"startdate"},
        "end_date": {"enddate"},
        "revision": REVISION_NAMES,
        "actual_kwh": {"actualkwh", "usagekwh"},
        "metered_kw": {"meteredkw"},
        "billed_kw": {"billedkw"},
        "metered_kva": {"meteredkva"},
        "billed_kva": {"billedkva"},
    }
    required = ("esiid", "start_date", "end_date", "actual_kwh")

    def row(self, values: dict[str, str], number: int) -> tuple:
        premise_id, clock = self.premise(values)
        start_date = self.day(values, "start_date", clock)
        end_date = self.day(values, "end_date", clock)
        if end_date < start_date:
            raise LineError(f"END_DATE {end_date:%m/%d/%Y} is before START_DATE {start_date:%m/%d/%Y}")
        actual = parse_decimal(values["actual_kwh"], "ACTUAL_KWH", max_digits=12)
        demand = [
            parse_decimal(values.get(column, ""), column.upper(), max_digits=12, required=False)
            for column in DEMAND_COLUMNS
        ]
        return (premise_id, start_date, end_date, self.revision(values, clock), actual, *demand, number)
