"""The delivery settings page for SFTP and PGP: MeterGate makes its own login key and shows its
public half, the host key is pinned (its fingerprint shown), a PGP public key is read by GnuPG
(fingerprint shown, expiry warned, an expired or malformed key refused)."""

import pytest

from reports import secrets
from reports.delivery_sftp import load_private_key
from reports.models import DeliveryDestination
from tests.factories import third_party_user

from .pgp_keys import make_key_pair
from .sftp import SFTP_USER

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def soon_expiring_keys():
    pair = make_key_pair("Bright Energy soon <soon@bright.example>", expire="10d")
    yield pair
    pair.close()


def _settings(server, **fields):
    return {
        "backend": "sftp",
        "host": server.host,
        "port": server.port,
        "username": SFTP_USER,
        "folder": "inbox",
        "host_key": server.host_key_line,
        **fields,
    }


def test_an_admin_sets_up_sftp_with_metergates_own_key_and_a_pgp_key_and_the_connection_test_passes(
    client, third_party, sftp_server, recipient_keys
):
    client.force_login(third_party_user(third_party, role="admin"))

    client.post("/reports/delivery/", _settings(sftp_server, pgp_public_key=recipient_keys.public_armored))
    destination = DeliveryDestination.objects.get(third_party=third_party)
    metergate_key = load_private_key(secrets.decrypt(destination.ssh_private_key_encrypted))
    sftp_server.authorized_key = metergate_key  # the third party adds the shown public key to its server
    test = client.post("/reports/delivery/test/", follow=True).content.decode()
    page = client.get("/reports/delivery/").content.decode()

    assert destination.backend == "sftp" and destination.pgp_fingerprint == recipient_keys.fingerprint
    assert f"{metergate_key.get_name()} {metergate_key.get_base64()} metergate-reports" in page
    assert "PRIVATE KEY" not in page and "PRIVATE KEY" not in destination.ssh_private_key_encrypted
    assert recipient_keys.fingerprint in page and "which expires on" in page
    assert 'id="pgp-warning"' not in page
    assert "SHA256:" in page  # the pinned host key's fingerprint
    assert "wrote a test file" in test
    assert sftp_server.files("inbox") == {}  # the probe is plain (never encrypted) and removed again


def test_an_admins_own_login_key_is_kept_encrypted(client, third_party, sftp_server, login_key):
    client.force_login(third_party_user(third_party, role="admin"))

    client.post("/reports/delivery/", _settings(sftp_server, private_key=login_key))
    response = client.post("/reports/delivery/test/", follow=True).content.decode()

    destination = DeliveryDestination.objects.get(third_party=third_party)
    assert secrets.decrypt(destination.ssh_private_key_encrypted).strip() == login_key.strip()
    assert "wrote a test file" in response


def test_an_expired_pgp_key_is_refused_on_upload_with_its_expiry(client, third_party, sftp_server, expired_keys):
    client.force_login(third_party_user(third_party, role="admin"))

    response = client.post("/reports/delivery/", _settings(sftp_server, pgp_public_key=expired_keys.public_armored))

    assert response.status_code == 200
    assert f"The PGP public key {expired_keys.fingerprint} of Bright Energy expired on 2020-01-02" in (
        response.content.decode()
    )
    assert not DeliveryDestination.objects.exists()


def test_a_key_that_expires_within_30_days_is_accepted_with_a_warning(
    client, third_party, sftp_server, soon_expiring_keys
):
    client.force_login(third_party_user(third_party, role="admin"))

    client.post("/reports/delivery/", _settings(sftp_server, pgp_public_key=soon_expiring_keys.public_armored))
    page = client.get("/reports/delivery/").content.decode()

    assert soon_expiring_keys.fingerprint in page
    assert "This key expires within 30 days" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("host_key", "", "Pin the SFTP server&#x27;s host key"),
        ("host_key", "not a key", "Pin the SFTP server&#x27;s host key"),
        ("pgp_public_key", "-----BEGIN PGP PUBLIC KEY BLOCK-----\nnonsense\n", "This is not an OpenPGP public key"),
        ("private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nnonsense\n", "Not an unencrypted OpenSSH or PEM"),
    ],
)
def test_malformed_keys_are_refused_on_the_form(client, third_party, sftp_server, field, value, message):
    client.force_login(third_party_user(third_party, role="admin"))

    response = client.post("/reports/delivery/", _settings(sftp_server, **{field: value}))

    assert message in response.content.decode()
    assert not DeliveryDestination.objects.exists()


def test_removing_the_pgp_key_stops_encryption(client, third_party, sftp_server, recipient_keys):
    client.force_login(third_party_user(third_party, role="admin"))
    client.post("/reports/delivery/", _settings(sftp_server, pgp_public_key=recipient_keys.public_armored))

    client.post("/reports/delivery/", _settings(sftp_server, remove_pgp_key="on"))

    destination = DeliveryDestination.objects.get(third_party=third_party)
    assert (destination.pgp_public_key, destination.pgp_fingerprint, destination.pgp_expires_at) == ("", "", None)


def test_an_agent_cannot_change_the_pgp_key(client, third_party, sftp_server, recipient_keys, agent):
    client.force_login(agent)

    response = client.post("/reports/delivery/", _settings(sftp_server, pgp_public_key=recipient_keys.public_armored))

    assert response.status_code == 403
    assert not DeliveryDestination.objects.exists()
