"""Webhook secrets and signatures.

A request carries `MeterGate-Timestamp` (Unix seconds) and `MeterGate-Signature: v1=<hex>`, the
HMAC-SHA256 of `<timestamp>.<body>` under the endpoint's secret. While a rotated-out secret is
still in its overlap, a second `v1=` (comma-separated) is signed with it, so a receiver that
has not switched yet keeps verifying. Receivers reject timestamps older than
`TOLERANCE_SECONDS` (replay protection): the timestamp is part of what is signed.
"""

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix that names what follows, not a secret
TOLERANCE_SECONDS = 300  # what receivers are told to accept; documented in the README

TIMESTAMP_HEADER = "MeterGate-Timestamp"
SIGNATURE_HEADER = "MeterGate-Signature"
EVENT_ID_HEADER = "MeterGate-Event-Id"
EVENT_HEADER = "MeterGate-Event"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _fernet() -> Fernet:
    key = hashlib.sha256(f"metergate-webhook-secrets:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode("utf-8")).decode("ascii")


def unseal(sealed: str) -> str | None:
    """The secret, or None when it cannot be read (after SECRET_KEY changed: rotate it)."""
    if not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        return None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(secrets_in_use: list[str], timestamp: int, body: bytes) -> str:
    return ",".join(f"v1={signature(secret, timestamp, body)}" for secret in secrets_in_use)
