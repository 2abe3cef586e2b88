"""OpenPGP for delivered files, through GnuPG's `gpg` (Debian's gnupg, installed by
bin/install-gnupg): reading a third party's armored public key (fingerprint, expiry) and
encrypting a file to it, ASCII-armored, as Smart Meter Texas delivers its files.

Every call runs gpg in a throwaway home folder: no keyring is kept, the stored armored key is
the only source of truth.
"""

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

GPG_TIMEOUT = 600  # seconds; encrypting a large ZIP is the slow part


class PgpError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PublicKey:
    fingerprint: str
    user_ids: tuple[str, ...]
    expires_at: datetime | None  # when it can no longer encrypt (None: never)
    can_encrypt: bool

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def gpg_binary() -> str:
    found = shutil.which("gpg")
    if not found:
        raise PgpError("GnuPG (gpg) is not installed on the MeterGate server: apt-get install gnupg.")
    return found


def _run(arguments: list[str], home: str, *, data: bytes | None = None) -> subprocess.CompletedProcess:
    command = [gpg_binary(), "--homedir", home, "--batch", "--no-tty", "--quiet", *arguments]
    try:
        return subprocess.run(command, input=data, capture_output=True, timeout=GPG_TIMEOUT, check=False)  # noqa: S603
    except subprocess.TimeoutExpired as error:
        raise PgpError(f"gpg did not finish within {GPG_TIMEOUT} s.") from error


def _stamp(text: str) -> datetime | None:
    return datetime.fromtimestamp(int(text), tz=UTC) if text.strip() else None


def read_public_key(armored: str) -> PublicKey:
    """The one public key in `armored` (an ASCII-armored export); PgpError when it is not one."""
    with tempfile.TemporaryDirectory(prefix="mg-gpg-") as home:
        result = _run(["--with-colons", "--fixed-list-mode", "--show-keys"], home, data=armored.encode())
    if result.returncode != 0:
        raise PgpError(
            "This is not an OpenPGP public key: paste the ASCII-armored export "
            "('-----BEGIN PGP PUBLIC KEY BLOCK-----')."
        )
    keys: list[dict] = []
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        fields = line.split(":")
        if fields[0] == "sec":
            raise PgpError("This is a private key: upload only the public key.")
        if fields[0] == "pub":
            keys.append({"fingerprint": "", "uids": [], "expires": _stamp(fields[6]), "encrypting": []})
            current = {"revoked": fields[1] == "r", "expires": _stamp(fields[6]), "caps": fields[11]}
            keys[-1]["primary"] = current
        elif fields[0] == "sub" and keys:
            current = {"revoked": fields[1] == "r", "expires": _stamp(fields[6]), "caps": fields[11]}
            keys[-1]["encrypting"].append(current)
        elif fields[0] == "fpr" and keys and not keys[-1]["fingerprint"]:
            keys[-1]["fingerprint"] = fields[9]
        elif fields[0] == "uid" and keys:
            keys[-1]["uids"].append(fields[9])
    if len(keys) != 1:
        raise PgpError(f"Upload exactly one public key (found {len(keys)}).")
    key = keys[0]
    if key["primary"]["revoked"]:
        raise PgpError(f"The key {key['fingerprint']} is revoked.")
    usable = [sub for sub in [key["primary"], *key["encrypting"]] if "e" in sub["caps"] and not sub["revoked"]]
    ends = [sub["expires"] for sub in usable]
    # The key encrypts until its last encryption (sub)key expires, and never past the primary key.
    expires = None if (usable and None in ends) else max(ends, default=None)
    if key["expires"] is not None:
        expires = key["expires"] if expires is None else min(expires, key["expires"])
    return PublicKey(key["fingerprint"], tuple(key["uids"]), expires, bool(usable))


def encrypt_file(*, armored_key: str, source: Path, target: Path) -> None:
    """Encrypt `source` to the key, ASCII-armored, into `target`."""
    with tempfile.TemporaryDirectory(prefix="mg-gpg-") as home:
        key_file = Path(home) / "recipient.asc"
        key_file.write_text(armored_key)
        result = _run(
            ["--trust-model", "always", "--armor", "--yes", "--recipient-file", str(key_file)]
            + ["--output", str(target), "--encrypt", str(source)],
            home,
        )
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PgpError(f"gpg could not encrypt to the key: {detail[-1] if detail else 'no reason given'}.")
