"""The meters app's domain error."""

from portal.errors import DomainError


class MeterError(DomainError):
    pass
