"""The Value Formats of MeterGate's usage segments (WG3-01 §10.8), and the choices of the
`include_usage_segment_value_types` authorization-details field (§7.2.8.1) that pick which of them
a grant reads: each choice carries the Value Format object it lets into a segment's `formats`.

Every format is of a type the specification defines (`electric_usage`, `cost`), so the server
metadata's `cds_usagesegments_additional_value_types` (only for types beyond the spec's, §5) is `{}`.
"""

FIELD = "include_usage_segment_value_types"
DEFAULT_CURRENCY = "USD"


def usage_format(direction: str) -> dict:
    return {"id": f"eu_{direction}", "type": "electric_usage", "units": "kWh", "direction": direction}


def cost_format(currency: str, index: int, direction: str) -> dict:
    # `estimated`: an extension field (clients ignore unknown fields): these are reads x tariff, not a bill.
    return {"id": f"c_{direction}", "type": "cost", "currency": currency, "indexes": [index], "estimated": True}


# (choice id = the Value Format's id, name, description, the format as a segment holding every type shows it)
CHOICES = (
    ("eu_forward", "Electricity used", "Energy taken from the grid, kWh per interval.", usage_format("forward")),
    (
        "eu_reverse",
        "Electricity put back",
        "Surplus generation put back on the grid, kWh per interval (negative, as WG3-01 signs it); "
        "only in segments of periods with generation.",
        usage_format("reverse"),
    ),
    (
        "eu_net",
        "Net electricity",
        "Energy used minus energy put back, kWh per interval; only in segments of periods with generation.",
        usage_format("net"),
    ),
    (
        "c_forward",
        "Cost of electricity used",
        "The estimated cost of the energy used under the tariff in force (its currency); absent without a "
        "tariff. `indexes` names the usage it prices, or is empty when that usage is not read.",
        cost_format(DEFAULT_CURRENCY, 0, "forward"),
    ),
    (
        "c_reverse",
        "Credit for electricity put back",
        "The estimated credit for surplus generation at the tariff's injection price (negative).",
        cost_format(DEFAULT_CURRENCY, 1, "reverse"),
    ),
)
ALL = [choice[0] for choice in CHOICES]
