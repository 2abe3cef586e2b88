"""The CDS domain error. `code` follows the protocol's names where it has one
(`invalid_client_metadata`, `invalid_scope`, ...)."""

from portal.errors import DomainError


class CdsError(DomainError):
    pass


def invalid(field: str, message: str, code: str = "invalid") -> CdsError:
    return CdsError(code, f"{field}: {message}", fields={field: [message]})
