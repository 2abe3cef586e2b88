"""Usage API: meter-data files delivered by the utility's systems (scope `ingest`)."""

import io

from drf_spectacular.utils import OpenApiResponse, extend_schema
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import api as portal_api
from portal.serializers import ErrorSerializer

from . import services
from .serializers import IngestInputSerializer, IngestOutputSerializer


class IsUtilitySystem(portal_api.IsUtilitySystem):
    """The token belongs to a client of the utility itself, never to a third party's client, even
    one that was (wrongly) given the ingest scope."""

    message = "Only the utility's own systems may deliver meter data."


class IngestView(APIView):
    # Machine to machine: a browser session never carries the ingest scope.
    authentication_classes = [OAuth2Authentication]
    permission_classes = [TokenHasScope, IsUtilitySystem]
    required_scopes = ["ingest"]
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=["ingest"],
        summary="Deliver a meter-data file",
        description=(
            "Loads interval, daily or monthly reads from one file, synchronously. Every line is validated; "
            "rejected lines come back with their number and reason and never stop the good ones. Sending "
            "the same file again changes nothing; a later revision of a read replaces it."
        ),
        request={"multipart/form-data": IngestInputSerializer},
        responses={
            200: IngestOutputSerializer,
            400: OpenApiResponse(ErrorSerializer, description="No file, or not a known format."),
            401: OpenApiResponse(ErrorSerializer, description="No valid token."),
            403: OpenApiResponse(ErrorSerializer, description="Not the utility's client, or no `ingest` scope."),
        },
    )
    def post(self, request):
        data = IngestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        stream = io.TextIOWrapper(upload.file, encoding="utf-8-sig", errors="replace", newline=None)
        result = services.ingest_stream(stream=stream, name=upload.name, format=data.validated_data.get("format"))
        return Response(IngestOutputSerializer(result.as_dict()).data)
