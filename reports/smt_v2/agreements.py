"""Agreements, meters and premises through the Smart Meter Texas v2 API. A NewAgreement is the
portal's invitation (agreements.services.create_invitation: same validation, same e-mail, 30 days
to answer); its number (INV-...) is SMT's agreementNumber until the customer accepts, then the
agreement's own (AGR-...) is listed too and either number finds it.

SMT statuses: PENDING (invitation waiting), ACT (active), NACOM (not active: ended, rejected,
cancelled or lapsed; statusReason says which, e.g. "Non Active - Terminated by CSP")."""

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from agreements.models import Agreement, AgreementInvitation, AgreementType, DurationKind
from agreements.services import cancel_invitation, create_invitation, terminate_agreement
from meters.models import Meter, Premise

from .services import SMT_DAY, SmtError

SMT_DURATIONS = (1, 3, 6, 9, 12, 24, 36)
INVITATION_REASONS = {
    AgreementInvitation.Status.REJECTED: "Non Active - Rejected by customer",
    AgreementInvitation.Status.EXPIRED: "Non Active - Not answered in time",
    AgreementInvitation.Status.CANCELLED: "Non Active - Cancelled by CSP",
}
ENDED_BY = {
    Agreement.EndedBy.CUSTOMER: "Customer",
    Agreement.EndedBy.THIRD_PARTY: "CSP",
    Agreement.EndedBy.UTILITY: "Utility",
    Agreement.EndedBy.SYSTEM: "MeterGate",
}


def max_duration() -> int:
    return getattr(settings, "SMT_V2_MAX_AGREEMENT_MONTHS", 12)


def new_agreement(*, third_party, customer_email: str, duration: int, meters: list[dict]) -> AgreementInvitation:
    if duration not in SMT_DURATIONS:
        raise SmtError("400", f"agreementDuration must be one of {', '.join(map(str, SMT_DURATIONS))}.")
    if duration > max_duration():
        raise SmtError("400", f"agreementDuration: at most {max_duration()} months here.")
    esiids = [entry["ESIID"] for entry in meters]
    for entry in meters:
        number = entry.get("meterNumber", "")
        if number and not Meter.objects.filter(premise__esiid=entry["ESIID"], meter_number=number).exists():
            raise SmtError("400", f"ESIID {entry['ESIID']}: meter {number} is not at this ESIID.")
    return create_invitation(
        by=None,
        third_party=third_party,
        agreement_type=AgreementType.ENERGY_DATA,
        esiids=esiids,
        customer_email=customer_email,
        duration_kind=DurationKind.CONTINUOUS,
        months=duration,
    )


def _day(moment) -> str:
    return "" if moment is None else timezone.localtime(moment).strftime(SMT_DAY)


def _agreement_entry(agreement: Agreement, email: str) -> dict:
    live = agreement.status == Agreement.Status.ACTIVE and (
        agreement.ends_at is None or agreement.ends_at > timezone.now()
    )
    reason = "Active" if live else f"Non Active - {agreement.get_status_display()}"
    if agreement.status == Agreement.Status.TERMINATED:
        reason = f"Non Active - Terminated by {ENDED_BY.get(agreement.ended_by_role, 'CSP')}"
    return {
        "agreementNumber": agreement.number,
        "invitationNumber": agreement.invitation.number if agreement.invitation_id else "",
        "status": "ACT" if live else "NACOM",
        "statusReason": reason,
        "retailCustomerEmail": email,
        "agreementDuration": str(agreement.months or ""),
        "startDate": _day(agreement.starts_at),
        "endDate": _day(agreement.ends_at),
    }


def _invitation_entry(invitation: AgreementInvitation) -> dict:
    pending = invitation.status == AgreementInvitation.Status.PENDING
    return {
        "agreementNumber": invitation.number,
        "invitationNumber": invitation.number,
        "status": "PENDING" if pending else "NACOM",
        "statusReason": "Waiting for the customer" if pending else INVITATION_REASONS[invitation.status],
        "retailCustomerEmail": invitation.customer_email,
        "agreementDuration": str(invitation.months or ""),
        "startDate": "",
        "endDate": _day(invitation.expires_at) if pending else "",
    }


def _consented():
    """Customers' agreements: staff-approved direct access (no customer) is no SMT agreement."""
    return Agreement.objects.filter(customer__isnull=False)


def _invitations(third_party):
    return AgreementInvitation.objects.filter(
        third_party=third_party, agreement_type=AgreementType.ENERGY_DATA
    ).select_related("agreement")


