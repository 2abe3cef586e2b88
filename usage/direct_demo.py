"""Demo world, direct access: the research company gets a direct-access client and a staff approval
to read the demo aggregations' summed usage, so the README's researcher path works on the demo.
Runs after usage.billing_demo (the aggregations); groups too small ask their customers to consent."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from agreements.models import DirectAccessApproval
from agreements.services import direct_access
from portal.cds import registration
from portal.cds.models import ClientRegistration
from portal.models import User

from .models import Aggregation
from .services import aggregations

SCOPE = "cds_client_admin cds_query_usage cds_query_aggregations"


def seed(world) -> None:
    third_party = world.objects.get("third_parties", {}).get("research")
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    numbers = list(Aggregation.objects.order_by("number").values_list("number", flat=True))
    if third_party is None or staff is None or not numbers:
        return
    registered = registration.register(
        scope=SCOPE,
        submitted={"client_name": f"{third_party.name} research", "contacts": [third_party.contact_email]},
        source=ClientRegistration.Source.STAFF,
        site=settings.SITE_URL,
        third_party=third_party,
        reveal_all=True,
    )
    client = next(client for client in registered.clients if "cds_query_usage" in client.allowed_scope_set)
    now = timezone.now()
    approval = direct_access.save_approval(
        by=staff,
        approval=direct_access.new_approval(
            third_party=third_party,
            starts_at=now,
            ends_at=now + timedelta(days=365),
            client=client,
            scope="cds_query_usage cds_query_aggregations",
            coverage=DirectAccessApproval.Coverage.ALL,
            aggregation_numbers=numbers,
            purpose="Demo: monthly usage by postal code for a load study.",
        ),
    )
    asked = aggregations.ask_consent_where_needed(approval)
    secret = registered.secrets[client.client_id]
    details = f'[{{"type":"cds_query_usage","aggregation_numbers":["{numbers[0]}"]}}]'
    world.stdout.write(
        f"\nDirect access ({third_party.name}, agreement {approval.agreement.number}: {', '.join(numbers)}; "
        f"{asked} customer(s) asked to consent where a group is below the privacy threshold):\n"
        f"  curl -u {client.client_id}:{secret} -d grant_type=client_credentials -d scope=cds_query_usage "
        f"--data-urlencode 'authorization_details={details}' {settings.SITE_URL}/oauth/token/\n"
    )
