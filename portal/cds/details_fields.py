"""The authorization-details fields of the CDS scopes (WG3-01 §3.3): preselections, includes,
durations and the Grant Admin fields, described once for the metadata, the consent form and the
token endpoint's checks. The scope catalogue (`scopes`) says which scope offers which."""

from dataclasses import dataclass

from . import value_types

# Values every preselection list may hold besides real numbers (WG3-01 §3.3).
ALL = "_all"
INCLUDE_FUTURE = "_include_future"

# The longest a consent may last and the furthest back its data may reach (DESIGN: 12 months).
MAX_TERM = "P12M"
MAX_HISTORY = "P12M"


@dataclass(frozen=True)
class DetailsField:
    """An authorization-details field (WG1-02 §3.8); `applies` narrows it to some scope types."""

    id: str
    name: str
    description: str
    format: str
    default: object = None
    required: bool = False
    maximum: object = None
    minimum: object = None
    choices: tuple = ()
    applies: tuple = ()

    def describe(self, scope_id: str, documentation: str) -> dict:
        described = {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "documentation": f"{documentation}#field-{self.id}",
            "for_types": [scope_id],
            "format": self.format,
            "is_required": self.required,
        }
        if not self.required:
            described["default"] = self.default
        if self.maximum is not None:
            described["maximum"] = self.maximum
            described["minimum"] = self.minimum
        if self.choices:
            described["choices"] = [
                {
                    "id": key,
                    "name": name,
                    "description": text,
                    "documentation": f"{documentation}#choice-{key}",
                    # WG3-01 §5.2: the value-type choices carry the Value Format they add to usage segments.
                    **({"usagesegment_format": extra[0]} if extra else {}),
                }
                for key, name, text, *extra in self.choices
            ]
        return described


def _preselection(field_id: str, noun: str) -> DetailsField:
    return DetailsField(
        field_id,
        f"Preselected {noun}",
        f"Only these {noun} are offered to the customer; `{ALL}` offers all of them and "
        f"`{INCLUDE_FUTURE}` also covers ones the customer moves into later. Null: no preselection.",
        "string_list_or_null",
        maximum=20000,
        minimum=0,
    )


# Fields every customer-consent scope accepts (WG3-01 §3.2: each consent scope requires them).
CONSENT_FIELDS = (
    DetailsField(
        "expires",
        "Grant expiry",
        f"When the grant ends: an absolute datetime or a duration from approval, at most {MAX_TERM}.",
        "relative_or_absolute_datetime",
        default=MAX_TERM,
        maximum=MAX_TERM,
        minimum="PT1H",
    ),
    DetailsField(
        "sync_until",
        "Data updates until",
        "Data stops being updated after this time. MeterGate ends all access at `expires`, so this may "
        "not be later than `expires`.",
        "relative_or_absolute_datetime",
        default="infinite",
        maximum=MAX_TERM,
        minimum="P0D",
    ),
    DetailsField(
        "authorization_form_selection_type",
        "Selection on the consent form",
        "How the customer picks what to share on the consent form.",
        "choice",
        default="list",
        choices=(("list", "List", "The customer ticks service points in a list of their own."),),
    ),
    DetailsField(
        "merge_selection_with",
        "Merge the selection with",
        "Other scopes of this request whose selection is shared with this one; both must name each other. "
        "MeterGate always shows one selection per consent form.",
        "string_list_or_null",
        maximum=1000,
        minimum=0,
    ),
    DetailsField(
        "error_if_no_preselections",
        "Error when nothing matches",
        "When none of the customer's service points match the preselections, return `no_preselections` "
        "instead of showing an empty form.",
        "boolean",
        default=False,
    ),
    DetailsField(
        "allow_scope_modifications",
        "Customer may change the selection",
        "False shows the preselected service points read-only.",
        "boolean",
        default=True,
    ),
    DetailsField(
        "jwk",
        "Response encryption key",
        "MeterGate does not encrypt response bodies: only null is accepted.",
        "jwk_or_null",
        default=None,
    ),
    DetailsField(
        "purpose",
        "Purpose",
        "The id of one of the client's `cds_purposes`, shown to the customer as written by the client.",
        "string_or_null",
        maximum=64,
        minimum=0,
    ),
    _preselection("servicepoint_numbers", "service point numbers (ESIIDs)"),
    _preselection("meter_numbers", "meter numbers"),
    _preselection("account_numbers", "account numbers"),
    DetailsField(
        "addresses",
        "Preselected addresses",
        "Only the service points at these addresses are offered (consent scopes only). Locale: United States. "
        "A service point's address is `{street address}, {city}, {state} {postal code}`. A typical address "
        "(the street address starts with a house number) is normalised: the street address's postal "
        "abbreviations are spelled out (St street, Ave or Av avenue, Blvd boulevard, Rd road, Dr drive, "
        "Ln lane, Ct court, Pl place, Pkwy parkway, Hwy highway, Fwy freeway, Expy expressway, Cir circle, "
        "Ter terrace, Trl trail, Sq square, Apt apartment, Ste suite, Bldg building, Fl floor, Rm room, "
        "# unit, N north, S south, E east, W west, NE northeast, NW northwest, SE southeast, SW southwest; "
        "a trailing period is dropped), then everything is lower-cased, segments are separated by `, ` and "
        "spaces collapsed; city and state stay as written (the state is its two-letter code). Example: "
        '"100 Congress Ave #4", Austin, TX 78701 is "100 congress avenue unit 4, austin, tx 78701". An '
        "atypical address (no house number) is only lower-cased with its whitespace collapsed: "
        '"Pump station, FM 5555", Austin, TX 78701 is "pump station, fm 5555, austin, tx 78701". Your value '
        "is only lower-cased and its whitespace collapsed (abbreviations are not expanded), so send "
        '"100 Congress Avenue Unit 4, Austin, TX 78701". A value matching no service point, or several, '
        f"matches none. `{ALL}` offers all. Null: no preselection.",
        "string_list_or_null",
        maximum=20000,
        minimum=0,
    ),
    DetailsField(
        "segment_start",
        "Usage history from",
        f"The earliest usage shared: an absolute date or a duration back from approval, at most {MAX_HISTORY}.",
        "relative_or_absolute_date",
        default=MAX_HISTORY,
        maximum=MAX_HISTORY,
        minimum="P0D",
        applies=("cds_usage",),
    ),
    DetailsField(
        "aggregation_numbers",
        "Aggregations",
        "The aggregations the customer is asked to join; required, non-null, for aggregation consent.",
        "string_list_or_null",
        maximum=20000,
        minimum=0,
        applies=("cds_aggregation_consent",),
    ),
    DetailsField(
        "premise_numbers",
        "Premises",
        "The premises (service point numbers) asked to join the aggregations; required, non-null, for "
        "aggregation consent.",
        "string_list_or_null",
        maximum=20000,
        minimum=0,
        applies=("cds_aggregation_consent",),
    ),
)

