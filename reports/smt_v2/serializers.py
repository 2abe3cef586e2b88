"""Bodies of the Smart Meter Texas v2 third-party API with SMT's own field names and formats
(MM/DD/YYYY dates, every figure a string). See ../shared/reference/smt.md §4."""

from rest_framework import serializers

from usage.smt_serializers import EsiidField, EsiidListField

SMT_DATE_FORMATS = ["%m/%d/%Y"]
VERSIONS = [("L", "latest"), ("A", "all")]
READING_TYPES = [("C", "consumption"), ("G", "surplus generation"), ("A", "both")]
REPORT_FORMATS = [("JSON", "JSON"), ("CSV", "CSV"), ("XML", "Green Button XML")]
DELIVERY_MODES = [("API", "in the answer"), ("FTP", "to your delivery folder"), ("EML", "as by FTP")]


class UpperChoiceField(serializers.ChoiceField):
    """SMT accepts lower-case codes too (`readingType` "c")."""

    def to_internal_value(self, data):
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)


class SmtV2TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="The API user's e-mail address.")
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class SmtV2TokenOutputSerializer(serializers.Serializer):
    statusCode = serializers.CharField()
    accessToken = serializers.CharField()
    tokenType = serializers.CharField()
    expiresIn = serializers.CharField(help_text='Seconds, as a string (SMT: "3600").')
    issuedAt = serializers.CharField(help_text="MM/DD/YYYY HH:MM:SS, US Central time.")
    expiresAt = serializers.CharField(help_text="MM/DD/YYYY HH:MM:SS, US Central time.")


class SmtV2ErrorOutputSerializer(serializers.Serializer):
    errorCode = serializers.CharField()
    errorMessage = serializers.CharField()


class SmtV2RequestorSerializer(serializers.Serializer):
    """The identifiers every call carries; they must be the token's third party's."""

    trans_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    requestorID = serializers.CharField(max_length=64, help_text="Your Service ID.")
    requesterType = serializers.CharField(max_length=10, required=False, default="CSP")
    requesterAuthenticationID = serializers.CharField(max_length=13, help_text="Your DUNS number.")
    SMTTermsandConditions = serializers.CharField(max_length=1, required=False, default="Y")


class SmtV2ReadsInputSerializer(SmtV2RequestorSerializer):
    startDate = serializers.DateField(input_formats=SMT_DATE_FORMATS, help_text="MM/DD/YYYY")
    endDate = serializers.DateField(input_formats=SMT_DATE_FORMATS, help_text="MM/DD/YYYY, inclusive")
    version = UpperChoiceField(
        choices=VERSIONS,
        default="L",
        help_text="L latest, A every revision kept (15-minute reads in JSON; daily and billing: as L).",
    )
    readingType = UpperChoiceField(choices=READING_TYPES, default="A")
    esiid = EsiidListField()
    reportFormat = UpperChoiceField(choices=REPORT_FORMATS)
    deliveryMode = UpperChoiceField(choices=DELIVERY_MODES, default="API")

    def validate(self, attrs):
        if attrs["endDate"] < attrs["startDate"]:
            raise serializers.ValidationError({"endDate": ["The end date is before the start date."]})
        return attrs


class SmtV2GreenButtonInputSerializer(SmtV2ReadsInputSerializer):
    reportFormat = UpperChoiceField(choices=[("XML", "Green Button XML")], default="XML")


class SmtV2EnergyDataSerializer(serializers.Serializer):
    ESIID = serializers.CharField()
    DT = serializers.CharField(help_text="The local day, MM/DD/YYYY.")
    RevTS = serializers.CharField(help_text="Revision time, MM/DD/YYYY HH:MM:SS.")
    RT = serializers.CharField(help_text="C consumption, G surplus generation.")
    RD = serializers.CharField(help_text="100 comma-separated kWh-flag slots (A actual, E estimated).")


class SmtV2IntervalOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    energyData = SmtV2EnergyDataSerializer(many=True)


class SmtV2RegisteredReadSerializer(serializers.Serializer):
    esiid = serializers.CharField()
    readDate = serializers.CharField()
    revisionDate = serializers.CharField()
    startReading = serializers.CharField()
    endReading = serializers.CharField()
    energyDataKwh = serializers.CharField()


class SmtV2DailyOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    esiid = serializers.CharField(help_text="The ESIIDs answered, comma-separated (one ESIID: as SMT).")
    registeredReads = SmtV2RegisteredReadSerializer(many=True)


class SmtV2BillingDataSerializer(serializers.Serializer):
    esiid = serializers.CharField()
    startDate = serializers.CharField()
    endDate = serializers.CharField()
    revisionDate = serializers.CharField()
    actualkWh = serializers.CharField()
    meteredKW = serializers.CharField()
    billedKW = serializers.CharField()
    meteredKVA = serializers.CharField()
    billedKVA = serializers.CharField()


class SmtV2MonthlyOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    esiid = serializers.CharField()
    billingData = SmtV2BillingDataSerializer(many=True)


class SmtV2SubmittedOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    correlationId = serializers.CharField()
    statusCode = serializers.CharField()
    statusReason = serializers.CharField()


class SmtV2ReportStatusInputSerializer(SmtV2RequestorSerializer):
    correlationId = serializers.CharField(max_length=24)
    serviceType = serializers.CharField(max_length=30, required=False, allow_blank=True)


class SmtV2ReportStatusOutputSerializer(SmtV2SubmittedOutputSerializer):
    status = serializers.CharField(help_text="QUEUED, RUNNING, DELIVERED or FAILED.")
    deliveredTo = serializers.CharField(allow_blank=True)


class SmtV2OdrInputSerializer(SmtV2RequestorSerializer):
    ESIID = EsiidField()
    reportFormat = serializers.CharField(max_length=10, required=False, default="JSON")
    deliveryMode = serializers.CharField(max_length=10, required=False, default="API")


class SmtV2OdrStatusInputSerializer(SmtV2RequestorSerializer):
    correlationId = serializers.CharField(max_length=24)


class SmtV2OdrReadSerializer(serializers.Serializer):
    ESIID = serializers.CharField()
    meterNumber = serializers.CharField(allow_blank=True)
    odrStatus = serializers.CharField(help_text="PENDING, COMPLETED or FAILED.")
    registeredRead = serializers.CharField(allow_null=True)
    readDate = serializers.CharField(allow_null=True, help_text="MM/DD/YYYY HH:MM:SS, the premise's local time.")
    responseMessage = serializers.CharField(allow_blank=True)


class SmtV2OdrStatusOutputSerializer(serializers.Serializer):
    trans_id = serializers.CharField()
    correlationId = serializers.CharField()
    statusCode = serializers.CharField()
    statusReason = serializers.CharField()
    odrRead = SmtV2OdrReadSerializer()
