"""Demo world, reports part: a delivered report (files in the local folder), a failed one, a
schedule, and "who read my data" entries for the demo customers, made through the services."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from agreements.models import Agreement, DurationKind
from usage.models import IntervalRead
from usage.services import IntervalReading, load_interval_reads

from . import services
from .models import DataAccessLog, DeliveryDestination, ReportRequest

DAYS = 7


def _agent(world, key: str):
    return world.objects["third_parties"][key].memberships.get(role="agent").user


def _continuous(third_party):
    return list(
        Agreement.objects.filter(
            third_party=third_party, status=Agreement.Status.ACTIVE, duration_kind=DurationKind.CONTINUOUS
        )
        .prefetch_related("premises")
        .order_by("pk")
    )


def _load_week(world, premises) -> None:
    """A week of 15-minute reads for premises that have none yet (usage's demo may load more)."""
    now = timezone.now()
    first = (now - timedelta(days=DAYS)).replace(minute=0, second=0, microsecond=0)
    readings = []
    for premise in premises:
        if IntervalRead.objects.filter(premise=premise).exists():
            continue
        base = world.rng.randint(150, 400)
        for quarter in range(DAYS * 96):
            moment = first + timedelta(minutes=15 * quarter)
            hour = moment.astimezone(timezone.get_current_timezone()).hour
            wh = base + (350 if 17 <= hour < 21 else 0) + world.rng.randint(0, 120)
            readings.append(IntervalReading(premise.pk, moment, Decimal(wh).scaleb(-3), revised_at=now))
    if readings:
        load_interval_reads(readings=readings)


def seed(world) -> None:
    third_parties = world.objects["third_parties"]
    brightside, research = third_parties["brightside"], third_parties["research"]
    agent = _agent(world, "brightside")
    agreements = _continuous(brightside)
    if not agreements:
        return
    premises = [premise for agreement in agreements[:4] for premise in agreement.premises.all()]
    _load_week(world, premises)
    today = timezone.localdate()

    # Delivered: one file per ESIID in MeterGate's local folder (Brightside has no FTPS set up).
    delivered = services.create_report_request(
        by=agent,
        kind="interval",
        start_date=today - timedelta(days=DAYS - 1),
        end_date=today - timedelta(days=1),
        esiids=[premise.esiid for premise in premises] + ["10443729999999999", "not-an-esiid"],
    )
    services.run_report(request_id=delivered.pk)

    # Failed: Research Co's FTPS password was sealed with a key MeterGate no longer has.
    research_agreements = _continuous(research)
    if research_agreements:
        DeliveryDestination.objects.create(
            third_party=research,
            backend=DeliveryDestination.Backend.FTPS,
            host="ftps.research.example.test",
            username="meterdata",
            password_encrypted="sealed-with-a-retired-key",  # noqa: S106 - deliberately unreadable
            folder="incoming",
        )
        failed = services.create_report_request(
            by=_agent(world, "research"),
            kind="daily",
            start_date=today - timedelta(days=30),
            end_date=today - timedelta(days=1),
            esiids=[premise.esiid for premise in research_agreements[0].premises.all()],
        )
        services.run_report(request_id=failed.pk)

    # A schedule: daily 15-minute usage for the first agreement's ESIIDs until it ends.
    services.create_schedule(by=agent, agreement=agreements[0], kind="interval")

    # API reads over the last months, and one older than the 3 months customers see (audit only).
    now = timezone.now()
    for agreement in agreements[:6]:
        for days_ago in (2, 20, 55, 120):
            for premise in agreement.premises.all():
                services.log_access(
                    third_party=brightside,
                    premise=premise,
                    kind="daily",
                    start=now - timedelta(days=days_ago + 30),
                    end=now - timedelta(days=days_ago),
                    rows=30,
                    via=DataAccessLog.Via.API,
                    agreement=agreement,
                    reference="/api/v1/usage/daily/",
                    at=now - timedelta(days=days_ago),
                )
    _smt_api(world, brightside)
    world.objects["reports"] = list(ReportRequest.objects.order_by("pk"))


def _smt_api(world, third_party) -> None:
    """Brightside's Smart Meter Texas v2 identity and an API user for /v2/token/."""
    from .smt_v2 import accounts

    admin = third_party.memberships.get(role="admin").user
    accounts.save_settings(by=admin, third_party=third_party, service_id="BRIGHTSIDE01", duns="123456789")
    api_user, _ = accounts.create_api_user(
        by=admin, third_party=third_party, email="smt-api@brightside.demo.metergate.test", full_name="Billing system"
    )
    api_user.user.set_password(world.password)
    api_user.user.save(update_fields=["password"])
    world.login(
        "SMT v2 API user (brightside)",
        api_user.user.email,
        "POST /v2/token/, then /v2/dailyreads/ with requestorID BRIGHTSIDE01, requesterAuthenticationID 123456789",
    )
