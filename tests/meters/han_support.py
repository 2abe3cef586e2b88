"""What the HAN tests share: homes with customers, devices with chosen MACs, device agreements,
and running services as committed transactions (so their Celery tasks run, eagerly)."""

from contextlib import contextmanager

from django.test import TestCase

from meters.models import InHomeDevice
from meters.validators import with_install_code_crc
from tests.factories import AgreementFactory, InHomeDeviceFactory, OccupancyFactory

_serial = iter(range(1, 10**6))


def mac(last_byte: str = "3D") -> str:
    """A fresh EUI-64 ending in `last_byte` (the simulator decides by it: FF, EE, DD, DE)."""
    digits = f"000D6F{next(_serial):08X}{last_byte}"
    return ":".join(digits[i : i + 2] for i in range(0, 16, 2))


def install_code() -> str:
    return with_install_code_crc(f"{next(_serial):016X}")


@contextmanager
def committed():
    """Run the block as a committed transaction: on-commit work (head-end tasks, e-mails) runs
    at its end, including the work that work queues."""
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        yield callbacks


def home(**occupancy_fields):
    """A customer living at a premise now: (customer, premise)."""
    occupancy = OccupancyFactory(**occupancy_fields)
    return occupancy.customer, occupancy.premise


def device_at(premise, *, last_byte: str = "3D", status=InHomeDevice.Status.JOINED, **fields) -> InHomeDevice:
    return InHomeDeviceFactory(premise=premise, mac=mac(last_byte), status=status, **fields)


def device_agreement(device, third_party, agreement_type="in_home_device_services", customer=None, **fields):
    """An active device agreement of `third_party` naming `device`, with the occupant."""
    customer = customer or device.premise.occupancies.get(move_out__isnull=True).customer
    return AgreementFactory(
        agreement_type=agreement_type,
        customer=customer,
        third_party=third_party,
        premises=[device.premise],
        device=device,
        duration_kind="",
        months=None,
        data_kinds=[],
        ends_at=None,
        data_from=None,
        **fields,
    )


def add_form(premise, device_mac: str | None = None, **overrides) -> dict:
    return {
        "premise": premise.pk,
        "mac": device_mac or mac(),
        "install_code": install_code(),
        "device_type": "in_home_display",
        "description": "Kitchen display",
        **overrides,
    }
