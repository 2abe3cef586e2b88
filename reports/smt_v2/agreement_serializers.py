"""Bodies of the SMT v2 agreement, meter and premise calls (reports.smt_v2.api_agreements)."""

from rest_framework import serializers

from usage.smt_serializers import EsiidField

from .serializers import SmtV2RequestorSerializer


class SmtV2CustomerMeterSerializer(serializers.Serializer):
    ESIID = EsiidField()
    meterNumber = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    PUCTRORNumber = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="Your PUCT certificate number (recorded nowhere)."
    )


class SmtV2NewAgreementInputSerializer(SmtV2RequestorSerializer):
    retailCustomerEmail = serializers.EmailField()
    agreementDuration = serializers.IntegerField(help_text="Months: 1, 3, 6, 9, 12, 24 or 36 (here at most 12).")
    customerLanguagePreference = serializers.CharField(max_length=20, required=False, default="ENGLISH")
    customerMeterList = SmtV2CustomerMeterSerializer(many=True, min_length=1, max_length=100)


class SmtV2NewAgreementOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    statusCode = serializers.CharField()
    statusReason = serializers.CharField()
    agreementNumber = serializers.CharField(help_text="The invitation's number until the customer accepts.")


class SmtV2MyAgreementsInputSerializer(SmtV2RequestorSerializer):
    agreementNumber = serializers.CharField(max_length=24, required=False, allow_blank=True, default="")
    statusReason = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class SmtV2AgreementEntrySerializer(serializers.Serializer):
    agreementNumber = serializers.CharField()
    invitationNumber = serializers.CharField(allow_blank=True)
    status = serializers.CharField(help_text="ACT, PENDING or NACOM.")
    statusReason = serializers.CharField()
    retailCustomerEmail = serializers.CharField(allow_blank=True)
    agreementDuration = serializers.CharField(allow_blank=True)
    startDate = serializers.CharField(allow_blank=True)
    endDate = serializers.CharField(allow_blank=True)


class SmtV2MyAgreementsOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    agreementList = SmtV2AgreementEntrySerializer(many=True)


class SmtV2AgreementNumberInputSerializer(SmtV2RequestorSerializer):
    agreementNumber = serializers.CharField(max_length=24)


class SmtV2AgreementEsiidSerializer(serializers.Serializer):
    ESIID = serializers.CharField()
    meterNumber = serializers.CharField(allow_blank=True)


class SmtV2AgreementEsiidsOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    agreementNumber = serializers.CharField()
    ESIIDList = SmtV2AgreementEsiidSerializer(many=True)


class SmtV2TerminationEntrySerializer(serializers.Serializer):
    agreementNumber = serializers.CharField(max_length=24)
    retailCustomerEmail = serializers.EmailField(required=False, allow_blank=True)


class SmtV2TerminateInputSerializer(SmtV2RequestorSerializer):
    agreementList = SmtV2TerminationEntrySerializer(many=True, min_length=1, max_length=100)


class SmtV2TerminatedSerializer(serializers.Serializer):
    agreementNumber = serializers.CharField()
    statusCode = serializers.CharField()
    statusReason = serializers.CharField()


class SmtV2TerminateOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    agreementList = SmtV2TerminatedSerializer(many=True)


class SmtV2EsiidEntrySerializer(serializers.Serializer):
    esiid = EsiidField()


class SmtV2EsiidListInputSerializer(SmtV2RequestorSerializer):
    reportFormat = serializers.CharField(max_length=10, required=False, default="JSON")
    version = serializers.CharField(max_length=1, required=False, default="L")
    ESIIDMeterList = SmtV2EsiidEntrySerializer(many=True, min_length=1, max_length=100)


class SmtV2MeterDataSerializer(serializers.Serializer):
    esiid = serializers.CharField()
    utilityMeterId = serializers.CharField()
    meterSerialNumber = serializers.CharField()
    meterStatus = serializers.CharField(help_text="A installed, R removed.")
    intervalSetting = serializers.CharField()
    installationDate = serializers.CharField(allow_blank=True)
    removalDate = serializers.CharField(allow_blank=True)
    LastUpdated = serializers.CharField()


class SmtV2MeterInfoOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    MeterData = SmtV2MeterDataSerializer(many=True)


class SmtV2PremiseDataSerializer(serializers.Serializer):
    esiid = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField(allow_blank=True)
    state = serializers.CharField(allow_blank=True)
    zipcode = serializers.CharField()
    premiseStatus = serializers.CharField()
    timeZone = serializers.CharField()


class SmtV2PremiseInfoOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    PremiseData = SmtV2PremiseDataSerializer(many=True)
