"""SMT v2 subscriptions (reports.smt_v2.subscriptions): NewSubscription, Mysubscriptions,
UnSubscription. A duplicate is refused as SMT refuses it: HTTP 400 with statusCode "0001" and
CustomerDUNSFaultList[].reasonCode "Subcription is already active::<DUNS>" (SMT's spelling)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from . import subscriptions
from .api import ERRORS, TAG, SmtV2View
from .serializers import SmtV2ErrorOutputSerializer, SmtV2RequestorSerializer, UpperChoiceField

SUBSCRIPTION_TYPES = ["CSPENROLL", "SCHEDULE", "SCHEDULES", "REPENROLL"]
DATA_TYPES = ["DAILY", "INTERVAL", "MONTHLY"]
FORMATS = ["CSV", "JSON", "XML"]
MODES = ["FTP", "EML"]


class SmtV2NewSubscriptionInputSerializer(SmtV2RequestorSerializer):
    subscriptionType = UpperChoiceField(choices=SUBSCRIPTION_TYPES, default="CSPENROLL")
    historicalSubscriptionDuration = serializers.IntegerField(required=False, default=0, help_text="3, 6, 9, 12 or 24")
    dataType = UpperChoiceField(choices=DATA_TYPES)
    reportFormat = UpperChoiceField(choices=FORMATS, default="CSV")
    deliveryMode = UpperChoiceField(choices=MODES, default="FTP")


class SmtV2SubscriptionSerializer(serializers.Serializer):
    subscriptionNumber = serializers.CharField()
    subscriptionType = serializers.CharField()
    dataType = serializers.CharField()
    reportFormat = serializers.CharField()
    deliveryMode = serializers.CharField()
    historicalSubscriptionDuration = serializers.CharField(allow_blank=True)
    status = serializers.CharField(help_text="ACT or NACOM.")
    historyCorrelationId = serializers.CharField(allow_blank=True, help_text="The history's report request.")
    createdDate = serializers.CharField()


class SmtV2NewSubscriptionOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    statusCode = serializers.CharField()
    statusReason = serializers.CharField()
    subscriptionNumber = serializers.CharField()
    historyCorrelationId = serializers.CharField(allow_blank=True)


class SmtV2DunsFaultSerializer(serializers.Serializer):
    DUNSNumber = serializers.CharField()
    reasonCode = serializers.CharField()


class SmtV2DuplicateSubscriptionSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    statusCode = serializers.CharField()
    statusReason = serializers.CharField()
    CustomerDUNSFaultList = SmtV2DunsFaultSerializer(many=True)


class SmtV2MySubscriptionsOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    subscriptionList = SmtV2SubscriptionSerializer(many=True)


class SmtV2UnSubscriptionInputSerializer(SmtV2RequestorSerializer):
    subscriptionNumber = serializers.CharField(max_length=24)


class SmtV2UnSubscriptionOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    statusCode = serializers.CharField()
    statusReason = serializers.CharField()
    subscriptionNumber = serializers.CharField()


class NewSubscriptionView(SmtV2View):
    input_serializer = SmtV2NewSubscriptionInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="Subscribe to daily, 15-minute or monthly files (schedules plus a one-off history)",
        request=SmtV2NewSubscriptionInputSerializer,
        responses={200: SmtV2NewSubscriptionOutputSerializer, 409: SmtV2ErrorOutputSerializer, **ERRORS},
        description="A second active subscription of the same dataType answers 400 with "
        "SmtV2DuplicateSubscription's shape (statusCode 0001). An agreement accepted later joins the "
        "subscription within minutes (the schedule beat): its files start with the day it began, and "
        "the history asked (historicalSubscriptionDuration) is delivered for it once, from no earlier "
        "than its own agreement covers, as a report request in the subscription's reportFormat.",
    )
    def post(self, request):
        data = self.data
        try:
            subscription = subscriptions.subscribe(
                third_party=self.third_party,
                subscription_type=data["subscriptionType"],
                data_type=data["dataType"],
                report_format=data["reportFormat"],
                delivery_mode=data["deliveryMode"],
                history=data["historicalSubscriptionDuration"],
            )
        except subscriptions.DuplicateSubscription as duplicate:
            fault = {"DUNSNumber": duplicate.duns, "reasonCode": duplicate.message}
            body = {"trans_id": data["trans_id"], "statusCode": "0001", "statusReason": "Subscription failed"}
            return Response(SmtV2DuplicateSubscriptionSerializer({**body, "CustomerDUNSFaultList": [fault]}).data, 400)
        body = {
            "trans_id": data["trans_id"],
            "statusCode": "0000",
            "statusReason": "Subscription created",
            "subscriptionNumber": subscription.number,
            "historyCorrelationId": subscription.backfill.number if subscription.backfill_id else "",
        }
        return Response(SmtV2NewSubscriptionOutputSerializer(body).data)


class MySubscriptionsView(SmtV2View):
    @extend_schema(
        tags=[TAG],
        summary="Your subscriptions",
        request=SmtV2RequestorSerializer,
        responses={200: SmtV2MySubscriptionsOutputSerializer, **ERRORS},
    )
    def post(self, request):
        entries = subscriptions.my_subscriptions(third_party=self.third_party)
        body = {"trans_id": self.data["trans_id"], "subscriptionList": entries}
        return Response(SmtV2MySubscriptionsOutputSerializer(body).data)


class UnSubscriptionView(SmtV2View):
    input_serializer = SmtV2UnSubscriptionInputSerializer

    @extend_schema(
        tags=[TAG],
        summary="End a subscription (its schedules are cancelled)",
        request=SmtV2UnSubscriptionInputSerializer,
        responses={200: SmtV2UnSubscriptionOutputSerializer, 404: SmtV2ErrorOutputSerializer, **ERRORS},
    )
    def post(self, request):
        subscription = subscriptions.unsubscribe(third_party=self.third_party, number=self.data["subscriptionNumber"])
        body = {
            "trans_id": self.data["trans_id"],
            "statusCode": "0000",
            "statusReason": "Subscription ended",
            "subscriptionNumber": subscription.number,
        }
        return Response(SmtV2UnSubscriptionOutputSerializer(body).data)
