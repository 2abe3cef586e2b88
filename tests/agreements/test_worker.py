"""The e-mail path outside eager mode: an invitation is e-mailed by a real Celery worker process
on Redis, which writes the message with Django's file backend."""

import time

import pytest

from agreements import services
from tests.factories import OccupancyFactory, ThirdPartyFactory, third_party_user
from tests.worker import celery_worker, require_broker


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_invitation_email_is_delivered_by_a_real_celery_worker_on_redis(tmp_path):
    require_broker()
    mail_dir = tmp_path / "mail"
    with celery_worker(
        tmp_path / "worker.log", routes=["portal.tasks.send_email"], prefix="email-test", EMAIL_FILE_PATH=str(mail_dir)
    ):
        occupancy = OccupancyFactory(authorization_code="AUTH-1", customer__email="worker@example.test")
        agent = third_party_user(ThirdPartyFactory(name="Queue Power"))

        invitation = services.create_invitation(
            by=agent,
            agreement_type="energy_data",
            esiids=[occupancy.premise.esiid],
            authorization_code="AUTH-1",
            duration_kind="continuous",
            months=4,
        )

        deadline = time.monotonic() + 60
        files = []
        while time.monotonic() < deadline and not files:
            files = sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []
            time.sleep(0.2)
        assert files, f"no e-mail written within 60 s; worker log:\n{(tmp_path / 'worker.log').read_text()}"
        message = files[0].read_text()
        assert "To: worker@example.test" in message
        assert "Queue Power" in message
        assert occupancy.premise.esiid in message
        assert f"/agreements/invite/{invitation.token}/" in message
