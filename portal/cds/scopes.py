"""The scope catalogue: every scope MeterGate offers, described the CDS way (WG1-02 §3.4, WG3-01).

One entry per scope. The server metadata, dynamic registration, the client set, the consent page
and token issuance all read this catalogue, so a scope is offered in exactly one place. Scope ids
equal their types except the Grant Admin scope (`cds_grant_admin_1`, as WG1-02 recommends).
"""

from dataclasses import dataclass, field

from . import value_types

CLIENT_ADMIN = "cds_client_admin"
GRANT_ADMIN = "cds_grant_admin_1"

# How scopes group into clients: scopes of one group share response types, grant types and the
# token endpoint auth method, so the client set has one client per group (WG1-02 §4.2).
ADMIN, GRANT_ADMIN_GROUP, CONSENT, DIRECT, MACHINE, UTILITY = (
    "admin",
    "grant_admin",
    "consent",
    "direct",
    "machine",
    "utility",
)

BASIC = ["client_secret_basic"]
CODE_GRANTS = ["authorization_code", "refresh_token"]
MACHINE_GRANTS = ["client_credentials"]

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


@dataclass(frozen=True)
class Scope:
    id: str
    type: str
    name: str
    description: str
    group: str
    # What the customer reads on the consent form, in plain words.
    plain: str = ""
    examples: str = ""
    # DataKind values (agreements) a consent with this scope covers.
    data_kinds: tuple = ()
    fields: tuple = ()
    registration_requirements: tuple = ()
    registration_optional: tuple = ()
    grant_admin_scope: str | None = None
    response_types: list = field(default_factory=list)
    grant_types: list = field(default_factory=lambda: list(MACHINE_GRANTS))
    auth_methods: list = field(default_factory=lambda: list(BASIC))

    @property
    def is_consent(self) -> bool:
        return self.group == CONSENT

    @property
    def code_challenge_methods(self) -> list[str]:
        # PKCE with S256 only, never plain (WG1-02 §3.4).
        return ["S256"] if "authorization_code" in self.grant_types else []

    @property
    def authorization_details_types(self) -> list[str]:
        return [self.id] if self.fields else []

    def fields_for(self) -> tuple:
        return tuple(item for item in self.fields if not item.applies or self.type in item.applies)

    def describe(self, documentation: str) -> dict:
        """The ScopeDescription object (WG1-02 §3.4); `documentation` is the docs page URL."""
        return {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "description": self.description,
            "documentation": f"{documentation}#scope-{self.id}",
            "registration_requirements": list(self.registration_requirements),
            "registration_optional": list(self.registration_optional),
            "response_types_supported": list(self.response_types),
            "grant_types_supported": list(self.grant_types),
            "token_endpoint_auth_methods_supported": list(self.auth_methods),
            "code_challenge_methods_supported": self.code_challenge_methods,
            "coverages_supported": [],
            "grant_admin_scope": self.grant_admin_scope,
            "authorization_details_types_supported": self.authorization_details_types,
            "authorization_details_fields_supported": [
                item.describe(self.id, documentation) for item in self.fields_for()
            ],
        }


COMPANY = ("company_name", "contact_email")
REVIEW = ("production_review",)
OPTIONAL_COMPANY = ("company_registration_number", "website")


def _consent(scope_id, name, description, plain, examples, data_kinds=()) -> Scope:
    return Scope(
        scope_id,
        scope_id,
        name,
        description,
        CONSENT,
        plain=plain,
        examples=examples,
        data_kinds=data_kinds,
        fields=CONSENT_FIELDS,
        registration_requirements=(*COMPANY, "privacy_policy_url", *REVIEW),
        registration_optional=OPTIONAL_COMPANY,
        grant_admin_scope=GRANT_ADMIN,
        response_types=["code"],
        grant_types=list(CODE_GRANTS),
    )


def _direct(scope_type, noun) -> Scope:
    return Scope(
        scope_type,
        scope_type,
        f"Direct access: {noun}",
        f"Query {noun} without a customer's consent, limited to what a staff-approved grant preselects "
        "(vendors, researchers, regulators).",
        DIRECT,
        fields=DIRECT_FIELDS,
        registration_requirements=(*COMPANY, *REVIEW),
        registration_optional=OPTIONAL_COMPANY,
    )


def _machine(scope_id, description, utility_only=False) -> Scope:
    return Scope(
        scope_id,
        f"metergate_{scope_id}",
        f"MeterGate {scope_id}",
        description,
        UTILITY if utility_only else MACHINE,
        registration_requirements=("utility_systems_only",) if utility_only else (*COMPANY, *REVIEW),
        registration_optional=() if utility_only else OPTIONAL_COMPANY,
    )


USAGE_KINDS = ("interval", "daily", "monthly")

