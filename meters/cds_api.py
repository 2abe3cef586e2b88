"""CDS customer-data lists of the data meters owns (WG3-01 §3.6): accounts, service contracts,
service points and meter devices, each limited to what the token's grants reach."""

from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers

from agreements.cds_api import GrantedListView
from portal.cds.resources import PAGE, Q_PARAMETER, TAG, filter_by, ids_parameter, numeric, search, stamps
from portal.cds.serializers import AdminErrorSerializer

from .models import BillingAccount, Meter, Premise, ServiceContract

ERRORS = {
    400: OpenApiResponse(AdminErrorSerializer, description="A filter is not well formed."),
    401: OpenApiResponse(AdminErrorSerializer, description="No or an expired access token."),
    403: OpenApiResponse(AdminErrorSerializer, description="The token's grants give no access to this list."),
}


def list_schema(key: str, summary: str, parameters: list):
    body = inline_serializer(
        f"{key.title().replace('_', '')}Page",
        {
            key: serializers.ListField(child=serializers.DictField()),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
        },
    )
    return extend_schema(
        tags=[TAG],
        summary=summary,
        operation_id=f"cds_{key}_list",
        parameters=[*parameters, PAGE],
        responses={200: body, **ERRORS},
    )


def programs_of(instance) -> list[dict]:
    return [
        {"program_id": program.code, "program_name": program.name, "program_description": program.description}
        for program in instance.programs.all()
    ]


# --- Accounts ----------------------------------------------------------------------------------


