"""Delivery backends behind one interface: FTPS (ftplib's FTP_TLS), a local folder (the embedded
default) and any Django storage (object storage through django-storages, e.g.
`storages.backends.s3.S3Storage` configured under a key of settings.STORAGES).

    with connect(destination_for(third_party)) as session:
        rows, size = session.put("IntervalMeterUsage_....csv", produce)

`produce(write)` writes the file's bytes through `write` a chunk at a time and returns what it
likes (a row count); nothing is held in memory but the current chunk. A reader never sees half
a file: FTPS and folders write to `<name>.part` and rename; object stores publish an object
only once it is complete. Putting a name again replaces the file, never adds a second one.
Files never go by e-mail. Consumption extracts (usage) reuse this through `deliver_file` with a
named destination, called from their task.
"""

import ftplib
import os
import ssl
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages

from portal.models import ThirdParty

from . import secrets
from .models import DeliveryDestination

CHUNK = 256 * 1024
TEMPORARY_SUFFIX = ".part"
PROBE_NAME = ".metergate-connection-test"

Produce = Callable[[Callable[[bytes], None]], Any]


class DeliveryError(Exception):
    """A file could not be delivered. `transient` errors (network) are worth retrying; the others
    (login refused, missing folder, bad certificate) need the destination's settings fixed."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.message = message
        self.transient = transient


# --- Choosing the destination ----------------------------------------------------------------------


def destination_for(target) -> DeliveryDestination:
    """The destination of a third party, a named destination, or (unsaved) the embedded default:
    a folder of its own under REPORTS_LOCAL_DIR."""
    if isinstance(target, DeliveryDestination):
        return target
    if isinstance(target, ThirdParty):
        found = DeliveryDestination.objects.filter(third_party=target).first()
        return found or DeliveryDestination(
            third_party=target, backend=DeliveryDestination.Backend.FOLDER, folder=f"third-party-{target.pk}"
        )
    if isinstance(target, str):
        found = DeliveryDestination.objects.filter(name=target).first()
        return found or DeliveryDestination(name=target, backend=DeliveryDestination.Backend.FOLDER, folder=target)
    raise TypeError(f"No delivery destination for {target!r}.")


def connect(destination: DeliveryDestination, *, folder_root: Path | None = None, packaged: bool = True):
    """A session on the destination (a context manager with `put(name, produce)` and
    `stored_name(name)`); a folder destination lives under `folder_root` (default
    REPORTS_LOCAL_DIR). With a PGP key and `packaged`, files go as SMT's encrypted ZIPs."""
    backend = destination.backend
    if backend == DeliveryDestination.Backend.FTPS:
        session = FtpsSession(destination)
    elif backend == DeliveryDestination.Backend.SFTP:
        from .delivery_sftp import SftpSession  # paramiko is loaded only where SFTP is used

        session = SftpSession(destination)
    elif backend == DeliveryDestination.Backend.STORAGE:
        session = StorageSession(destination)
    else:
        session = FolderSession(destination, root=folder_root)
    if packaged and destination.pgp_public_key:
        from .delivery_pgp import PgpZipSession

        session = PgpZipSession(
            session,
            armored_key=destination.pgp_public_key,
            fingerprint=destination.pgp_fingerprint,
            expires_at=destination.pgp_expires_at,
            duns=destination.recipient_duns,
            owner=str(destination.third_party or destination.name),
        )
    return session


def deliver_file(*, target, name: str, produce: Produce, folder_root: Path | None = None) -> tuple[Any, int, str]:
    """Deliver one file to `target` (third party, destination name or destination): returns what
    `produce` returned, the file's size and where it is. A folder destination lives under
    `folder_root` (default REPORTS_LOCAL_DIR; consumption extracts pass EXTRACTS_ROOT)."""
    destination = destination_for(target)
    with connect(destination, folder_root=folder_root) as session:
        result, size = session.put(name, produce)
    return result, size, destination.location


def test_connection(destination: DeliveryDestination) -> str:
    """Log in, enter the folder, write and remove a small file. Returns a message; raises DeliveryError."""
    with connect(destination, packaged=False) as session:
        session.put(PROBE_NAME, lambda write: write(b"MeterGate connection test\n"))
        session.remove(PROBE_NAME)
    return f"Connected to {destination.location} and wrote a test file."