def my_agreements(*, third_party, number: str = "", status: str = "") -> list[dict]:
    """The company's Energy Data agreements and not yet accepted invitations, newest first."""
    agreements = _consented().filter(third_party=third_party, agreement_type=AgreementType.ENERGY_DATA)
    invitations = _invitations(third_party).exclude(status=AgreementInvitation.Status.ACCEPTED)
    if number:
        agreements = agreements.filter(Q(number=number) | Q(invitation__number=number))
        invitations = invitations.filter(number=number)
    entries = [
        _agreement_entry(agreement, agreement.invitation.customer_email if agreement.invitation_id else "")
        for agreement in agreements.select_related("invitation").order_by("-starts_at")
    ] + [_invitation_entry(invitation) for invitation in invitations.order_by("-created_at")]
    if status:
        entries = [entry for entry in entries if status.upper() in (entry["status"], entry["statusReason"].upper())]
    return entries


def _find(third_party, number: str) -> Agreement | AgreementInvitation:
    agreement = (
        _consented()
        .filter(third_party=third_party, agreement_type=AgreementType.ENERGY_DATA)
        .filter(Q(number=number) | Q(invitation__number=number))
        .first()
    )
    if agreement is not None:
        return agreement
    invitation = _invitations(third_party).filter(number=number).first()
    if invitation is None:
        raise SmtError("404", f"No agreement {number} of yours.", status_code=404)
    return invitation


def agreement_esiids(*, third_party, number: str) -> list[dict]:
    found = _find(third_party, number)
    meters = {
        meter.premise_id: meter.meter_number
        for meter in Meter.objects.filter(premise__in=found.premises.all(), removed_on__isnull=True)
    }
    return [
        {"ESIID": premise.esiid, "meterNumber": meters.get(premise.pk, "")}
        for premise in found.premises.order_by("esiid")
    ]


def terminate(*, third_party, agreements: list[dict]) -> list[dict]:
    """End each listed agreement (or cancel its invitation); the e-mail must be the one given."""
    results = []
    for entry in agreements:
        found = _find(third_party, entry["agreementNumber"])
        invitation = found if isinstance(found, AgreementInvitation) else found.invitation
        email = (entry.get("retailCustomerEmail") or "").strip().lower()
        if email and invitation is not None and invitation.customer_email and invitation.customer_email != email:
            raise SmtError("400", f"{entry['agreementNumber']}: retailCustomerEmail does not match the agreement.")
        if isinstance(found, Agreement):
            terminate_agreement(by=None, third_party=third_party, agreement=found, reason="Terminated by CSP.")
        else:
            cancel_invitation(by=None, third_party=third_party, invitation=found, reason="Terminated by CSP.")
        results.append({"agreementNumber": entry["agreementNumber"], "statusCode": "0", "statusReason": "Terminated"})
    return results


def covered_premises(*, third_party, esiids: list[str]) -> list[Premise]:
    """Premises the company has a live agreement for now; any other ESIID refuses the call."""
    now = timezone.now()
    live = (
        _consented()
        .filter(third_party=third_party, status=Agreement.Status.ACTIVE)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .values("premises")
    )
    premises = {premise.esiid: premise for premise in Premise.objects.filter(esiid__in=esiids, pk__in=live)}
    for esiid in esiids:
        if esiid not in premises:
            raise SmtError("no_agreement", f"ESIID {esiid}: you have no agreement covering it.", status_code=403)
    return [premises[esiid] for esiid in dict.fromkeys(esiids)]


def meter_data(premise: Premise) -> list[dict]:
    return [
        {
            "esiid": premise.esiid,
            "utilityMeterId": meter.meter_number,
            "meterSerialNumber": meter.meter_number,
            "meterStatus": "A" if meter.removed_on is None else "R",
            "intervalSetting": "15",
            "installationDate": "" if meter.installed_on is None else meter.installed_on.strftime(SMT_DAY),
            "removalDate": "" if meter.removed_on is None else meter.removed_on.strftime(SMT_DAY),
            "LastUpdated": timezone.localtime(meter.updated_at).strftime(SMT_DAY),
        }
        for meter in premise.meters.filter(commodity=Meter.Commodity.ELECTRIC).order_by("-installed_on")
    ]


def premise_data(premise: Premise) -> dict:
    return {
        "esiid": premise.esiid,
        "address": premise.service_address,
        "city": premise.city,
        "state": premise.state,
        "zipcode": premise.postal_code,
        "premiseStatus": premise.get_status_display().upper(),
        "timeZone": premise.time_zone,
    }
