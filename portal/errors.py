"""The domain error every app's services raise (each app subclasses it), mapped once to HTTP
answers and form errors."""


class DomainError(Exception):
    """A rule refused an action. `code` is stable for API clients; `message` is for people."""

    status_code = 400

    def __init__(self, code: str, message: str, *, fields: dict | None = None, status_code: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        if status_code is not None:
            self.status_code = status_code


class AccountError(DomainError):
    pass


class PermissionDeniedError(DomainError):
    status_code = 403
