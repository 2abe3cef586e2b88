"""A real FTPS server for tests and the benchmark: pyftpdlib with TLS required on control and data
connections, a self-signed certificate made here, on 127.0.0.1 in a thread."""

import ipaddress
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

FTP_USER = "bright"
FTP_PASSWORD = "s3cret-ftps-pass"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (its own CA), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MeterGate test FTPS")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    certificate_path, key_path = folder / "ftps-cert.pem", folder / "ftps-key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certificate_path, key_path


@dataclass
class FtpsServer:
    root: Path
    port: int
    certificate: Path
    host: str = "127.0.0.1"
    renames: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def files(self, folder: str = "") -> dict[str, bytes]:
        base = self.root / folder
        return (
            {path.name: path.read_bytes() for path in sorted(base.iterdir()) if path.is_file()} if base.exists() else {}
        )

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def start_ftps_server(root: Path, certificate: Path, key: Path, *, delay: float = 0.0) -> FtpsServer:
    """pyftpdlib with TLS required on control and data connections, in a thread. `delay` seconds
    are spent before each rename (a slow server, for the killed-worker test)."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import TLS_FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
    root.mkdir(parents=True, exist_ok=True)
    authorizer = DummyAuthorizer()
    authorizer.add_user(FTP_USER, FTP_PASSWORD, str(root), perm="elradfmwMT")
    server_state = FtpsServer(root=root, port=0, certificate=certificate)

    class Handler(TLS_FTPHandler):
        tls_control_required = True
        tls_data_required = True

        def ftp_RNTO(self, path):  # noqa: N802 - pyftpdlib's naming
            if delay:
                threading.Event().wait(delay)
            server_state.renames.append(Path(path).name)
            return super().ftp_RNTO(path)

    Handler.certfile, Handler.keyfile, Handler.authorizer = str(certificate), str(key), authorizer
    Handler.banner = "MeterGate test FTPS"
    server = ThreadedFTPServer(("127.0.0.1", 0), Handler)
    server_state.port = server.address[1]

    def serve():
        while not server_state._stop.is_set():
            server.serve_forever(timeout=0.1, blocking=False, handle_exit=False)
        server.close_all()

    server_state._thread = threading.Thread(target=serve, name="ftps-server", daemon=True)
    server_state._thread.start()
    return server_state


def main(argv: list[str]) -> None:
    """`python -m tests.reports.ftps ROOT FOLDER`: serve ROOT until killed (the benchmark's server,
    in a process of its own); prints the port and the certificate's path, then serves."""
    import sys
    import time

    root = Path(argv[0])
    certificate, key = make_certificate(Path(argv[1]))
    server = start_ftps_server(root, certificate, key)
    print(server.port, certificate, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
        sys.exit(0)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
