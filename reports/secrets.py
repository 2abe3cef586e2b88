"""Delivery passwords at rest: Fernet tokens (`cryptography`). Keys come from
settings.DELIVERY_SECRET_KEYS (newest first, so keys can be rotated with MultiFernet); without
any, one is derived from SECRET_KEY."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _cipher() -> MultiFernet:
    keys = list(getattr(settings, "DELIVERY_SECRET_KEYS", []) or [])
    if not keys:
        digest = hashlib.sha256(f"metergate-delivery-passwords:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(secret: str) -> str:
    return _cipher().encrypt(secret.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str | None:
    """The secret, or None when no key reads it (the keys changed)."""
    if not token:
        return ""
    try:
        return _cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return None
