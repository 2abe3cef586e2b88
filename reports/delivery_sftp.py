"""SFTP delivery (paramiko): MeterGate logs in with its own key (stored encrypted with
reports.secrets; the third party adds the public half to its server's authorized keys) and
talks only to the server whose host key is pinned in the destination. A different host key
refuses the delivery: that is either a new server (pin its key again) or someone in between.

Files are written as `<name>.part`, their size checked on the server, then renamed into place.
"""

import base64
import contextlib
import hashlib
import io
import socket
from typing import Any

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.conf import settings

from . import secrets
from .delivery import TEMPORARY_SUFFIX, DeliveryError, Produce, _ChunkedWriter
from .models import DeliveryDestination

KEY_TYPES = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)
HOST_KEY_ALGORITHMS = {"ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256")}  # an RSA key signs with SHA-2


def generate_private_key() -> str:
    """A new Ed25519 login key, OpenSSH format (what `ssh-keygen -t ed25519` writes)."""
    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode("ascii")


def load_private_key(text: str) -> paramiko.PKey:
    for key_type in KEY_TYPES:
        try:
            return key_type.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise ValueError("Not an unencrypted OpenSSH or PEM private key (Ed25519, ECDSA or RSA).")


def login_public_key(destination: DeliveryDestination) -> str:
    """The public half of MeterGate's SFTP login key, for the third party's authorized_keys."""
    secret = secrets.decrypt(destination.ssh_private_key_encrypted)
    if not secret:
        return ""
    try:
        return public_key_line(load_private_key(secret), "metergate-reports")
    except ValueError:
        return ""


def public_key_line(key: paramiko.PKey, comment: str = "") -> str:
    """`ssh-ed25519 AAAA... comment`, a line for authorized_keys or the pinned host key."""
    return f"{key.get_name()} {key.get_base64()}" + (f" {comment}" if comment else "")


def parse_public_key_line(text: str) -> tuple[str, str]:
    """(type, base64) from an OpenSSH public key line or a known_hosts line; ValueError otherwise."""
    tokens = text.split()
    for index, token in enumerate(tokens[:-1]):
        if token.startswith(("ssh-", "ecdsa-", "sk-")):
            blob = tokens[index + 1]
            try:
                base64.b64decode(blob, validate=True)
            except ValueError:
                break
            return token, blob
    raise ValueError("Give the server's public host key as an OpenSSH line, e.g. 'ssh-ed25519 AAAAC3...'.")


def fingerprint(blob_base64: str) -> str:
    """OpenSSH's SHA256 fingerprint of a key, as `ssh-keygen -l` prints it."""
    digest = hashlib.sha256(base64.b64decode(blob_base64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class SftpSession:
    def __init__(self, destination: DeliveryDestination):
        self.destination = destination
        self.transport: paramiko.Transport | None = None
        self.sftp: paramiko.SFTPClient | None = None

    def __enter__(self):
        destination = self.destination
        where = f"{destination.host}:{destination.port}"
        secret = secrets.decrypt(destination.ssh_private_key_encrypted)
        if not secret:
            raise DeliveryError("The SFTP login key can no longer be read: make a new one in the delivery settings.")
        try:
            pinned_type, pinned_blob = parse_public_key_line(destination.ssh_host_key)
        except ValueError as error:
            raise DeliveryError(f"No host key is pinned for the SFTP server {where}: {error}") from error
        timeout = settings.REPORTS_FTPS_TIMEOUT
        try:
            sock = socket.create_connection((destination.host, destination.port), timeout=timeout)
            self.transport = paramiko.Transport(sock)
            # Ask for the pinned kind of host key: a server with several (OpenSSH has Ed25519,
            # ECDSA and RSA) would otherwise show the one paramiko prefers, and be refused.
            self.transport.get_security_options().key_types = HOST_KEY_ALGORITHMS.get(pinned_type, (pinned_type,))
            self.transport.banner_timeout = self.transport.auth_timeout = timeout
            self.transport.start_client(timeout=timeout)
            presented = self.transport.get_remote_server_key()
        except (OSError, EOFError, paramiko.SSHException) as error:
            self.__exit__()
            raise DeliveryError(
                f"Could not reach the SFTP server {where}: {error or type(error).__name__}.", transient=True
            ) from error
        if (presented.get_name(), presented.get_base64()) != (pinned_type, pinned_blob):
            self.__exit__()
            raise DeliveryError(
                f"The SFTP server {where} presented the host key {presented.get_name()} "
                f"{fingerprint(presented.get_base64())}, not the pinned {pinned_type} {fingerprint(pinned_blob)}: "
                "nothing was delivered. If the server's key really changed, pin the new one in the delivery settings."
            )
        try:
            self.transport.auth_publickey(destination.username, load_private_key(secret))
        except paramiko.AuthenticationException as error:
            self.__exit__()
            raise DeliveryError(
                f"The SFTP server {where} refused the key login of user '{destination.username}': add MeterGate's "
                "public key (shown in the delivery settings) to that user's authorized keys."
            ) from error
        except (OSError, EOFError, paramiko.SSHException) as error:
            self.__exit__()
            raise DeliveryError(f"The SFTP login to {where} failed: {error}.", transient=True) from error
        try:
            self.sftp = paramiko.SFTPClient.from_transport(self.transport)
            folder = destination.folder.strip()
            if folder:
                self.sftp.chdir(folder)
        except OSError as error:
            self.__exit__()
            raise DeliveryError(f"The folder '{destination.folder}' cannot be opened on {where}: {error}.") from error
        except (EOFError, paramiko.SSHException) as error:
            self.__exit__()
            raise DeliveryError(f"The SFTP session on {where} failed: {error}.", transient=True) from error
        return self

    def __exit__(self, *exc_info):
        for closable in (self.sftp, self.transport):
            if closable is not None:
                closable.close()
        self.sftp = self.transport = None

    def stored_name(self, name: str) -> str:
        return name

    def put(self, name: str, produce: Produce) -> tuple[Any, int]:
        temporary = name + TEMPORARY_SUFFIX
        try:
            with self.sftp.open(temporary, "wb") as remote:
                remote.set_pipelined(True)
                writer = _ChunkedWriter(remote.write)
                result = produce(writer)
                writer.flush()
            stored = self.sftp.stat(temporary).st_size
            if stored != writer.size:
                raise DeliveryError(f"{name}: the SFTP server stored {stored} bytes of {writer.size}.", transient=True)
            self._rename(temporary, name)
        except PermissionError as error:
            raise DeliveryError(f"The SFTP server refused to store {name}: {error}.") from error
        except (OSError, EOFError, paramiko.SSHException) as error:
            raise DeliveryError(f"Uploading {name} failed: {error or type(error).__name__}.", transient=True) from error
        return result, writer.size

    def _rename(self, temporary: str, name: str) -> None:
        try:
            self.sftp.posix_rename(temporary, name)  # replaces an earlier copy atomically (OpenSSH extension)
        except OSError:
            with contextlib.suppress(FileNotFoundError):
                self.sftp.remove(name)
            self.sftp.rename(temporary, name)

    def remove(self, name: str) -> None:
        try:
            self.sftp.remove(name)
        except OSError as error:
            raise DeliveryError(f"The SFTP server refused to delete {name}: {error}.") from error