# Object and field includes (WG3-01 §3.3): each widens what the grant's APIs answer; all off by
# default, so a client gets the required fields only unless it asks (and the customer agrees).
INCLUDES = {
    "include_accounts": "Also the accounts (and parent accounts) of the objects shared.",
    "include_service_contracts": "Also the service contracts of the objects shared.",
    "include_service_points": "Also the service points of the objects shared.",
    "include_meter_devices": "Also the meters of the service points shared.",
    "include_bill_statements": "Also the bill statements of the accounts shared.",
    "include_bill_sections": "Also the bill sections of the accounts shared.",
    "include_aggregations": "Also the aggregations the service points shared belong to.",
    "include_usage_segments": "Also the usage of the service points shared.",
    "include_eacs": "Also the energy attribute certificates of the service points shared.",
    "include_account_numbers": "Account numbers (customer_number, account_number, account_entity).",
    "include_account_details": "Account name, address, types, status and contacts.",
    "include_account_programs": "The programs accounts are enrolled in.",
    "include_contract_numbers": "Contract numbers (contract_number, contract_entity).",
    "include_rate_plans": "The rate plan of each service contract.",
    "include_service_contract_details": "Contract address, start and end.",
    "include_service_programs": "The programs service contracts are enrolled in.",
    "include_premises": "The premise numbers of each service point.",
    "include_service_point_addresses": "The address of each service point.",
    "include_coordinates": "Latitude and longitude of each service point (when known).",
    "include_meter_numbers": "Meter numbers.",
    "include_meter_apps": "Apps installed on meters.",
    "include_bill_statement_files": "A link to each bill statement's file.",
    "include_bill_statement_charges": "Balances and new charges of each bill statement.",
    "include_bill_statement_programs": "Programs listed on bill statements.",
    "include_bill_section_line_items": "The line items of each bill section.",
    "include_aggregation_addresses": "The addresses grouped in each aggregation.",
}
INCLUDE_FIELDS = tuple(
    DetailsField(key, key.removeprefix("include_").replace("_", " ").capitalize(), text, "boolean", default=False)
    for key, text in INCLUDES.items()
)
CONSENT_FIELDS = CONSENT_FIELDS + (
    *INCLUDE_FIELDS,
    DetailsField(
        value_types.FIELD,
        "Usage value types",
        "Which values usage segments hold (WG3-01 §7.2.8.1), by the ids of the choices; each choice's "
        "`usagesegment_format` is the Value Format it adds. Null: segments with empty `formats` and `values` "
        "(their periods only). Default: every type.",
        "choice_list_or_null",
        default=value_types.ALL,
        choices=value_types.CHOICES,
    ),
)

DIRECT_FIELDS = (
    _preselection("servicepoint_numbers", "service point numbers (ESIIDs)"),
    _preselection("meter_numbers", "meter numbers"),
    _preselection("account_numbers", "account numbers"),
    DetailsField(
        "aggregation_numbers",
        "Aggregations",
        "The aggregations whose summed usage is asked for; required for cds_query_usage (WG3-01 §3.7). "
        "Usage is served only for groups that meet the privacy threshold.",
        "string_list_or_null",
        maximum=1000,
        minimum=1,
        applies=("cds_query_usage", "cds_query_aggregations"),
    ),
)

GRANT_ADMIN_FIELDS = (
    DetailsField(
        "client_id",
        "Client Object identifier",
        "The Client Object identifier for which the Grant is issued.",
        "string",
        required=True,
        maximum=1000,
        minimum=1,
    ),
    DetailsField(
        "grant_id",
        "Grant identifier",
        "The Grant identifier for which the returned access_token will be given access.",
        "string",
        required=True,
        maximum=1000,
        minimum=1,
    ),
)