class _PlainNames:
    def stored_name(self, name: str) -> str:
        """The name `put(name, ...)` stores under (the PGP wrapper changes it)."""
        return name


class _ChunkedWriter:
    """Collects small writes into chunks of CHUNK bytes for `send`; counts the bytes."""

    def __init__(self, send: Callable[[bytes], None]):
        self.send, self.buffer, self.size = send, bytearray(), 0

    def __call__(self, data: bytes) -> None:
        self.buffer += data
        self.size += len(data)
        if len(self.buffer) >= CHUNK:
            self.send(bytes(self.buffer))
            self.buffer.clear()

    def flush(self) -> None:
        if self.buffer:
            self.send(bytes(self.buffer))
            self.buffer.clear()


# --- FTPS ---------------------------------------------------------------------------------------------


class _ReusingFTP_TLS(ftplib.FTP_TLS):  # noqa: N801 - ftplib's spelling
    """FTP_TLS whose data connections resume the control connection's TLS session, as servers
    that check it (vsftpd's require_ssl_reuse, FileZilla) demand."""

    def ntransfercmd(self, cmd, rest=None):
        connection, size = ftplib.FTP.ntransfercmd(self, cmd, rest)  # noqa: S321 - wrapped in TLS below
        if self._prot_p:
            connection = self.context.wrap_socket(connection, server_hostname=self.host, session=self.sock.session)
        return connection, size


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.REPORTS_FTPS_CAFILE or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if not settings.REPORTS_FTPS_VERIFY:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class FtpsSession(_PlainNames):
    """Explicit TLS (AUTH TLS on the control connection, PROT P for data), passive mode, binary."""

    def __init__(self, destination: DeliveryDestination):
        self.destination = destination
        self.ftp: ftplib.FTP_TLS | None = None

    def __enter__(self):
        destination = self.destination
        password = secrets.decrypt(destination.password_encrypted)
        if password is None:
            raise DeliveryError(
                "The stored FTPS password can no longer be read: enter it again in the delivery settings."
            )
        where = f"{destination.host}:{destination.port}"
        ftp = _ReusingFTP_TLS(context=_tls_context(), timeout=settings.REPORTS_FTPS_TIMEOUT)
        try:
            ftp.connect(destination.host, destination.port)
            ftp.auth()
            ftp.login(destination.username, password)
            ftp.prot_p()
            ftp.set_pasv(True)
            ftp.voidcmd("TYPE I")
        except ftplib.error_perm as error:
            _quit(ftp)
            code = str(error)[:3]
            if code in ("530", "430"):
                raise DeliveryError(
                    f"The FTPS server {where} refused the login of user '{destination.username}' ({error}): "
                    "check the user name and password in the delivery settings."
                ) from error
            raise DeliveryError(f"The FTPS server {where} refused the session: {error}") from error
        except ssl.SSLCertVerificationError as error:
            _quit(ftp)
            raise DeliveryError(
                f"The certificate of the FTPS server {where} could not be verified: {error.verify_message}."
            ) from error
        except (ftplib.error_temp, ftplib.error_reply, ssl.SSLError, OSError, EOFError) as error:
            _quit(ftp)
            raise DeliveryError(
                f"Could not reach the FTPS server {where}: {error or type(error).__name__}.", transient=True
            ) from error
        folder = destination.folder.strip()
        if folder:
            try:
                ftp.cwd(folder)
            except ftplib.error_perm as error:
                _quit(ftp)
                raise DeliveryError(
                    f"The folder '{folder}' cannot be opened on the FTPS server {where}: {error}."
                ) from error
        self.ftp = ftp
        return self

    def __exit__(self, *exc_info):
        if self.ftp is not None:
            _quit(self.ftp)
            self.ftp = None

    def put(self, name: str, produce: Produce) -> tuple[Any, int]:
        ftp = self.ftp
        temporary = name + TEMPORARY_SUFFIX
        try:
            connection = ftp.transfercmd(f"STOR {temporary}")
            try:
                writer = _ChunkedWriter(connection.sendall)
                result = produce(writer)
                writer.flush()
                if isinstance(connection, ssl.SSLSocket):
                    connection.unwrap()  # a clean TLS close: the server knows the file is complete
            finally:
                connection.close()
            ftp.voidresp()
            stored = ftp.size(temporary)
            if stored != writer.size:
                raise DeliveryError(f"{name}: the server stored {stored} bytes of {writer.size}.", transient=True)
            self._rename(temporary, name)
        except ftplib.error_perm as error:
            raise DeliveryError(f"The FTPS server refused to store {name}: {error}.") from error
        except (ftplib.error_temp, ftplib.error_reply, ssl.SSLError, OSError, EOFError) as error:
            raise DeliveryError(f"Uploading {name} failed: {error or type(error).__name__}.", transient=True) from error
        return result, writer.size

    def _rename(self, temporary: str, name: str) -> None:
        try:
            self.ftp.rename(temporary, name)
        except ftplib.error_perm:
            # Servers that will not rename over an existing file: the earlier copy is the same
            # file from an interrupted run, so it goes first.
            self.ftp.delete(name)
            self.ftp.rename(temporary, name)

    def remove(self, name: str) -> None:
        try:
            self.ftp.delete(name)
        except ftplib.error_perm as error:
            raise DeliveryError(f"The FTPS server refused to delete {name}: {error}.") from error


