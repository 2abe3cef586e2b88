"""The brute-force lock on password logins (the portal's login page and the Smart Meter Texas
customer API share it).

Failed attempts are counted in the cache (Redis in production) per account and per client
address, each over a window of LOGIN_LOCK_SECONDS that starts at its first failure. Once an account
has LOGIN_LOCK_MAX_FAILURES failures, or an address LOGIN_LOCK_MAX_FAILURES_PER_IP, every attempt
for it is refused until the window ends, even with the right password (so guessing cannot go on
behind the lock). A successful login clears the account's count, never the address's (or a guesser
could clear it with an account of their own).

The address is REMOTE_ADDR: behind a proxy, the server in front of Django must set it from the
proxy's header (a client-sent X-Forwarded-For is never trusted here).
"""

import hashlib

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache

from .errors import AccountError
from .models import User

PREFIX = "portal:login-failures:"


class LoginLocked(AccountError):
    status_code = 403

    def __init__(self):
        minutes = max(1, settings.LOGIN_LOCK_SECONDS // 60)
        super().__init__("locked", f"Too many failed logins. Try again in {minutes} minutes, or reset your password.")


class InvalidCredentials(AccountError):
    """One answer for an unknown e-mail and a wrong password alike: no account enumeration."""

    def __init__(self):
        super().__init__("invalid_credentials", "The e-mail address or the password is not correct.")


def _account_key(email: str) -> str:
    return PREFIX + "account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _address_key(address: str) -> str:
    return PREFIX + "address:" + address


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def is_locked(*, email: str, address: str) -> bool:
    counts = cache.get_many([_account_key(email), _address_key(address)])
    return (
        counts.get(_account_key(email), 0) >= settings.LOGIN_LOCK_MAX_FAILURES
        or counts.get(_address_key(address), 0) >= settings.LOGIN_LOCK_MAX_FAILURES_PER_IP
    )


def record_failure(*, email: str, address: str) -> None:
    for key in (_account_key(email), _address_key(address)):
        cache.add(key, 0, timeout=settings.LOGIN_LOCK_SECONDS)  # the window starts at the first failure
        try:
            cache.incr(key)
        except ValueError:  # the window ended between add and incr: start a new one
            cache.set(key, 1, timeout=settings.LOGIN_LOCK_SECONDS)


def record_success(*, email: str) -> None:
    cache.delete(_account_key(email))


def check_password_login(request, *, email: str, password: str) -> User:
    """The active user with this e-mail and password, counted by the lock. Raises LoginLocked
    (403) while the account or the address is locked, InvalidCredentials (400) otherwise."""
    address = client_address(request)
    if is_locked(email=email, address=address):
        raise LoginLocked()
    user = authenticate(request, username=email, password=password)
    if user is None:
        record_failure(email=email, address=address)
        raise InvalidCredentials()
    record_success(email=email)
    return user
