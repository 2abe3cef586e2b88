"""SMT v2 agreement, meter and premise calls (reports.smt_v2.agreements); authentication, the
caller's identifiers and the error shape as in reports.smt_v2.api."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from . import agreement_serializers as s
from . import agreements
from .api import ERRORS, TAG, SmtV2View
from .serializers import SmtV2ErrorOutputSerializer

NOT_FOUND = {404: SmtV2ErrorOutputSerializer, **ERRORS}


class NewAgreementView(SmtV2View):
    input_serializer = s.SmtV2NewAgreementInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="Invite a customer to an Energy Data agreement (the portal's invitation and e-mail)",
        request=s.SmtV2NewAgreementInputSerializer,
        responses={200: s.SmtV2NewAgreementOutputSerializer, 409: SmtV2ErrorOutputSerializer, **ERRORS},
    )
    def post(self, request):
        invitation = agreements.new_agreement(
            third_party=self.third_party,
            customer_email=self.data["retailCustomerEmail"],
            duration=self.data["agreementDuration"],
            meters=self.data["customerMeterList"],
        )
        body = {
            "trans_id": self.data["trans_id"],
            "statusCode": "0",
            "statusReason": "Agreement request sent to the customer",
            "agreementNumber": invitation.number,
        }
        return Response(s.SmtV2NewAgreementOutputSerializer(body).data)


class MyAgreementsView(SmtV2View):
    input_serializer = s.SmtV2MyAgreementsInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="Your Energy Data agreements and pending invitations",
        request=s.SmtV2MyAgreementsInputSerializer,
        responses={200: s.SmtV2MyAgreementsOutputSerializer, **ERRORS},
    )
    def post(self, request):
        entries = agreements.my_agreements(
            third_party=self.third_party, number=self.data["agreementNumber"], status=self.data["statusReason"]
        )
        return Response(
            s.SmtV2MyAgreementsOutputSerializer({"trans_id": self.data["trans_id"], "agreementList": entries}).data
        )


class AgreementEsiidsView(SmtV2View):
    input_serializer = s.SmtV2AgreementNumberInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="The ESIIDs (and current meters) of one of your agreements",
        request=s.SmtV2AgreementNumberInputSerializer,
        responses={200: s.SmtV2AgreementEsiidsOutputSerializer, **NOT_FOUND},
    )
    def post(self, request):
        number = self.data["agreementNumber"]
        esiids = agreements.agreement_esiids(third_party=self.third_party, number=number)
        body = {"trans_id": self.data["trans_id"], "agreementNumber": number, "ESIIDList": esiids}
        return Response(s.SmtV2AgreementEsiidsOutputSerializer(body).data)


class TerminateAgreementView(SmtV2View):
    input_serializer = s.SmtV2TerminateInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="End agreements now (or withdraw their invitations)",
        request=s.SmtV2TerminateInputSerializer,
        responses={200: s.SmtV2TerminateOutputSerializer, 409: SmtV2ErrorOutputSerializer, **NOT_FOUND},
    )
    def post(self, request):
        results = agreements.terminate(third_party=self.third_party, agreements=self.data["agreementList"])
        return Response(
            s.SmtV2TerminateOutputSerializer({"trans_id": self.data["trans_id"], "agreementList": results}).data
        )


def _esiids(data) -> list[str]:
    return [entry["esiid"] for entry in data["ESIIDMeterList"]]


class MeterInfoView(SmtV2View):
    input_serializer = s.SmtV2EsiidListInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="The meters of ESIIDs under your live agreements",
        request=s.SmtV2EsiidListInputSerializer,
        responses={200: s.SmtV2MeterInfoOutputSerializer, **ERRORS},
    )
    def post(self, request):
        premises = agreements.covered_premises(third_party=self.third_party, esiids=_esiids(self.data))
        meters = [entry for premise in premises for entry in agreements.meter_data(premise)]
        return Response(s.SmtV2MeterInfoOutputSerializer({"trans_id": self.data["trans_id"], "MeterData": meters}).data)


class PremiseInfoView(SmtV2View):
    input_serializer = s.SmtV2EsiidListInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="The service addresses of ESIIDs under your live agreements",
        request=s.SmtV2EsiidListInputSerializer,
        responses={200: s.SmtV2PremiseInfoOutputSerializer, **ERRORS},
    )
    def post(self, request):
        premises = agreements.covered_premises(third_party=self.third_party, esiids=_esiids(self.data))
        body = {"trans_id": self.data["trans_id"], "PremiseData": [agreements.premise_data(p) for p in premises]}
        return Response(s.SmtV2PremiseInfoOutputSerializer(body).data)
