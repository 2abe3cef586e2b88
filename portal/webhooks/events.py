"""The events a third party may subscribe to, named `<subject>.<what happened>`."""

from django.db import models


class Event(models.TextChoices):
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
    INVITATION_REJECTED = "invitation.rejected", "Invitation rejected"
    INVITATION_EXPIRED = "invitation.expired", "Invitation expired"
    AGREEMENT_TERMINATED = "agreement.terminated", "Agreement terminated"
    AGREEMENT_EXPIRED = "agreement.expired", "Agreement expired"
    AGREEMENT_EXTENDED = "agreement.extended", "Agreement extended"
    EXTENSION_ANSWERED = "extension_request.answered", "Extension request answered"
    REPORT_DELIVERED = "report.delivered", "Report delivered"
    REPORT_FAILED = "report.failed", "Report failed"
    DEVICE_JOINED = "device.joined", "Device joined"
    DEVICE_FAILED = "device.failed", "Device failed to join"
    DEVICE_REMOVED = "device.removed", "Device removed"
    USAGE_AVAILABLE = "usage.available", "New data for a premise under agreement"
    # Sent only by the "send test event" button, whatever the endpoint subscribes to.
    TEST = "webhook.test", "Test event"


SUBSCRIBABLE = [event for event in Event if event != Event.TEST]