def _quit(ftp: ftplib.FTP) -> None:
    try:
        ftp.quit()
    except (ftplib.Error, OSError, EOFError, AttributeError):
        ftp.close()


# --- Local folder ------------------------------------------------------------------------------------


class FolderSession(_PlainNames):
    """A folder under REPORTS_LOCAL_DIR, or under `root` (the embedded default; point it at a
    mounted share)."""

    def __init__(self, destination: DeliveryDestination, *, root: Path | None = None):
        root = Path(root or settings.REPORTS_LOCAL_DIR).resolve()
        folder = (root / destination.folder.strip("/")).resolve()
        if folder != root and root not in folder.parents:
            raise DeliveryError(f"The folder '{destination.folder}' is outside the reports folder.")
        self.folder = folder

    def __enter__(self):
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DeliveryError(f"The folder {self.folder} cannot be created: {error}.") from error
        return self

    def __exit__(self, *exc_info):
        return None

    def put(self, name: str, produce: Produce) -> tuple[Any, int]:
        path = self.folder / name
        temporary = path.with_name(name + TEMPORARY_SUFFIX)
        try:
            with temporary.open("wb") as stream:
                writer = _ChunkedWriter(stream.write)
                result = produce(writer)
                writer.flush()
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, path)
        except OSError as error:
            raise DeliveryError(f"Writing {path} failed: {error}.", transient=True) from error
        return result, writer.size

    def remove(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)


# --- Django storage (object storage) -----------------------------------------------------------------


class StorageSession(_PlainNames):
    """Any storage of settings.STORAGES. The file is spooled (in memory up to 8 MB, then on disk)
    and saved under its exact name: object stores publish it whole, and an existing object of
    that name is replaced rather than given a second, suffixed name."""

    SPOOL = 8 * 1024 * 1024

    def __init__(self, destination: DeliveryDestination):
        alias = destination.storage_alias or "default"
        try:
            self.storage = storages[alias]
        except Exception as error:  # InvalidStorageError, or the backend failed to build
            raise DeliveryError(f"The storage '{alias}' is not configured: {error}.") from error
        self.prefix = destination.folder.strip("/")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None

    def _path(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, name: str, produce: Produce) -> tuple[Any, int]:
        path = self._path(name)
        with tempfile.SpooledTemporaryFile(max_size=self.SPOOL) as spool:
            writer = _ChunkedWriter(spool.write)
            result = produce(writer)
            writer.flush()
            spool.seek(0)
            try:
                if self.storage.exists(path):
                    self.storage.delete(path)
                saved = self.storage.save(path, File(spool, name=name))
            except OSError as error:
                raise DeliveryError(f"Saving {path} failed: {error}.", transient=True) from error
        if saved != path:
            raise DeliveryError(f"The storage saved {path} as {saved}.")
        return result, writer.size

    def remove(self, name: str) -> None:
        self.storage.delete(self._path(name))
