"""The head-end path outside eager mode: a real Celery worker on Redis sends the join requests to
the simulator, polls the answers a few seconds later (a second task it queues itself) and moves
each device to joined or failed."""

import time

import pytest

from meters import services
from meters.models import InHomeDevice
from tests.worker import celery_worker, require_broker

from .han_support import home, install_code, mac


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_devices_join_or_fail_through_a_real_celery_worker_on_redis(tmp_path):
    require_broker(database=True)
    customer, premise = home()
    log = tmp_path / "worker.log"
    # The worker queues its own poll task: HEADEND_QUEUE sends it back to this worker's queue.
    with celery_worker(
        log, routes=["meters.tasks.*"], prefix="headend-test", HEADEND_QUEUE="{queue}", HAN_POLL_SECONDS="1"
    ):
        joining, refused = (
            services.add_device(
                by=customer, premise=premise, mac=mac(last_byte), install_code=install_code(), device_type="thermostat"
            )
            for last_byte in ("3D", "FF")
        )

        deadline = time.monotonic() + 60
        while True:
            statuses = dict(InHomeDevice.objects.filter(pk__in=[joining.pk, refused.pk]).values_list("pk", "status"))
            if "pending" not in statuses.values() or time.monotonic() > deadline:
                break
            time.sleep(0.2)

        assert statuses == {joining.pk: "joined", refused.pk: "failed"}, log.read_text()
        assert joining.events.get().headend_reference.startswith("sim-join-ok-")
        assert "meters.tasks.poll_headend" in log.read_text()
