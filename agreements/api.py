"""Agreements API for third parties (OAuth2 client credentials, scope `agreements`): invitations,
agreements and extension requests. Each third party sees only its own; another's is a 404."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api_support import IsThirdPartyMember, third_party_of

from . import selectors, services
from .exports import agreement_rows, csv_response, invitation_rows
from .filters import AgreementFilter, InvitationFilter
from .models import Agreement, AgreementInvitation, ExtensionRequest
from .serializers import (
    AgreementDetailOutputSerializer,
    AgreementErrorSerializer,
    AgreementOutputSerializer,
    ExtensionRequestInputSerializer,
    ExtensionRequestOutputSerializer,
    InvitationCreateInputSerializer,
    InvitationOutputSerializer,
    TerminateInputSerializer,
)

TAG = "agreements"
ERRORS = {
    400: OpenApiResponse(AgreementErrorSerializer, description="Invalid input, or a rule refused it (see `code`)."),
    401: OpenApiResponse(AgreementErrorSerializer, description="No or an expired access token."),
    403: OpenApiResponse(
        AgreementErrorSerializer, description="Not a third party's token with the `agreements` scope."
    ),
}
NOT_FOUND = {404: OpenApiResponse(AgreementErrorSerializer, description="No such record of yours.")}
CONFLICT = {
    409: OpenApiResponse(AgreementErrorSerializer, description="Not possible in the current state (see `code`).")
}
CSV = {(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, one row per record.")}


class ThirdPartyAPIView(APIView):
    authentication_classes = [OAuth2Authentication]
    permission_classes = [TokenHasScope, IsThirdPartyMember]
    required_scopes = ["agreements"]

    @property
    def third_party(self):
        return third_party_of(self.request)

    def invitations(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request to ask
            return AgreementInvitation.objects.none()
        return selectors.invitations_for_third_party(self.third_party).select_related("agreement")

    def agreements(self):
        if getattr(self, "swagger_fake_view", False):
            return Agreement.objects.none()
        return selectors.agreements_for_third_party(self.third_party)


class ThirdPartyListView(ThirdPartyAPIView, generics.ListAPIView):
    pass


@extend_schema_view(
    get=extend_schema(tags=[TAG], summary="List invitations", responses={200: InvitationOutputSerializer, **ERRORS}),
    post=extend_schema(
        tags=[TAG],
        summary="Invite a customer",
        description=(
            "Validated before any e-mail: every ESIID must be occupied by the one customer who matches the "
            "authorization code or e-mail. Any mismatch answers `customer_mismatch` with the same message."
        ),
        request=InvitationCreateInputSerializer,
        responses={201: InvitationOutputSerializer, **ERRORS, **CONFLICT},
    ),
)
class InvitationListView(ThirdPartyListView):
    serializer_class = InvitationOutputSerializer
    filterset_class = InvitationFilter

    def get_queryset(self):
        return self.invitations()

    def post(self, request):
        data = InvitationCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.create_invitation(by=None, third_party=self.third_party, **data.validated_data)
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=[TAG], summary="Read an invitation", responses={200: InvitationOutputSerializer, **ERRORS, **NOT_FOUND}
)
class InvitationDetailView(ThirdPartyAPIView):
    def get(self, request, number):
        return Response(InvitationOutputSerializer(get_object_or_404(self.invitations(), number=number)).data)


@extend_schema(
    tags=[TAG],
    summary="Resend an invitation (once)",
    request=None,
    responses={200: InvitationOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
)
class InvitationResendView(ThirdPartyAPIView):
    def post(self, request, number):
        invitation = get_object_or_404(self.invitations(), number=number)
        invitation = services.resend_invitation(by=None, third_party=self.third_party, invitation=invitation)
        return Response(InvitationOutputSerializer(invitation).data)


@extend_schema(
    tags=[TAG],
    summary="Cancel a pending invitation",
    request=None,
    responses={200: InvitationOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
)
class InvitationCancelView(ThirdPartyAPIView):
    def post(self, request, number):
        invitation = get_object_or_404(self.invitations(), number=number)
        invitation = services.cancel_invitation(by=None, third_party=self.third_party, invitation=invitation)
        return Response(InvitationOutputSerializer(invitation).data)


@extend_schema(tags=[TAG], summary="Export invitations (CSV)", filters=True, responses={**CSV, **ERRORS})
class InvitationExportView(ThirdPartyListView):
    filterset_class = InvitationFilter
    pagination_class = None

    def get_queryset(self):
        return self.invitations()

    def get(self, request):
        return csv_response(invitation_rows(self.filter_queryset(self.get_queryset())), "invitations")


@extend_schema(tags=[TAG], summary="List agreements", responses={200: AgreementOutputSerializer, **ERRORS})
class AgreementListView(ThirdPartyListView):
    serializer_class = AgreementOutputSerializer
    filterset_class = AgreementFilter

    def get_queryset(self):
        return self.agreements()


@extend_schema(tags=[TAG], summary="Export agreements (CSV)", filters=True, responses={**CSV, **ERRORS})
class AgreementExportView(ThirdPartyListView):
    filterset_class = AgreementFilter
    pagination_class = None

    def get_queryset(self):
        return self.agreements()

    def get(self, request):
        return csv_response(agreement_rows(self.filter_queryset(self.get_queryset())), "agreements")


def _detail(agreement) -> dict:
    return AgreementDetailOutputSerializer(agreement, context={"events": selectors.history(agreement)}).data


@extend_schema(
    tags=[TAG],
    summary="Read an agreement with its history",
    responses={200: AgreementDetailOutputSerializer, **ERRORS, **NOT_FOUND},
)
class AgreementDetailView(ThirdPartyAPIView):
    def get(self, request, number):
        return Response(_detail(get_object_or_404(self.agreements(), number=number)))


@extend_schema(
    tags=[TAG],
    summary="Terminate an agreement",
    description="The third party may terminate any of its active agreements without the customer.",
    request=TerminateInputSerializer,
    responses={200: AgreementDetailOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
)
class AgreementTerminateView(ThirdPartyAPIView):
    def post(self, request, number):
        agreement = get_object_or_404(self.agreements(), number=number)
        data = TerminateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = services.terminate_agreement(
            by=None, third_party=self.third_party, agreement=agreement, reason=data.validated_data.get("reason", "")
        )
        return Response(_detail(agreement))


@extend_schema(
    tags=[TAG],
    summary="Request an extension",
    description="Continuous Energy Data only; valid 30 days; the term never runs past 12 months from now.",
    request=ExtensionRequestInputSerializer,
    responses={201: ExtensionRequestOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
)
class ExtensionRequestCreateView(ThirdPartyAPIView):
    def post(self, request, number):
        agreement = get_object_or_404(self.agreements(), number=number)
        data = ExtensionRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        extension_request = services.request_extension(
            by=None, third_party=self.third_party, agreement=agreement, months=data.validated_data["months"]
        )
        return Response(ExtensionRequestOutputSerializer(extension_request).data, status=status.HTTP_201_CREATED)


class ExtensionRequestMixin:
    def extension_request(self, pk):
        queryset = ExtensionRequest.objects.filter(agreement__third_party=self.third_party).select_related("agreement")
        return get_object_or_404(queryset, pk=pk)


@extend_schema(
    tags=[TAG],
    summary="Read an extension request",
    responses={200: ExtensionRequestOutputSerializer, **ERRORS, **NOT_FOUND},
)
class ExtensionRequestDetailView(ExtensionRequestMixin, ThirdPartyAPIView):
    def get(self, request, pk):
        return Response(ExtensionRequestOutputSerializer(self.extension_request(pk)).data)


@extend_schema(
    tags=[TAG],
    summary="Resend an extension request (once)",
    request=None,
    responses={200: ExtensionRequestOutputSerializer, **ERRORS, **NOT_FOUND, **CONFLICT},
)
class ExtensionRequestResendView(ExtensionRequestMixin, ThirdPartyAPIView):
    def post(self, request, pk):
        extension_request = services.resend_extension_request(
            by=None, third_party=self.third_party, extension_request=self.extension_request(pk)
        )
        return Response(ExtensionRequestOutputSerializer(extension_request).data)
