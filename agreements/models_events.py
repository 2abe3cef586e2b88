"""The agreements' audit trail: every transition of an invitation, agreement or extension request
(and of a direct-access agreement's approval and sub-grants) as one AgreementEvent, shown to both
sides and in the admin."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .models import Agreement, AgreementInvitation, ExtensionRequest


class AgreementEvent(models.Model):
    """One transition of an invitation, agreement or extension request: who, when, what, why."""

    class Action(models.TextChoices):
        INVITATION_CREATED = "invitation_created", "Invitation sent"
        INVITATION_RESENT = "invitation_resent", "Invitation resent"
        INVITATION_CANCELLED = "invitation_cancelled", "Invitation cancelled"
        INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
        INVITATION_REJECTED = "invitation_rejected", "Invitation rejected"
        INVITATION_EXPIRED = "invitation_expired", "Invitation expired"
        AGREEMENT_CREATED = "agreement_created", "Agreement started"
        AGREEMENT_EXTENDED = "agreement_extended", "Agreement extended"
        AGREEMENT_TERMINATED = "agreement_terminated", "Agreement terminated"
        AGREEMENT_EXPIRED = "agreement_expired", "Agreement expired"
        AGREEMENT_COMPLETED = "agreement_completed", "One-time data delivered"
        AGREEMENT_CHANGED = "agreement_changed", "Agreement changed"
        EXTENSION_REQUESTED = "extension_requested", "Extension requested"
        EXTENSION_RESENT = "extension_resent", "Extension request resent"
        EXTENSION_ACCEPTED = "extension_accepted", "Extension accepted"
        EXTENSION_REJECTED = "extension_rejected", "Extension rejected"
        EXTENSION_EXPIRED = "extension_expired", "Extension request expired"
        DEVICE_ADD_REQUESTED = "device_add_requested", "Device add requested"
        DIRECT_ACCESS_APPROVED = "direct_access_approved", "Direct access approved by staff"
        DIRECT_ACCESS_CHANGED = "direct_access_changed", "Direct access changed by staff"
        SUB_GRANTS_REQUESTED = "sub_grants_requested", "Customers asked for aggregation consent"
        SUB_GRANT_CONSENTED = "sub_grant_consented", "A customer consented to aggregation"
        SUB_GRANT_DECLINED = "sub_grant_declined", "A customer declined aggregation"

    # The audit trail is append-only and written set-based by the services that change its subject in
    # the same statement (see services.expiry), so its subject always exists; Django still cascades
    # deletes. A database check per event (a deferred trigger per row) would cost as much as the
    # sweep's own writes, so these three keys are not enforced by the database.
    agreement = models.ForeignKey(
        Agreement,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    invitation = models.ForeignKey(
        AgreementInvitation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    extension_request = models.ForeignKey(
        ExtensionRequest,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    actor_third_party = models.ForeignKey(
        "portal.ThirdParty", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    at = models.DateTimeField()
    detail = models.CharField(max_length=500, blank=True, help_text="Why, or what changed.")

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agreement__isnull=False) | Q(invitation__isnull=False), name="event_has_subject"
            ),
        ]
        indexes = [
            # Partial indexes: an event row enters only the indexes of the keys it has.
            models.Index(fields=["agreement", "at"], condition=Q(agreement__isnull=False), name="event_agreement_at"),
            models.Index(
                fields=["invitation", "at"], condition=Q(invitation__isnull=False), name="event_invitation_at"
            ),
            models.Index(
                fields=["extension_request"], condition=Q(extension_request__isnull=False), name="event_extension"
            ),
            models.Index(fields=["actor_user"], condition=Q(actor_user__isnull=False), name="event_actor_user"),
            models.Index(
                fields=["actor_third_party"], condition=Q(actor_third_party__isnull=False), name="event_actor_tp"
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def actor_label(self) -> str:
        """Who did it, in words both sides may see."""
        if self.actor_third_party_id:
            return self.actor_third_party.name
        if self.actor_user_id:
            return "MeterGate staff" if self.actor_user.is_staff else "Customer"
        return "MeterGate"