class AccountListView(GrantedListView):
    api = "accounts"
    response_key = "accounts"

    def scoped(self, reach):
        """The accounts of the grants' occupancies, with their parents under `include_accounts`."""
        accounts = reach.accounts(self.api)
        if reach.includes(self.api, "include_accounts"):
            accounts = BillingAccount.objects.filter(Q(pk__in=accounts) | Q(children__in=accounts)).distinct()
        return accounts

    def objects(self, request, reach):
        accounts = filter_by(
            self.scoped(reach),
            request,
            {
                "cds_account_ids": "pk",
                "customer_numbers": "customer__external_account_id",
                "account_numbers": "account_number",
                "account_statuses": "status",
            },
        )
        accounts = search(accounts, request, ["account_number", "name", "address"])
        return accounts.select_related("customer").prefetch_related("programs").order_by("-updated_at", "-pk")

    def prepare(self, request, items, reach):
        parents = {item.parent_id for item in items if item.parent_id}
        self.in_scope = (
            set(self.scoped(reach).filter(pk__in=parents).values_list("pk", flat=True)) if parents else set()
        )

    def represent(self, request, account, reach):
        data = {
            "cds_account_id": str(account.pk),
            **stamps(account),
            "cds_account_parent": str(account.parent_id)
            if account.parent_id and account.parent_id in self.in_scope
            else None,
        }
        if reach.includes(self.api, "include_account_numbers"):
            data |= {
                "customer_number": account.customer.external_account_id,
                "account_number": account.account_number,
                "account_entity": None,
            }
        if reach.includes(self.api, "include_account_details"):
            data |= {
                "account_name": account.name,
                "account_address": account.address,
                "account_types": list(account.account_types),
                "account_status": account.status,
                "account_contacts": [
                    {"type": "email" if "@" in contact else "phone", "value": contact} for contact in account.contacts
                ],
            }
        if reach.includes(self.api, "include_account_programs"):
            data["account_programs"] = programs_of(account)
        return data

    @list_schema(
        "accounts",
        "Billing accounts the token's grants reach",
        [
            ids_parameter("cds_account_ids", "account ids"),
            ids_parameter("customer_numbers", "customer numbers"),
            ids_parameter("account_numbers", "account numbers"),
            ids_parameter("account_statuses", "statuses"),
            Q_PARAMETER,
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Service contracts ---------------------------------------------------------------------------


class ServiceContractListView(GrantedListView):
    api = "service_contracts"
    response_key = "service_contracts"

    def objects(self, request, reach):
        contracts = ServiceContract.objects.filter(occupancy__in=reach.occupancies(self.api))
        statuses = set((request.GET.get("contract_statuses") or "").split()) or None
        if statuses is not None:
            condition = Q(pk__in=[])
            if "active" in statuses:
                condition |= Q(occupancy__move_out__isnull=True)
            if "inactive" in statuses:
                condition |= Q(occupancy__move_out__isnull=False)
            contracts = contracts.filter(condition)
        wanted_types = set((request.GET.get("contract_types") or "").split())
        if wanted_types:  # a JSON list: matched here, over the (few) contracts of the grants
            contracts = contracts.filter(
                pk__in=[pk for pk, types in contracts.values_list("pk", "contract_types") if set(types) & wanted_types]
            )
        contracts = filter_by(
            contracts,
            request,
            {
                "cds_servicecontract_ids": "pk",
                "account_numbers": "account__account_number",
                "contract_numbers": "contract_number",
                "service_types": "service_type",
            },
        )
        contracts = search(contracts, request, ["contract_number", "occupancy__premise__service_address"])
        return (
            contracts.select_related("account", "occupancy__premise", "rate_plan")
            .prefetch_related("programs")
            .order_by("-updated_at", "-pk")
        )

    def represent(self, request, contract, reach):
        occupancy = contract.occupancy
        data = {
            "cds_servicecontract_id": str(contract.pk),
            **stamps(contract),
            "cds_account_id": str(contract.account_id),
            "contract_types": list(contract.contract_types),
            "contract_status": contract.status,
            "service_types": [contract.service_type],
        }
        if reach.includes(self.api, "include_account_numbers"):
            data["account_number"] = contract.account.account_number
        if reach.includes(self.api, "include_contract_numbers"):
            data |= {"contract_number": contract.contract_number, "contract_entity": None}
        if reach.includes(self.api, "include_service_contract_details"):
            premise = occupancy.premise
            data |= {
                "contract_address": ", ".join(
                    part for part in (premise.service_address, premise.city, premise.state, premise.postal_code) if part
                ),
                "contract_start": occupancy.move_in,
                "contract_end": occupancy.move_out,
            }
        if reach.includes(self.api, "include_rate_plans"):
            data |= {
                "rateplan_code": contract.rate_plan.code if contract.rate_plan else None,
                "rateplan_name": contract.rate_plan.name if contract.rate_plan else None,
            }
        if reach.includes(self.api, "include_service_programs"):
            data["service_programs"] = programs_of(contract)
        return data

    @list_schema(
        "service_contracts",
        "Service contracts the token's grants reach",
        [
            ids_parameter("cds_servicecontract_ids", "service contract ids"),
            ids_parameter("account_numbers", "account numbers"),
            ids_parameter("contract_numbers", "contract numbers"),
            ids_parameter("contract_statuses", "statuses (active, inactive)"),
            ids_parameter("contract_types", "contract types"),
            ids_parameter("service_types", "service types"),
            Q_PARAMETER,
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Service points ------------------------------------------------------------------------------


class ServicePointListView(GrantedListView):
    api = "service_points"
    response_key = "service_points"

    def objects(self, request, reach):
        premises = Premise.objects.filter(pk__in=reach.premise_ids(self.api))
        for param, current in (("current_servicecontracts", True), ("previous_servicecontracts", False)):
            wanted = numeric((request.GET.get(param) or "").split())
            if param in request.GET:
                premises = premises.filter(
                    occupancies__service_contract__pk__in=wanted, occupancies__move_out__isnull=current
                )
        premises = filter_by(premises, request, {"cds_servicepoint_ids": "pk", "servicepoint_numbers": "esiid"})
        premises = search(premises, request, ["esiid", "service_address", "postal_code"])
        return premises.distinct().order_by("-updated_at", "-pk")

    def prepare(self, request, items, reach):
        self.contracts = {}
        occupancies = reach.occupancies(self.api).filter(premise__in=items, service_contract__isnull=False)
        for premise_id, contract_id, move_out in occupancies.values_list(
            "premise_id", "service_contract__pk", "move_out"
        ):
            self.contracts.setdefault(premise_id, ([], []))[0 if move_out is None else 1].append(str(contract_id))

    def represent(self, request, premise, reach):
        current, previous = self.contracts.get(premise.pk, ([], []))
        data = {
            "cds_servicepoint_id": str(premise.pk),
            **stamps(premise),
            "servicepoint_number": premise.esiid,
            "servicepoint_types": ["electricity"],
            "current_servicecontracts": current,
            "previous_servicecontracts": previous,
        }
        if reach.includes(self.api, "include_service_point_addresses"):
            data["servicepoint_address"] = ", ".join(
                part for part in (premise.service_address, premise.city, premise.state, premise.postal_code) if part
            )
        if reach.includes(self.api, "include_coordinates"):
            data |= {"latitude": None, "longitude": None}  # MeterGate does not hold coordinates
        if reach.includes(self.api, "include_premises"):
            data["premises"] = [premise.external_id] if premise.external_id else []
        return data

    @list_schema(
        "service_points",
        "Service points the token's grants reach",
        [
            ids_parameter("cds_servicepoint_ids", "service point ids"),
            ids_parameter("servicepoint_numbers", "service point numbers (ESIIDs)"),
            ids_parameter("current_servicecontracts", "current service contract ids"),
            ids_parameter("previous_servicecontracts", "previous service contract ids"),
            Q_PARAMETER,
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Meter devices -------------------------------------------------------------------------------


class MeterDeviceListView(GrantedListView):
    api = "meter_devices"
    response_key = "meter_devices"

    def objects(self, request, reach):
        meters = Meter.objects.filter(premise_id__in=reach.premise_ids(self.api))
        for param, removed in (("current_servicepoints", False), ("previous_servicepoints", True)):
            if param in request.GET:
                wanted = numeric(request.GET[param].split())
                meters = meters.filter(premise_id__in=wanted, removed_on__isnull=not removed)
        meters = filter_by(meters, request, {"cds_meterdevice_ids": "pk", "meter_number": "meter_number"})
        meters = filter_by(meters, request, {"meter_numbers": "meter_number"})
        meters = search(meters, request, ["meter_number"])
        return meters.order_by("-updated_at", "-pk")

    def represent(self, request, meter, reach):
        premise_id = [str(meter.premise_id)]
        data = {
            "cds_meterdevice_id": str(meter.pk),
            **stamps(meter),
            "meter_types": ["electric_meter" if meter.commodity == Meter.Commodity.ELECTRIC else "gas_meter"],
            "current_servicepoints": [] if meter.removed_on else premise_id,
            "previous_servicepoints": premise_id if meter.removed_on else [],
        }
        if reach.includes(self.api, "include_meter_numbers"):
            data["meter_number"] = meter.meter_number
        if reach.includes(self.api, "include_meter_apps"):
            data["meter_apps"] = []
        return data

    @list_schema(
        "meter_devices",
        "Meter devices the token's grants reach",
        [
            ids_parameter("cds_meterdevice_ids", "meter device ids"),
            ids_parameter("meter_number", "meter numbers"),
            ids_parameter("current_servicepoints", "current service point ids"),
            ids_parameter("previous_servicepoints", "previous service point ids"),
            Q_PARAMETER,
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
