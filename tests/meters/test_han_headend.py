"""The head-end adapter: the simulator answers deterministically and asynchronously (the answer
comes with a poll, never with the request), any process can answer for it, and the setting
chooses the adapter."""

import pytest

from meters import services
from meters.headend import Answer, DeviceRequest, HeadEnd, MessageRequest, SimulatedHeadEnd, get_headend
from meters.models import HanDeviceEvent, InHomeDevice
from tests.factories import OccupancyFactory

from .han_support import committed, device_at, install_code, mac


def _device(last_byte: str) -> DeviceRequest:
    return DeviceRequest(esiid="10443720000000001", mac=mac(last_byte), install_code="", device_type="thermostat")


def _answer(reference: str) -> Answer | None:
    return SimulatedHeadEnd().poll([reference]).get(reference)


@pytest.mark.parametrize(
    ("last_byte", "joined", "removed"),
    [("3D", True, True), ("FF", False, True), ("EE", True, False), ("ff", False, True)],
)
def test_the_simulator_decides_by_the_last_byte_of_the_mac(last_byte, joined, removed):
    simulator = SimulatedHeadEnd()
    device = _device(last_byte.upper())

    assert _answer(simulator.request_join(device)).succeeded is joined
    assert _answer(simulator.request_removal(device)).succeeded is removed


def test_the_simulator_gives_the_same_verdict_every_time():
    device = _device("FF")

    verdicts = {_answer(SimulatedHeadEnd().request_join(device)).succeeded for _ in range(20)}

    assert verdicts == {False}


@pytest.mark.parametrize(("last_byte", "ask"), [("DD", "request_join"), ("DE", "request_removal")])
def test_the_simulator_never_answers_some_requests(last_byte, ask):
    reference = getattr(SimulatedHeadEnd(), ask)(_device(last_byte))

    assert SimulatedHeadEnd().poll([reference]) == {}


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Peak pricing 4-7 pm", Answer(True, "Delivered to the device.")),
        ("Test [UNDELIVERABLE] please", Answer(False, "The device did not accept the message.")),
        ("Test [no answer]", None),
    ],
)
def test_the_simulator_delivers_messages_unless_the_text_says_otherwise(text, answer):
    reference = SimulatedHeadEnd().send_message(MessageRequest(esiid="1", mac=mac(), text=text))

    assert _answer(reference) == answer


def test_references_are_distinct_short_and_unknown_ones_get_no_answer():
    simulator = SimulatedHeadEnd()
    references = {simulator.request_join(_device("3D")) for _ in range(50)}

    assert len(references) == 50
    assert max(len(reference) for reference in references) <= 64
    assert simulator.poll(["sim-join-maybe-1234", "someone-else's", ""]) == {}


class RecordingHeadEnd(HeadEnd):
    """A second implementation, plugged in by the setting: it records and refuses everything."""

    calls: list = []

    def request_join(self, device):
        self.calls.append(("join", device.mac))
        return f"rec-{len(self.calls)}"

    def request_removal(self, device):
        self.calls.append(("remove", device.mac))
        return f"rec-{len(self.calls)}"

    def send_message(self, message):
        self.calls.append(("message", message.text))
        return f"rec-{len(self.calls)}"

    def poll(self, references):
        return {reference: Answer(False, "Recorded only.") for reference in references}


@pytest.mark.django_db
def test_the_setting_plugs_in_another_adapter(settings):
    settings.HEADEND_ADAPTER = f"{__name__}.RecordingHeadEnd"
    RecordingHeadEnd.calls.clear()
    occupancy = OccupancyFactory()
    device_mac = mac()

    with committed():
        device = services.add_device(
            by=occupancy.customer,
            premise=occupancy.premise,
            mac=device_mac,
            install_code=install_code(),
            device_type="thermostat",
        )

    assert isinstance(get_headend(), RecordingHeadEnd)
    assert RecordingHeadEnd.calls == [("join", device_mac)]
    device.refresh_from_db()
    assert device.status == InHomeDevice.Status.FAILED
    assert HanDeviceEvent.objects.get(device=device).detail == "Recorded only."


@pytest.mark.django_db
def test_the_answer_comes_with_the_poll_not_with_the_request():
    device = device_at(OccupancyFactory().premise, status=InHomeDevice.Status.PENDING)
    event = HanDeviceEvent.objects.create(device=device, action=HanDeviceEvent.Action.ADD)

    services.send_device_request(event_id=event.pk)  # outside a commit: the poll task is not run

    event.refresh_from_db()
    device.refresh_from_db()
    assert event.status == "pending" and event.headend_reference.startswith("sim-join-ok-")
    assert device.status == InHomeDevice.Status.PENDING

    assert services.poll_headend(event_ids=[event.pk]) == 1

    event.refresh_from_db()
    device.refresh_from_db()
    assert (event.status, device.status) == ("succeeded", "joined")
    assert event.completed_at is not None


@pytest.mark.django_db
def test_a_callback_answer_is_applied_once_and_a_late_one_changes_nothing():
    device = device_at(OccupancyFactory().premise, status=InHomeDevice.Status.PENDING)
    event = HanDeviceEvent.objects.create(device=device, action="add", headend_reference="vendor-42")

    assert services.record_headend_answers({"vendor-42": Answer(False, "Bad install code")}) == 1
    assert services.record_headend_answers({"vendor-42": Answer(True, "Joined after all")}) == 0

    event.refresh_from_db()
    device.refresh_from_db()
    assert (event.status, event.detail, device.status) == ("failed", "Bad install code", "failed")


@pytest.mark.django_db
def test_sending_a_request_twice_asks_the_head_end_once(settings):
    settings.HEADEND_ADAPTER = f"{__name__}.RecordingHeadEnd"
    RecordingHeadEnd.calls.clear()
    device = device_at(OccupancyFactory().premise, status=InHomeDevice.Status.PENDING)
    event = HanDeviceEvent.objects.create(device=device, action="add")

    services.send_device_request(event_id=event.pk)
    services.send_device_request(event_id=event.pk)

    assert RecordingHeadEnd.calls == [("join", device.mac)]
