"""The client admin APIs (WG1-02 §5-§7): Clients, Credentials and Messages of the token's own
registration, behind a `cds_client_admin` bearer token (`api.ClientAdminView`)."""

import json

from django.db.models import F
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from . import clients, credentials, messages, paging, representations
from .api import ADMIN_ERRORS, NOT_FOUND, PAGE, TAG, ClientAdminView, ids_parameter, site_of
from .errors import CdsError
from .models import ClientMessage, Credential
from .serializers import (
    AdminErrorSerializer,
    ClientListSerializer,
    ClientSerializer,
    ClientUpdateSerializer,
    CredentialCreateSerializer,
    CredentialListSerializer,
    CredentialSerializer,
    CredentialUpdateSerializer,
    MessageCreateSerializer,
    MessageListSerializer,
    MessageSerializer,
    MessageUpdateSerializer,
)


class ClientListView(ClientAdminView):
    @extend_schema(
        tags=[TAG],
        summary="List your clients",
        operation_id="cds_clients_list",
        parameters=[ids_parameter("client_ids", "client_ids"), PAGE],
        responses={200: ClientListSerializer, **ADMIN_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        queryset = self.registration.clients.order_by(F("cds_modified").desc(nulls_last=True), "-pk")
        client_ids = paging.id_list(request, "client_ids")
        if client_ids is not None:
            queryset = queryset.filter(client_id__in=client_ids)
        items, next_link, previous_link = paging.paginate(request, queryset)
        return Response(
            {
                "clients": [representations.client_object(request, client) for client in items],
                "next": next_link,
                "previous": previous_link,
            }
        )


class ClientView(ClientAdminView):
    def get_client(self, client_id):
        client = self.registration.clients.filter(client_id=client_id).first()
        if client is None:
            raise self.not_found("client")
        return client

    @extend_schema(
        tags=[TAG],
        summary="Read a client",
        operation_id="cds_client_read",
        responses={200: ClientSerializer, **ADMIN_ERRORS, **NOT_FOUND},
    )
    def get(self, request, client_id, *args, **kwargs):
        return Response(representations.client_object(request, self.get_client(client_id)))

    @extend_schema(
        tags=[TAG],
        summary="Replace a client's settings (RFC 7592 PUT)",
        description="Fields left out return to their defaults. 202 when a wider scope waits for staff review.",
        request=ClientUpdateSerializer,
        responses={200: ClientSerializer, 202: ClientSerializer, **ADMIN_ERRORS, **NOT_FOUND},
    )
    def put(self, request, client_id, *args, **kwargs):
        client = self.get_client(client_id)
        # As the client last read it: JSON, datetimes as strings.
        current = json.loads(json.dumps(representations.client_object(request, client), cls=JSONEncoder))
        client, waiting = clients.update_client(
            client=client, data=request.data, current=current, site=site_of(request)
        )
        return Response(
            representations.client_object(request, client),
            status=status.HTTP_202_ACCEPTED if waiting else status.HTTP_200_OK,
        )


class CredentialListView(ClientAdminView):
    @extend_schema(
        tags=[TAG],
        summary="List credentials",
        operation_id="cds_credentials_list",
        description="Secrets MeterGate made for you are shown in the first answer that lists them, then never again.",
        parameters=[
            ids_parameter("credential_ids", "credential_ids"),
            ids_parameter("client_ids", "client_ids"),
            OpenApiParameter("after", str, description="Created at or after this datetime."),
            OpenApiParameter("before", str, description="Created at or before this datetime."),
            PAGE,
        ],
        responses={200: CredentialListSerializer, **ADMIN_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        queryset = (
            Credential.objects.filter(client__registration=self.registration)
            .select_related("client")
            .order_by("-updated_at", "-pk")
        )
        for name, field in (("credential_ids", "credential_id__in"), ("client_ids", "client__client_id__in")):
            values = paging.id_list(request, name)
            if values is not None:
                queryset = queryset.filter(**{field: values})
        after, before = paging.moment(request, "after"), paging.moment(request, "before")
        if after:
            queryset = queryset.filter(created_at__gte=after)
        if before:
            queryset = queryset.filter(created_at__lte=before)
        items, next_link, previous_link = paging.paginate(request, queryset)
        return Response(
            {
                "credentials": [representations.credential_object(request, item) for item in items],
                "next": next_link,
                "previous": previous_link,
            }
        )

    @extend_schema(
        tags=[TAG],
        summary="Create a credential",
        description="The new secret is in this answer only.",
        request=CredentialCreateSerializer,
        responses={201: CredentialSerializer, **ADMIN_ERRORS},
    )
    def post(self, request, *args, **kwargs):
        data = request.data if isinstance(request.data, dict) else {}
        client = self.registration.clients.filter(client_id=str(data.get("client_id", ""))).first()
        if client is None:
            raise CdsError("invalid", "client_id: not one of your clients.", fields={"client_id": ["Unknown client."]})
        credential, secret = credentials.create_credential(client=client)
        response = Response(representations.credential_object(request, credential, secret=secret), status=201)
        response["Cache-Control"] = "no-store"
        return response


class CredentialView(ClientAdminView):
    def get_credential(self, credential_id):
        credential = (
            Credential.objects.filter(client__registration=self.registration, credential_id=credential_id)
            .select_related("client")
            .first()
        )
        if credential is None:
            raise self.not_found("credential")
        return credential

    @extend_schema(
        tags=[TAG],
        summary="Read a credential",
        operation_id="cds_credential_read",
        responses={200: CredentialSerializer, **ADMIN_ERRORS, **NOT_FOUND},
    )
    def get(self, request, credential_id, *args, **kwargs):
        return Response(representations.credential_object(request, self.get_credential(credential_id)))

    @extend_schema(
        tags=[TAG],
        summary="Move a credential's expiry earlier",
        description="An expiry at or before now revokes the secret and every token obtained with it.",
        request=CredentialUpdateSerializer,
        responses={200: CredentialSerializer, 409: OpenApiResponse(AdminErrorSerializer), **ADMIN_ERRORS, **NOT_FOUND},
    )
    def patch(self, request, credential_id, *args, **kwargs):
        credential = self.get_credential(credential_id)
        data = request.data if isinstance(request.data, dict) else {}
        if "client_secret_expires_at" in data:
            credential = credentials.set_expiry(credential=credential, expires_at=data["client_secret_expires_at"])
        return Response(representations.credential_object(request, credential))


PARTS = {
    "outstanding": lambda queryset: queryset.filter(
        status__in=[ClientMessage.Status.OPEN, ClientMessage.Status.PENDING]
    ),
    "unread": lambda queryset: queryset.filter(read=False),
    "read": lambda queryset: queryset.filter(read=True),
}


class MessageListView(ClientAdminView):
    @extend_schema(
        tags=[TAG],
        summary="List messages in three parts",
        operation_id="cds_messages_list",
        description="`outstanding` (open or pending), `unread` and `read`; each pages on its own through its links.",
        parameters=[
            ids_parameter("message_ids", "message_ids"),
            OpenApiParameter("list", str, enum=list(PARTS), description="Page through one part only."),
            PAGE,
        ],
        responses={200: MessageListSerializer, **ADMIN_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        queryset = self.registration.messages.select_related("previous").order_by("-updated_at", "-pk")
        message_ids = paging.id_list(request, "message_ids")
        if message_ids is not None:
            queryset = queryset.filter(message_id__in=message_ids)
        only = request.GET.get("list")
        if only is not None and only not in PARTS:
            raise CdsError("invalid", "list: choose outstanding, unread or read.", fields={"list": ["Unknown part."]})
        body = {}
        for part, narrow in PARTS.items():
            items, next_link, previous_link = [], None, None
            if only in (None, part):
                page = paging.page_number(request) if only == part else 1
                items, next_link, previous_link = paging.paginate(
                    request, narrow(queryset), page=page, extra={"list": part}
                )
            body[part] = [representations.message_object(request, message) for message in items]
            body[f"{part}_next"], body[f"{part}_previous"] = next_link, previous_link
        return Response(body)

    @extend_schema(
        tags=[TAG],
        summary="Send a message",
        description="private_message, production_request, support_request, grant_request or client_submission.",
        request=MessageCreateSerializer,
        responses={
            201: MessageSerializer,
            409: OpenApiResponse(AdminErrorSerializer),
            413: OpenApiResponse(AdminErrorSerializer, description="Attachments above 10 MB."),
            **ADMIN_ERRORS,
        },
    )
    def post(self, request, *args, **kwargs):
        message = messages.send_from_client(client=request.auth.application, data=self._body(request))
        return Response(representations.message_object(request, message), status=201)

    @staticmethod
    def _body(request) -> dict:
        """The JSON body, read here because attachments may reach 10 MB, above Django's default
        limit on request bodies; the bound is checked first instead."""
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > messages.MAX_BODY_BYTES:
            raise CdsError("content_too_large", "The message is too large.", status_code=413)
        try:
            data = json.loads(request._request.read(messages.MAX_BODY_BYTES + 1) or b"null")
        except (ValueError, UnicodeDecodeError):
            raise CdsError("invalid", "Send the message as a JSON object.") from None
        if not isinstance(data, dict):
            raise CdsError("invalid", "Send the message as a JSON object.")
        return data


class MessageView(ClientAdminView):
    def get_message(self, message_id):
        message = self.registration.messages.filter(message_id=message_id).select_related("previous").first()
        if message is None:
            raise self.not_found("message")
        return message

    @extend_schema(
        tags=[TAG],
        summary="Read a message",
        operation_id="cds_message_read",
        responses={200: MessageSerializer, **ADMIN_ERRORS, **NOT_FOUND},
    )
    def get(self, request, message_id, *args, **kwargs):
        return Response(representations.message_object(request, self.get_message(message_id)))

    @extend_schema(
        tags=[TAG],
        summary="Mark a message read or unread",
        description="Only `read` changes; other fields are ignored.",
        request=MessageUpdateSerializer,
        responses={200: MessageSerializer, **ADMIN_ERRORS, **NOT_FOUND},
    )
    def patch(self, request, message_id, *args, **kwargs):
        message = self.get_message(message_id)
        data = request.data if isinstance(request.data, dict) else {}
        if "read" in data:
            message = messages.set_read(message=message, read=data["read"])
        return Response(representations.message_object(request, message))
