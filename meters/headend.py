"""The head-end adapter: the one way MeterGate reaches the meter network, for HAN joins, removals
and messages, and on-demand register reads. `settings.HEADEND_ADAPTER` names the class; the default is
the simulator below.

The interface (subclass `HeadEnd`):

    request_join(device: DeviceRequest) -> str        ask the meter to let a device join its HAN
    request_removal(device: DeviceRequest) -> str     ask the meter to drop a device from its HAN
    send_message(message: MessageRequest) -> str      deliver a short text to a joined device
    request_read(request: ReadRequest) -> str         ask the meter for its register now (the
                                                      answer's `value` kWh and `read_at`)
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
from datetime import UTC, datetime
from decimal import Decimal
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
class ReadRequest:
    """An on-demand read of the meter's register (`meter_number` empty when none is recorded)."""

    esiid: str
    meter_number: str = ""


@dataclass(frozen=True)
class Answer:
    """The outcome of one request: joined / removed / delivered / read, or not, and why. A read
    that succeeded carries the register (`value`, kWh, 3 decimals) and when the meter took it."""

    succeeded: bool
    detail: str = ""
    value: Decimal | None = None
    read_at: datetime | None = None


class HeadEnd(ABC):
    @abstractmethod
    def request_join(self, device: DeviceRequest) -> str: ...

    @abstractmethod
    def request_removal(self, device: DeviceRequest) -> str: ...

    @abstractmethod
    def send_message(self, message: MessageRequest) -> str: ...

    @abstractmethod
    def poll(self, references: list[str]) -> dict[str, Answer]: ...

    def request_read(self, request: ReadRequest) -> str:
        """Not abstract, so adapters written before on-demand reads keep working for HAN work."""
        raise HeadEndUnavailable(f"{type(self).__name__} does not take on-demand reads.")


class SimulatedHeadEnd(HeadEnd):
    """A deterministic head-end for the demo and the tests. It takes every request and answers
    it on the next poll, decided by the device's MAC (its last byte) or the message's text:

        MAC ends in FF      the join is refused
        MAC ends in EE      the removal is refused
        MAC ends in DD      a join is never answered (it times out)
        MAC ends in DE      a removal is never answered (it times out)
        text has [undeliverable]   delivery fails
        text has [no answer]       delivery is never confirmed (it times out)
        meter number has NOREAD    an on-demand read fails (the meter did not answer)
        meter number has SILENT    an on-demand read is never answered (it times out)
        anything else       succeeds

    An on-demand read reports a register that grows steadily with time (`simulated_register`):
    a start of 10 kWh per unit of the ESIID's last 4 digits, plus 1.26 kWh an hour since 2020;
    the meter "reads" it when the request is taken. The verdict (and a read's value and time)
    travels inside the reference, so any process (web, worker) can answer a poll.
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

    def request_read(self, request: ReadRequest) -> str:
        meter = request.meter_number.upper()
        verdict = "refused" if "NOREAD" in meter else "silent" if "SILENT" in meter else "ok"
        read_at = int(datetime.now(UTC).timestamp())
        return self._reference("read", verdict, f"{read_at}-{simulated_register(request.esiid, read_at)}")

    def poll(self, references: list[str]) -> dict[str, Answer]:
        answers = {}
        for reference in references:
            prefix, kind, verdict, rest = ([*reference.split("-", 3), "", "", ""])[:4]
            if prefix == self.PREFIX and kind in DETAILS and verdict in self.VERDICTS:
                answer = Answer(verdict == "ok", DETAILS[kind][verdict])
                if kind == "read" and answer.succeeded:
                    read_at, register_wh, _ = rest.split("-", 2)
                    answer = Answer(
                        True,
                        answer.detail,
                        value=Decimal(int(register_wh)).scaleb(-3),
                        read_at=datetime.fromtimestamp(int(read_at), UTC),
                    )
                answers[reference] = answer
        return answers

    def _reference(self, kind: str, verdict: str, payload: str = "") -> str:
        payload = f"{payload}-" if payload else ""
        return f"{self.PREFIX}-{kind}-{verdict}-{payload}{secrets.token_hex(8)}"


SIMULATED_REGISTER_EPOCH = 1_577_836_800  # 2020-01-01 UTC


def simulated_register(esiid: str, at_epoch: int) -> int:
    """The simulator's register in Wh for a premise at an instant: deterministic and growing."""
    start = int(esiid[-4:] or 0) * 10_000 if esiid[-4:].isdigit() else 0
    return start + max(0, at_epoch - SIMULATED_REGISTER_EPOCH) * 21 // 60


DETAILS = {
    "join": {"ok": "Joined the meter's network.", "refused": "The meter refused the join (check the install code)."},
    "remove": {"ok": "Removed from the meter's network.", "refused": "The meter refused to remove the device."},
    "message": {"ok": "Delivered to the device.", "refused": "The device did not accept the message."},
    "read": {"ok": "Read from the meter.", "refused": "The meter did not answer the read request."},
}


def _last_byte(mac: str) -> str:
    return mac.replace(":", "").upper()[-2:]


@cache
def _adapter_class(path: str) -> type[HeadEnd]:
    return import_string(path)


def get_headend() -> HeadEnd:
    """The configured adapter (a new instance each time: adapters may hold a connection)."""
    return _adapter_class(settings.HEADEND_ADAPTER)()
