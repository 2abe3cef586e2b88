"""The head-end adapter: the one way MeterGate reaches the meter network, for HAN joins, removals
and messages. `settings.HEADEND_ADAPTER` names the class; the default is the simulator below.

The interface (subclass `HeadEnd`):

    request_join(device: DeviceRequest) -> str        ask the meter to let a device join its HAN
    request_removal(device: DeviceRequest) -> str     ask the meter to drop a device from its HAN
    send_message(message: MessageRequest) -> str      deliver a short text to a joined device
    poll(references: list[str]) -> dict[str, Answer]  the answers known now, by reference

Each request returns as soon as the head-end has taken it, with the head-end's reference for it
(at most 64 characters). The outcome comes later: MeterGate polls (`meters.tasks.poll_headend`
soon after sending, then the beat task `poll_open_requests`), and an adapter whose head-end calls
back instead hands the answers to `meters.services.record_headend_answers`. A reference missing
from `poll`'s answer has no outcome yet; a request that never gets one times out after
`settings.HAN_REQUEST_TIMEOUT`. Raise `HeadEndUnavailable` when the head-end cannot be reached:
the task retries with backoff. Adapters get plain values, never model instances, and never touch
the database.
"""

import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class HeadEndUnavailable(Exception):  # noqa: N818 - reads as the condition it reports
    """The head-end could not be reached or did not take the request; try again later."""


@dataclass(frozen=True)
class DeviceRequest:
    esiid: str
    mac: str
    install_code: str
    device_type: str


@dataclass(frozen=True)
class MessageRequest:
    esiid: str
    mac: str
    text: str


@dataclass(frozen=True)
class Answer:
    """The outcome of one request: joined / removed / delivered, or not, and why."""

    succeeded: bool
    detail: str = ""


class HeadEnd(ABC):
    @abstractmethod
    def request_join(self, device: DeviceRequest) -> str: ...

    @abstractmethod
    def request_removal(self, device: DeviceRequest) -> str: ...

    @abstractmethod
    def send_message(self, message: MessageRequest) -> str: ...

    @abstractmethod
    def poll(self, references: list[str]) -> dict[str, Answer]: ...


class SimulatedHeadEnd(HeadEnd):
    """A deterministic head-end for the demo and the tests. It takes every request and answers
    it on the next poll, decided by the device's MAC (its last byte) or the message's text:

        MAC ends in FF      the join is refused
        MAC ends in EE      the removal is refused
        MAC ends in DD      a join is never answered (it times out)
        MAC ends in DE      a removal is never answered (it times out)
        text has [undeliverable]   delivery fails
        text has [no answer]       delivery is never confirmed (it times out)
        anything else       succeeds

    The verdict travels inside the reference, so any process (web, worker) can answer a poll.
    """

    PREFIX = "sim"
    VERDICTS = {"ok", "refused"}  # "silent" references are never answered
    UNDELIVERABLE = "[undeliverable]"
    NO_ANSWER = "[no answer]"

    def request_join(self, device: DeviceRequest) -> str:
        verdict = {"FF": "refused", "DD": "silent"}.get(_last_byte(device.mac), "ok")
        return self._reference("join", verdict)

    def request_removal(self, device: DeviceRequest) -> str:
        verdict = {"EE": "refused", "DE": "silent"}.get(_last_byte(device.mac), "ok")
        return self._reference("remove", verdict)

    def send_message(self, message: MessageRequest) -> str:
        text = message.text.lower()
        if self.UNDELIVERABLE in text:
            return self._reference("message", "refused")
        return self._reference("message", "silent" if self.NO_ANSWER in text else "ok")

    def poll(self, references: list[str]) -> dict[str, Answer]:
        answers = {}
        for reference in references:
            prefix, kind, verdict, _ = ([*reference.split("-", 3), "", "", ""])[:4]
            if prefix == self.PREFIX and kind in DETAILS and verdict in self.VERDICTS:
                answers[reference] = Answer(verdict == "ok", DETAILS[kind][verdict])
        return answers

    def _reference(self, kind: str, verdict: str) -> str:
        return f"{self.PREFIX}-{kind}-{verdict}-{secrets.token_hex(8)}"


DETAILS = {
    "join": {"ok": "Joined the meter's network.", "refused": "The meter refused the join (check the install code)."},
    "remove": {"ok": "Removed from the meter's network.", "refused": "The meter refused to remove the device."},
    "message": {"ok": "Delivered to the device.", "refused": "The device did not accept the message."},
}


def _last_byte(mac: str) -> str:
    return mac.replace(":", "").upper()[-2:]


@cache
def _adapter_class(path: str) -> type[HeadEnd]:
    return import_string(path)


def get_headend() -> HeadEnd:
    """The configured adapter (a new instance each time: adapters may hold a connection)."""
    return _adapter_class(settings.HEADEND_ADAPTER)()
