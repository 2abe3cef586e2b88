"""The `addresses` preselection (WG3-01 §7.1.13): addresses normalised before matching, a value
counts only when it names exactly one service point, and it only ever narrows what is shared."""

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from agreements.services import grants as grant_services
from agreements.services.grants import offered_premises
from meters.addresses import ABBREVIATIONS, normalized_address
from portal.cds import rar, scopes
from tests.factories import CustomerFactory, PremiseFactory, SandboxAccountFactory
from usage.services import IntervalReading, load_interval_reads

from .factories import BillSectionFactory, BillStatementFactory, CertificateFactory, billed_customer
from .helpers import bearer, consent_token, every_scope_client_set
from .test_conformance import APIS, INCLUDES, SCOPES, metadata, walk

pytestmark = pytest.mark.django_db

HOME = "100 Congress Avenue Unit 4, Austin, TX 78701"  # as a client sends it: abbreviations spelled out


def premise_at(street: str, **fields):
    return PremiseFactory(service_address=street, city="Austin", state="TX", postal_code="78701", **fields)


def offered(customer, values) -> list:
    premises, _ = offered_premises(
        customer=customer, authorization_details=[{"type": "cds_usage", "addresses": values}]
    )
    return premises


def test_a_typical_address_is_normalised_with_abbreviations_spelled_out():
    premise = premise_at("100  Congress Ave. #4")
    pump = premise_at("Pump station, FM 5555")

    assert normalized_address(premise) == "100 congress avenue unit 4, austin, tx 78701"
    assert normalized_address(pump) == "pump station, fm 5555, austin, tx 78701"  # atypical: as written


def test_an_address_preselects_the_one_service_point_it_names():
    customer = CustomerFactory()
    home = billed_customer(customer=customer, premise=premise_at("100 Congress Ave #4")).premise
    billed_customer(customer=customer, premise=premise_at("200 Lavaca St"))

    assert offered(customer, [f"  {HOME.upper()} "]) == [home]
    assert offered(customer, ["100 Congress Ave #4, Austin, TX 78701"]) == []  # abbreviations are not expanded
    assert offered(customer, ["_all"]) != [home] and len(offered(customer, ["_all"])) == 2


def test_an_address_naming_two_service_points_matches_none():
    customer = CustomerFactory()
    billed_customer(customer=customer, premise=premise_at("100 Congress Ave #4"))
    billed_customer(customer=customer, premise=premise_at("100 Congress Avenue Unit 4"))

    assert offered(customer, [HOME]) == []


def test_an_address_of_another_customer_never_widens_the_selection():
    customer = CustomerFactory()
    billed_customer(customer=customer, premise=premise_at("200 Lavaca St"))
    billed_customer(premise=premise_at("100 Congress Ave #4"))  # someone else lives there

    assert offered(customer, [HOME]) == []


def _with_data(billed):
    statement = BillStatementFactory(account=billed.account)
    BillSectionFactory(statement=statement, account=billed.account, service_contract=billed.contract)
    CertificateFactory(premise=billed.premise)
    start = datetime.combine(date.today() - timedelta(days=3), time(6), tzinfo=UTC)
    load_interval_reads(
        readings=[
            IntervalReading(
                premise_id=billed.premise.pk, interval_start=start + timedelta(minutes=15 * index), kwh=Decimal("0.2")
            )
            for index in range(8)
        ]
    )
    return billed


def test_a_service_point_at_another_address_never_appears_on_any_list():
    customer = CustomerFactory()
    home = _with_data(billed_customer(customer=customer, premise=premise_at("100 Congress Ave #4")))
    other = _with_data(billed_customer(customer=customer, premise=premise_at("200 Lavaca St")))
    token = consent_token(every_scope_client_set(), customer, SCOPES, addresses=[HOME], **dict.fromkeys(INCLUDES, True))
    advertised = metadata()

    # The other service point's ids, by the kind of object they name.
    foreign = {
        "servicepoint": str(other.premise.pk),
        "meterdevice": str(other.meter.pk),
        "servicecontract": str(other.contract.pk),
        "account": str(other.account.pk),
    }
    seen_home = set()
    for api, (key, id_field, *_rest) in APIS.items():
        response = Client().get(advertised[api], **bearer(token))
        assert f'"{other.premise.esiid}"'.encode() not in response.content, api
        assert f'"{other.meter.meter_number}"'.encode() not in response.content, api
        for item in walk(advertised[api], token):
            for name, value in item.items():
                kind = next((kind for kind in foreign if kind in name.replace("_", "")), None)
                if kind and name.startswith(("cds_", "related_", "grouped_", "current_", "previous_")):
                    assert foreign[kind] not in (value if isinstance(value, list) else [value]), (api, name)
            if key == "service_points":
                seen_home.add(item[id_field])
    assert seen_home == {str(home.premise.pk)}


def test_a_grant_covering_two_service_points_reads_only_the_one_its_addresses_name():
    customer = CustomerFactory()
    SandboxAccountFactory(customer=customer)
    home = billed_customer(customer=customer, premise=premise_at("100 Congress Ave #4"))
    other = billed_customer(customer=customer, premise=premise_at("200 Lavaca St"))
    client = every_scope_client_set().consent
    entry = rar.with_defaults({"type": "cds_meters", "include_service_points": True})
    grant = grant_services.create_grant(
        by=customer,
        client=client,
        scope_ids=["cds_meters"],
        authorization_details=[entry],
        premise_ids=[home.premise.pk, other.premise.pk],
        include_future=False,
    )
    # Narrowed later (a grant PATCH needs no new consent): the selection follows the preselection.
    grant.authorization_details = [entry | {"addresses": [HOME]}]
    grant.save(update_fields=["authorization_details"])
    token = get_access_token_model().objects.create(
        user=customer,
        application=client,
        token="addresses-token",
        expires=timezone.now() + timedelta(hours=1),
        scope="cds_meters",
    )
    grant_services.link_tokens(grant_ids=[grant.pk], access_token=token)

    points = Client().get("/api/v1/cds/service-points/", **bearer(token.token)).json()["service_points"]
    meters = Client().get("/api/v1/cds/meter-devices/", **bearer(token.token)).json()["meter_devices"]

    assert [item["cds_servicepoint_id"] for item in points] == [str(home.premise.pk)]
    assert [item["cds_meterdevice_id"] for item in meters] == [str(home.meter.pk)]


def test_only_the_street_address_has_its_abbreviations_spelled_out():
    premise = PremiseFactory(service_address="12 N Main St", city="St. Paul", state="MN", postal_code="55101")

    assert normalized_address(premise) == "12 north main street, st. paul, mn 55101"


def test_the_field_documentation_lists_every_abbreviation_expanded():
    [field] = [item for item in scopes.CONSENT_FIELDS if item.id == "addresses"]

    for short, full in ABBREVIATIONS.items():
        assert re.search(rf"\b{short}\b[^,;]*\b{full}\b", field.description, re.IGNORECASE), short
