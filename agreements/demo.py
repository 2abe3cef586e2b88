"""Demo world, agreements part: invitations, agreements and extension requests in every state,
made through the services so every event and rule is real."""

from datetime import timedelta

from django.utils import timezone

from meters import services as meter_services
from meters.models import Occupancy
from portal.models import User

from . import services
from .models import AgreementType, DurationKind


def _agent(world, key: str) -> User:
    return world.objects["third_parties"][key].memberships.get(role="agent").user


def _occupancy(customer) -> Occupancy:
    return Occupancy.objects.current().filter(customer=customer).select_related("premise").first()


def _invite(agent, occupancy, **terms):
    terms.setdefault("agreement_type", AgreementType.ENERGY_DATA)
    if terms["agreement_type"] == AgreementType.ENERGY_DATA:
        terms.setdefault("duration_kind", DurationKind.CONTINUOUS)
        terms.setdefault("months", 12)
    return services.create_invitation(
        by=agent, esiids=[occupancy.premise.esiid], authorization_code=occupancy.authorization_code, **terms
    )


def seed(world) -> None:
    customers = [customer for customer in world.objects["customers"] if _occupancy(customer) is not None]
    staff = User.objects.get(email="admin@demo.metergate.test")
    brightside, retail, research = (_agent(world, key) for key in ("brightside", "texasretail", "research"))

    # Continuous energy-data agreements: the data the usage and report demos read.
    active = []
    for customer in customers[:16]:
        invitation = _invite(brightside, _occupancy(customer))
        active.append(services.accept_invitation(by=customer, invitation=invitation))
    for customer in customers[:8]:
        invitation = _invite(retail, _occupancy(customer), months=6)
        active.append(services.accept_invitation(by=customer, invitation=invitation))
    lonestar = [customer for customer in customers if customer.label_partner.code == "lonestar"]
    for customer in lonestar[16:22]:
        invitation = _invite(research, _occupancy(customer), months=3)
        active.append(services.accept_invitation(by=customer, invitation=invitation))

    # Invitations in every state; the first demo customer has one waiting.
    services.resend_invitation(
        by=retail,
        invitation=_invite(
            retail, _occupancy(customers[8]), duration_kind=DurationKind.ONE_TIME, one_time_kind="daily", months=None
        ),
    )
    _invite(research if customers[0].label_partner.code == "lonestar" else retail, _occupancy(customers[0]), months=3)
    rejected = _invite(retail, _occupancy(customers[9]), months=6)
    services.reject_invitation(by=customers[9], invitation=rejected, reason="I don't know this company")
    cancelled = _invite(retail, _occupancy(customers[10]), months=2)
    services.cancel_invitation(by=retail, invitation=cancelled, reason="Sent to the wrong customer")
    services.expire_invitation_now(by=staff, invitation=_invite(retail, _occupancy(customers[11]), months=2))

    # Extension requests: pending, accepted, rejected.
    short = [agreement for agreement in active if agreement.third_party.name == "Texas Retail Power"]
    services.request_extension(by=retail, agreement=short[0], months=3)
    accepted = services.request_extension(by=retail, agreement=short[1], months=3)
    services.accept_extension_request(by=short[1].customer, extension_request=accepted)
    rejected_extension = services.request_extension(by=retail, agreement=short[2], months=6)
    services.reject_extension_request(by=short[2].customer, extension_request=rejected_extension, reason="Not now")

    # Ended agreements: by the customer, by the third party, expired, one-time delivered, moved out.
    services.terminate_agreement(by=short[3].customer, agreement=short[3], reason="Switched providers")
    services.terminate_agreement(by=retail, agreement=short[4], reason="Contract ended")
    services.expire_agreement_now(by=staff, agreement=short[5])
    one_time = services.accept_invitation(
        by=customers[6],
        invitation=_invite(
            brightside,
            _occupancy(customers[6]),
            duration_kind=DurationKind.ONE_TIME,
            one_time_kind="interval",
            months=None,
        ),
    )
    services.complete_one_time(agreement=one_time)
    _seed_move_out(world, customers[15], customers[-1])


def _seed_move_out(world, leaving: User, arriving: User) -> None:
    """A customer with agreements moves out; their agreements end and a new occupant moves in."""
    occupancy = _occupancy(leaving)
    today = timezone.localdate()
    services.move_out(by=None, premise=occupancy.premise, move_out=today - timedelta(days=3), reason="Moved away")
    meter_services.move_in(
        customer=arriving,
        premise=occupancy.premise,
        account_number="5550001234",
        authorization_code="905511",
        move_in=today - timedelta(days=2),
    )
