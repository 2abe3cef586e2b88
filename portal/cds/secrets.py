"""Client secrets: made random, kept as a SHA-256 checksum, and (for secrets MeterGate makes on
the client's behalf) sealed until they are shown once.

Secrets carry 256 bits of randomness, so a fast hash is as safe as a slow one and lets the token
endpoint find the credential by its checksum with one indexed query.
"""

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def new_secret() -> str:
    return secrets.token_urlsafe(48)


def checksum(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _fernet() -> Fernet:
    key = hashlib.sha256(f"metergate-cds-credentials:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode("utf-8")).decode("ascii")


def unseal(sealed: str) -> str | None:
    """The secret, or None when it cannot be read (for example after SECRET_KEY changed)."""
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return None
