"""Fixtures of the report tests: a real FTPS server (pyftpdlib, explicit TLS, a self-signed
certificate made here) on 127.0.0.1, third parties with agreements, and interval data."""

import datetime as dt
import io
import ipaddress
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone

from reports import secrets
from reports.models import DeliveryDestination
from tests.factories import AgreementFactory, OccupancyFactory, ThirdPartyFactory, third_party_user
from usage.ingest import PremiseDirectory, detect_format
from usage.services import IntervalReading, load_interval_reads

CHICAGO = ZoneInfo("America/Chicago")
FTP_USER = "bright"
FTP_PASSWORD = "s3cret-ftps-pass"


# --- A real FTPS server ---------------------------------------------------------------------------


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


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def ftps_server(tmp_path, certificate, settings):
    server = start_ftps_server(tmp_path / "ftp-root", *certificate)
    settings.REPORTS_FTPS_CAFILE = str(certificate[0])
    settings.REPORTS_FTPS_TIMEOUT = 10
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def reports_dir(tmp_path, settings):
    """The embedded default destination writes into the test's own folder."""
    settings.REPORTS_LOCAL_DIR = tmp_path / "reports"
    return settings.REPORTS_LOCAL_DIR


def ftps_destination(third_party, server: FtpsServer, *, password: str = FTP_PASSWORD, folder: str = "inbox"):
    (server.root / folder).mkdir(parents=True, exist_ok=True)
    return DeliveryDestination.objects.create(
        third_party=third_party,
        backend=DeliveryDestination.Backend.FTPS,
        host=server.host,
        port=server.port,
        username=FTP_USER,
        password_encrypted=secrets.encrypt(password),
        folder=folder,
    )


# --- Consent and data ---------------------------------------------------------------------------


@pytest.fixture
def third_party(db):
    return ThirdPartyFactory(name="Bright Energy", contact_email="ops@bright.example.test")


@pytest.fixture
def agent(third_party):
    return third_party_user(third_party, role="agent")


@pytest.fixture
def admin_user(third_party):
    return third_party_user(third_party, role="admin")


def covered_premise(third_party, *, move_in=dt.date(2024, 1, 1), **agreement_fields):
    """A premise whose customer (living there since `move_in`) has an active agreement with
    `third_party` (continuous, 6 months, every data kind unless told otherwise)."""
    occupancy = OccupancyFactory(move_in=move_in)
    agreement = AgreementFactory(
        customer=occupancy.customer, third_party=third_party, premises=[occupancy.premise], **agreement_fields
    )
    return occupancy.premise, agreement


def local(day: dt.date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, dt.time(hour, minute), tzinfo=CHICAGO)


def load_days(premise, first_day: dt.date, days: int, *, wh_of=None, generation: bool = False) -> int:
    """Interval reads for whole local days (92, 96 or 100 intervals each); kWh from `wh_of(index)`
    (Wh), by default 100 + the interval's index within the day."""
    revised = timezone.now() - timedelta(hours=1)
    readings = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        # Arithmetic in UTC: on a zone-aware datetime Python adds wall-clock time.
        start, end = local(day).astimezone(UTC), local(day + timedelta(days=1)).astimezone(UTC)
        moment, index = start, 0
        while moment < end:
            wh = wh_of(index) if wh_of else 100 + index
            readings.append(
                IntervalReading(premise.pk, moment, Decimal(wh).scaleb(-3), revised_at=revised, estimated=index == 3)
            )
            if generation:
                readings.append(
                    IntervalReading(premise.pk, moment, Decimal(7).scaleb(-3), series=2, revised_at=revised)
                )
            moment, index = moment + timedelta(minutes=15), index + 1
    load_interval_reads(readings=readings)
    return len(readings)


def parse_back(content: bytes, received_at: datetime | None = None):
    """Parse a delivered file with MeterGate's own ingestion parser: (format name, rows, rejections)."""
    text = content.decode("ascii")
    lines = io.StringIO(text).readlines()
    parser_class = detect_format(lines[0])
    assert parser_class is not None, f"not a known format: {lines[0]!r}"
    parser = parser_class(lines[0], directory=PremiseDirectory(), received_at=received_at or timezone.now())
    parser.prefetch(lines[1:])
    batch = parser.parse(lines[1:], 2)
    return parser.name, batch.rows, batch.rejections
