"""Fixtures of the report tests: a real FTPS server (pyftpdlib, explicit TLS, a self-signed
certificate made here) on 127.0.0.1, third parties with agreements, and interval data."""

import datetime as dt
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from reports import secrets
from reports.delivery_sftp import generate_private_key, load_private_key
from reports.models import DeliveryDestination
from tests.factories import AgreementFactory, OccupancyFactory, ThirdPartyFactory, third_party_user
from usage.ingest import PremiseDirectory, detect_format
from usage.services import IntervalReading, load_interval_reads

from .ftps import FTP_PASSWORD, FTP_USER, FtpsServer, make_certificate, start_ftps_server
from .pgp_keys import make_key_pair
from .sftp import start_sftp_server

CHICAGO = ZoneInfo("America/Chicago")


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


# --- SFTP (a real SSH server) and PGP (real GnuPG keys) ----------------------------------------


@pytest.fixture(scope="session")
def recipient_keys():
    """The third party's PGP key pair (its private key stays with the third party)."""
    pair = make_key_pair("Bright Energy files <files@bright.example>")
    yield pair
    pair.close()


@pytest.fixture(scope="session")
def expired_keys():
    pair = make_key_pair("Bright Energy old <old@bright.example>", expire="1d", created="20200101T000000")
    yield pair
    pair.close()


@pytest.fixture
def login_key():
    return generate_private_key()


@pytest.fixture
def sftp_server(tmp_path, login_key, settings):
    settings.REPORTS_FTPS_TIMEOUT = 10
    server = start_sftp_server(tmp_path / "sftp-root", authorized_key=load_private_key(login_key))
    (server.root / "inbox").mkdir()
    yield server
    server.stop()


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
