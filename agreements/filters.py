"""List filters shared by the portal pages, the API and the CSV exports (django-filter)."""

import django_filters
from django.db.models import Q

from .models import Agreement, AgreementInvitation, AgreementType


def _by_esiid(queryset, name, value):
    value = (value or "").strip()
    if not value:
        return queryset
    return queryset.filter(pk__in=queryset.model.objects.filter(premises__esiid=value).values("pk"))


class AgreementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Agreement.Status.choices)
    type = django_filters.ChoiceFilter(field_name="agreement_type", choices=AgreementType.choices)
    esiid = django_filters.CharFilter(method=_by_esiid, label="ESIID")
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = Agreement
        fields = ["status", "type", "esiid", "q"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        match = Q(number__icontains=value) | Q(premises__esiid__icontains=value) | Q(customer__email__icontains=value)
        return queryset.filter(pk__in=Agreement.objects.filter(match).values("pk"))


class InvitationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AgreementInvitation.Status.choices)
    type = django_filters.ChoiceFilter(field_name="agreement_type", choices=AgreementType.choices)
    esiid = django_filters.CharFilter(method=_by_esiid, label="ESIID")
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = AgreementInvitation
        fields = ["status", "type", "esiid", "q"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        match = Q(number__icontains=value) | Q(premises__esiid__icontains=value) | Q(customer_email__icontains=value)
        return queryset.filter(pk__in=AgreementInvitation.objects.filter(match).values("pk"))
