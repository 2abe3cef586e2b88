"""Input and output of the Smart Meter Texas customer API (`usage.smt_api`), with SMT's own field
names and formats (MM/DD/YYYY dates, ESIID in capitals where SMT writes it so)."""

from rest_framework import serializers

SMT_DATE = "%m/%d/%Y"
MAX_ESIIDS = 100
MAX_INTERVAL_DAYS = 31  # a request's days; the answer is built whole (about 1 kB a day and series)


def clean_esiid(value: str) -> str:
    """As tools send it: spaces and a leading apostrophe (the Excel guard in SMT files) dropped."""
    return value.strip().lstrip("'").strip()


class EsiidField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=30, **kwargs)

    def to_internal_value(self, data):
        return clean_esiid(super().to_internal_value(data))


class EsiidListField(serializers.ListField):
    """A list of ESIIDs; a single ESIID as a plain string is taken as a list of one."""

    def __init__(self, **kwargs):
        super().__init__(child=EsiidField(), min_length=1, max_length=MAX_ESIIDS, **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value([data] if isinstance(data, str) else data)


class SmtAuthenticateInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="The e-mail address you log in to the portal with.")
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class SmtAuthenticateOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="A bearer token; it lapses after 15 minutes without use.")


class SmtMeterInputSerializer(serializers.Serializer):
    esiid = serializers.CharField(max_length=30, default="*", help_text='"*" for every premise you live at now.')

    def validate_esiid(self, value):
        return value.strip() if value.strip() == "*" else clean_esiid(value)


class SmtMeterOutputSerializer(serializers.Serializer):
    esiid = serializers.CharField()
    meterNumber = serializers.CharField(allow_blank=True)
    address = serializers.CharField()
    city = serializers.CharField(allow_blank=True)
    state = serializers.CharField(allow_blank=True)
    zip = serializers.CharField()
    status = serializers.CharField()
    fullAddress = serializers.CharField()


class SmtMeterListOutputSerializer(serializers.Serializer):
    data = SmtMeterOutputSerializer(many=True)


class SmtOnDemandReadInputSerializer(serializers.Serializer):
    ESIID = EsiidField()
    MeterNumber = serializers.CharField(max_length=64, required=False, allow_blank=True)


class SmtOnDemandReadStartedSerializer(serializers.Serializer):
    statusCode = serializers.CharField()
    statusReason = serializers.CharField()


class SmtOnDemandReadOutputSerializer(serializers.Serializer):
    data = SmtOnDemandReadStartedSerializer()


class SmtLatestReadInputSerializer(serializers.Serializer):
    ESIID = EsiidField()


class SmtLatestReadSerializer(serializers.Serializer):
    odrstatus = serializers.CharField(help_text="PENDING, COMPLETED, FAILED, or NONE before any read.")
    odrread = serializers.CharField(allow_null=True, help_text="The register, kWh.")
    odrusage = serializers.CharField(allow_null=True, help_text="kWh since the previous read.")
    odrdate = serializers.CharField(allow_null=True, help_text="MM/DD/YYYY HH:MM:SS, the premise's local time.")
    responseMessage = serializers.CharField(allow_blank=True)


class SmtLatestReadOutputSerializer(serializers.Serializer):
    data = SmtLatestReadSerializer()


class SmtIntervalInputSerializer(serializers.Serializer):
    startDate = serializers.DateField(input_formats=[SMT_DATE])
    endDate = serializers.DateField(input_formats=[SMT_DATE])
    reportFormat = serializers.ChoiceField(choices=["JSON"], default="JSON")
    ESIID = EsiidListField()

    def validate(self, attrs):
        days = (attrs["endDate"] - attrs["startDate"]).days + 1
        if days < 1:
            raise serializers.ValidationError({"endDate": "The end date is before the start date."})
        if days > MAX_INTERVAL_DAYS:
            raise serializers.ValidationError({"endDate": f"At most {MAX_INTERVAL_DAYS} days a request."})
        return attrs


class SmtEnergyDataSerializer(serializers.Serializer):
    ESIID = serializers.CharField()
    DT = serializers.CharField(help_text="The local day, MM/DD/YYYY.")
    RevTS = serializers.CharField(help_text="The latest revision of the day's values, MM/DD/YYYY HH:MM:SS.")
    RT = serializers.ChoiceField(choices=["C", "G"], help_text="C consumption, G surplus generation.")
    RD = serializers.CharField(
        help_text=(
            "100 comma-separated slots of kWh-flag (A actual, E estimated), from 00:00: slots 0-7 are "
            "00:00-01:45, 8-11 the repeated 1 a.m. hour of the fall-back day (empty on other days), "
            "12-99 are 02:00-23:45; a slot without a read is empty."
        )
    )


class SmtIntervalDataSerializer(serializers.Serializer):
    energyData = SmtEnergyDataSerializer(many=True)


class SmtIntervalOutputSerializer(serializers.Serializer):
    data = SmtIntervalDataSerializer()
