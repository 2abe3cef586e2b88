"""Demo world, in-home (HAN) devices: devices in every status with their requests and messages,
made through the services and answered by the simulated head-end (`seed_han(world)`, called by
`seed_demo` after the agreements' demo). The simulator's MAC rules pick each outcome."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from agreements import services as agreement_services
from portal.models import User

from . import services
from .models import HanDeviceEvent, Occupancy
from .validators import with_install_code_crc

_MAC_BASE = 0x000D6F0002000000  # apart from meters.demo's raw devices


def _mac(number: int, last_byte: str = "3D") -> str:
    digits = f"{_MAC_BASE + number * 0x100:016X}"[:14] + last_byte
    return ":".join(digits[i : i + 2] for i in range(0, 16, 2))


def _code(number: int) -> str:
    return with_install_code_crc(f"{0xC0DE000000000000 + number:016X}")


def _headend_answers() -> None:
    """Inside seed_demo's transaction the on-commit tasks wait for the end: hand the requests to
    the simulator and apply its answers now, as the beat's sweep would."""
    services.poll_open_requests(unsent_after=timedelta(0))


class _Home:
    def __init__(self, customer: User):
        self.customer = customer
        self.occupancy = Occupancy.objects.current().filter(customer=customer).select_related("premise").first()
        self.premise = self.occupancy.premise

    def add(self, number: int, last_byte: str = "3D", **fields):
        fields.setdefault("device_type", "in_home_display")
        return services.add_device(
            by=self.customer, premise=self.premise, mac=_mac(number, last_byte), install_code=_code(number), **fields
        )

    def agree(self, agent: User, agreement_type: str, number: int, last_byte: str = "3D", **device):
        invitation = agreement_services.create_invitation(
            by=agent,
            agreement_type=agreement_type,
            esiids=[self.premise.esiid],
            authorization_code=self.occupancy.authorization_code,
            device_mac=_mac(number, last_byte),
            device_install_code=_code(number),
            device_type=device.get("device_type", "thermostat"),
            device_description=device.get("description", "Smart thermostat"),
        )
        return agreement_services.accept_invitation(by=self.customer, invitation=invitation)


def seed_han(world) -> None:
    customers = [customer for customer in world.objects["customers"] if customer.occupancies.current().exists()]
    first, second, third, fourth = (_Home(customer) for customer in customers[:4])
    agent = world.objects["third_parties"]["brightside"].memberships.get(role="agent").user

    # A join the head-end never answered, given up on after HAN_REQUEST_TIMEOUT: failed (timed out).
    unanswered = fourth.add(1, "DD", description="Garage display")
    asked_at = timezone.now() - settings.HAN_REQUEST_TIMEOUT - timedelta(minutes=5)
    HanDeviceEvent.objects.filter(device=unanswered).update(created_at=asked_at)  # as if asked a while ago
    services.expire_han_requests()

    # Joined under In-Home Device and In-Home Device Services agreements, with messages.
    first.agree(agent, "in_home_device", 2)
    _headend_answers()
    services_agreement = first.agree(agent, "in_home_device_services", 2)
    for text in ("Peak pricing 4-7 pm today", "Test [undeliverable]", "Your weekly summary [no answer]"):
        services.send_han_message(by=agent, device=services_agreement.device, text=text)
    first.add(3, description="Kitchen display")
    # Removed by the third party, with a reason from the list.
    returned = first.agree(agent, "in_home_device", 4, description="Loaner thermostat")
    _headend_answers()
    agreement_services.remove_device(by=agent, device=returned.device, reason="device_returned")

    # Failed: the meter refused the join of an In-Home Device agreement's device (resendable).
    second.agree(agent, "in_home_device", 5, "FF", description="Hallway thermostat")
    # Pending: the head-end has not answered yet (times out HAN_REQUEST_TIMEOUT after seeding).
    second.add(6, "DD", description="Smart plug", device_type="load_control")

    # Removing: the removal is not answered yet; a removal the meter refused (still joined); a
    # device the customer removed, keeping the In-Home Device agreement but not the services one.
    removing = third.add(7, "DE", description="Old display")
    refused = third.add(8, "EE", description="Energy gateway", device_type="energy_gateway")
    kept = third.agree(agent, "in_home_device", 9, description="Pool pump controller")
    _headend_answers()
    third.agree(agent, "in_home_device_services", 9)
    for device in (removing, refused):
        agreement_services.remove_device(by=third.customer, device=device)
    agreement_services.remove_device(by=third.customer, device=kept.device, keep_device_agreement=True)
    _headend_answers()

    world.login("customer (in-home devices)", third.customer.email, "devices removed, refused, being removed")


seed = seed_han  # so seed_demo can list "meters.han_demo" after "agreements.demo" in DEMO_MODULES
