"""The scope catalogue: every scope MeterGate offers, described the CDS way (WG1-02 §3.4, WG3-01).

One entry per scope. The server metadata, dynamic registration, the client set, the consent page
and token issuance all read this catalogue, so a scope is offered in exactly one place. Scope ids
equal their types except the Grant Admin scope (`cds_grant_admin_1`, as WG1-02 recommends).
"""

from dataclasses import dataclass, field

from .details_fields import (  # noqa: F401 - part of the catalogue's interface
    ALL,
    CONSENT_FIELDS,
    DIRECT_FIELDS,
    GRANT_ADMIN_FIELDS,
    INCLUDE_FIELDS,
    INCLUDE_FUTURE,
    INCLUDES,
    MAX_HISTORY,
    MAX_TERM,
    DetailsField,
)
from .registration_fields import REGISTRATION_FIELDS, RegistrationField  # noqa: F401

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
