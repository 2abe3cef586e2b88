"""Real OpenPGP keys for the delivery tests, made with GnuPG in a throwaway home folder (short
path under /tmp: gpg-agent's socket path has a length limit): the third party's key pair, its
armored public key, and decryption with its private key."""

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class KeyPair:
    home: Path
    fingerprint: str
    public_armored: str

    def decrypt(self, armored: bytes) -> bytes:
        result = _gpg(self.home, "--pinentry-mode", "loopback", "--passphrase", "", "--decrypt", data=armored)
        return result.stdout

    def close(self) -> None:
        subprocess.run(["gpgconf", "--homedir", str(self.home), "--kill", "gpg-agent"], check=False)  # noqa: S607
        shutil.rmtree(self.home, ignore_errors=True)


def _gpg(home: Path, *arguments: str, data: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        ["gpg", "--homedir", str(home), "--batch", "--no-tty", "--quiet", *arguments],  # noqa: S607
        input=data,
        capture_output=True,
        check=True,
        timeout=120,
    )


def make_key_pair(user_id: str, *, expire: str = "1y", created: str | None = None) -> KeyPair:
    """An Ed25519 / Curve25519 key pair (fast to make). `created` ('20200101T000000') makes it in
    the past, so a short `expire` gives a key that has already expired."""
    home = Path(tempfile.mkdtemp(prefix="mgk-", dir="/tmp"))
    home.chmod(0o700)
    faked = ["--faked-system-time", created] if created else []
    _gpg(home, *faked, "--passphrase", "", "--quick-gen-key", user_id, "future-default", "default", expire)
    listing = _gpg(home, "--with-colons", "--list-keys").stdout.decode()
    fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    public = _gpg(home, "--armor", "--export", fingerprint).stdout.decode()
    return KeyPair(home, fingerprint, public)
