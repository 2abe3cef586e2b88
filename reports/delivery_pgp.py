"""The Smart Meter Texas file shape, around any delivery session: each file is put in a ZIP,
the ZIP is encrypted to the third party's OpenPGP key, ASCII-armored, and delivered as
`<name>.<EXT>.<DUNS>.asc` (SMT: `DailyMeterUsage...CSV.<recipient DUNS>.asc`; the middle of
SMT's names is not documented, so ours keeps the stable name of the file inside, which a re-run
replaces rather than doubles). Without a DUNS the name is `<name>.<EXT>.asc`.

The ZIP and the encrypted file are spooled on disk, never held in memory.
"""

import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from .delivery import CHUNK, DeliveryError, Produce, _ChunkedWriter
from .pgp import PgpError, encrypt_file

EXPIRY_WARNING_DAYS = 30


def expired_key_reason(
    *, fingerprint: str, expires_at: datetime | None, owner: str, now: datetime | None = None
) -> str:
    """Why the key cannot be used ("" when it can)."""
    now = now or timezone.now()
    if expires_at is None or expires_at > now:
        return ""
    return (
        f"The PGP public key {fingerprint} of {owner} expired on {expires_at:%Y-%m-%d %H:%M} UTC: files cannot be "
        "encrypted to it. Upload the renewed key in the delivery settings."
    )


def packaged_name(name: str, duns: str) -> str:
    stem, _dot, extension = name.rpartition(".")
    parts = [stem or name, (extension or "dat").upper(), *([duns] if duns else []), "asc"]
    return ".".join(parts)


class PgpZipSession:
    """Wraps a session (FTPS, SFTP, folder, storage): `put(name, produce)` delivers the encrypted
    ZIP holding `name`; `stored_name(name)` is what arrives."""

    def __init__(self, inner, *, armored_key: str, fingerprint: str, expires_at, duns: str, owner: str):
        self.inner, self.armored_key, self.duns = inner, armored_key, duns
        self.reason = expired_key_reason(fingerprint=fingerprint, expires_at=expires_at, owner=owner)

    def __enter__(self):
        if self.reason:  # before any connection: no retry will make an expired key valid
            raise DeliveryError(self.reason)
        self.inner.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self.inner.__exit__(*exc_info)

    def stored_name(self, name: str) -> str:
        return packaged_name(name, self.duns)

    def put(self, name: str, produce: Produce) -> tuple[Any, int]:
        with tempfile.TemporaryDirectory(prefix="mg-pgp-") as work:
            archive_path, armored_path = Path(work) / "package.zip", Path(work) / "package.zip.asc"
            with (
                zipfile.ZipFile(archive_path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
                archive.open(name, "w", force_zip64=True) as member,
            ):
                writer = _ChunkedWriter(member.write)
                result = produce(writer)
                writer.flush()
            try:
                encrypt_file(armored_key=self.armored_key, source=archive_path, target=armored_path)
            except PgpError as error:
                raise DeliveryError(error.message) from error

            def send(write):
                with armored_path.open("rb") as stream:
                    while chunk := stream.read(CHUNK):
                        write(chunk)

            _sent, size = self.inner.put(self.stored_name(name), send)
        return result, size

    def remove(self, name: str) -> None:
        self.inner.remove(name)