CATALOGUE: tuple[Scope, ...] = (
    Scope(
        CLIENT_ADMIN,
        CLIENT_ADMIN,
        "Client Admin",
        "This scope grants administrative access to the Client management APIs.",
        ADMIN,
    ),
    Scope(
        GRANT_ADMIN,
        "cds_grant_admin",
        "Grant Admin",
        "This scope grants administrative access to previously created Grants.",
        GRANT_ADMIN_GROUP,
        fields=GRANT_ADMIN_FIELDS,
    ),
    _consent(
        "cds_accounts",
        "Accounts",
        "Read the customer's billing accounts.",
        "Your account: your account number and whether the account is open.",
        "For example: account 0012345678, open.",
    ),
    _consent(
        "cds_service_contracts",
        "Service contracts",
        "Read the customer's accounts and service contracts.",
        "Your electricity service: which account pays for which address, and since when.",
        "For example: service at 100 Congress Ave since 1 March 2024.",
    ),
    _consent(
        "cds_meters",
        "Meters",
        "Read the customer's meter devices.",
        "Your meters: the numbers of the smart meters at your addresses.",
        "For example: meter M00012345 at 100 Congress Ave.",
    ),
    _consent(
        "cds_bill_statements",
        "Bill statements",
        "Read the customer's bill statements and accounts.",
        "Your bills: statement dates, amounts due and due dates.",
        "For example: $84.20 due on 15 June.",
    ),
    _consent(
        "cds_service_bills",
        "Service bill sections",
        "Read the electricity sections of the customer's bills with their accounts and contracts.",
        "Your bill details: the electricity part of each bill, with the energy used and what it cost.",
        "For example: 812 kWh for $96.10 from 1 to 31 May.",
    ),
    _consent(
        "cds_usage",
        "Usage",
        "Read the customer's usage segments (15-minute, daily and monthly electricity use).",
        "Your energy use: how much electricity you used every 15 minutes, every day and every month.",
        "For example: 0.42 kWh between 6:00 and 6:15 pm on 3 May.",
        data_kinds=USAGE_KINDS,
    ),
    _consent(
        "cds_rate_plan",
        "Rate plan",
        "Read the customer's service contracts and their rate plans.",
        "Your rate plan: the tariff your electricity is billed on.",
        "For example: Residential time-of-use.",
    ),
    _consent(
        "cds_account_programs",
        "Account programs",
        "Read the customer's accounts and the programs they are enrolled in.",
        "Your programs: utility programs your account takes part in.",
        "For example: budget billing.",
    ),
    _consent(
        "cds_service_programs",
        "Service programs",
        "Read the customer's service contracts and the programs they are enrolled in.",
        "Your service programs: programs each electricity service takes part in.",
        "For example: demand response at 100 Congress Ave.",
    ),
    _consent(
        "cds_aggregation_consent",
        "Aggregation consent",
        "Include the customer in an aggregation whose usage is only ever shown summed with others.",
        "Being counted in a group: your use is added to other customers' and never shown on its own.",
        "For example: the total use of a building with at least 10 customers.",
    ),
    _direct("cds_query_accounts", "accounts"),
    _direct("cds_query_service_contracts", "service contracts"),
    _direct("cds_query_service_points", "service points"),
    _direct("cds_query_meter_devices", "meter devices"),
    _direct("cds_query_bill_statements", "bill statements"),
    _direct("cds_query_bill_sections", "bill sections"),
    _direct("cds_query_aggregations", "aggregations"),
    _direct("cds_query_usage", "usage"),
    _machine("agreements", "Manage agreement invitations and agreements with customers."),
    _machine("usage", "Read usage data covered by an active agreement."),
    _machine("reports", "Request and schedule usage reports."),
    _machine("han", "Manage in-home devices and HAN messages."),
    _machine("webhooks", "Register webhook endpoints and read their delivery log."),
    _machine("provisioning", "Provision label partners, customers, premises and meters.", utility_only=True),
    _machine("ingest", "Deliver meter-data files.", utility_only=True),
    _machine("tariffs", "Supply tariffs.", utility_only=True),
)

SCOPES: dict[str, Scope] = {scope.id: scope for scope in CATALOGUE}
CONSENT_SCOPES = [scope.id for scope in CATALOGUE if scope.group == CONSENT]


def scope_ids(group: str) -> list[str]:
    return [scope.id for scope in CATALOGUE if scope.group == group]


@dataclass(frozen=True)
class RegistrationField:
    id: str
    type: str
    description: str
    field_name: str = ""
    format: str = ""
    max_length: int | None = None
    optional: bool = False

    def describe(self, documentation: str) -> dict:
        described = {
            "id": self.id,
            "type": self.type,
            "description": self.description,
            "documentation": f"{documentation}#registration-{self.id}",
        }
        if self.field_name:
            described["field_name"] = self.field_name
            described["format"] = self.format
        if self.max_length:
            described["max_length"] = self.max_length
        if self.optional:
            described["default"] = None
        return described


REGISTRATION_FIELDS: dict[str, RegistrationField] = {
    item.id: item
    for item in (
        RegistrationField(
            "company_name",
            "registration_field",
            "The company's legal name, shown to customers on the consent form.",
            "cds_company_name",
            "string",
            200,
        ),
        RegistrationField(
            "contact_email",
            "registration_field",
            "Where MeterGate writes to the company about its registration.",
            "cds_contact_email",
            "email",
            254,
        ),
        RegistrationField(
            "privacy_policy_url",
            "registration_field",
            "The company's privacy policy, linked on the consent form.",
            "cds_privacy_policy_url",
            "url",
            200,
        ),
        RegistrationField(
            "company_registration_number",
            "registration_field",
            "The company's registration number (for example its PUCT certificate number).",
            "cds_company_registration_number",
            "string_or_null",
            64,
            optional=True,
        ),
        RegistrationField(
            "website",
            "registration_field",
            "The company's website, linked on the consent form.",
            "cds_website",
            "url_or_null",
            200,
            optional=True,
        ),
        RegistrationField(
            "production_review",
            "internal_review",
            "New clients work in the sandbox with the test accounts. Staff review a `production_request` "
            "message before a production client is created.",
        ),
        RegistrationField(
            "utility_systems_only",
            "internal_review",
            "Only the utility's own systems hold this scope; registration through CDS is refused.",
        ),
    )
}
