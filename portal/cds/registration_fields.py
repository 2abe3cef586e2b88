"""What a company's dynamic registration asks for (WG1-02 registration fields and internal
reviews), described once for the metadata and the registration endpoint."""

from dataclasses import dataclass


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
