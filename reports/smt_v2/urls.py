"""The Smart Meter Texas v2 third-party API, at SMT's own paths (mounted at /v2/ by portal.urls)."""

from django.urls import path

from . import api, api_agreements, api_subscriptions

urlpatterns = [
    path("token/", api.TokenView.as_view(), name="smt-v2-token"),
    path("15minintervalreads/", api.IntervalReadsView.as_view(), name="smt-v2-intervals"),
    path("dailyreads/", api.DailyReadsView.as_view(), name="smt-v2-daily"),
    path("monthlybillingInformation/", api.MonthlyBillingView.as_view(), name="smt-v2-monthly"),
    path("greenbutton/", api.GreenButtonView.as_view(), name="smt-v2-green-button"),
    path("reportrequeststatus/", api.ReportRequestStatusView.as_view(), name="smt-v2-report-status"),
    path("odr/", api.OdrView.as_view(), name="smt-v2-odr"),
    path("odrstatus/", api.OdrStatusView.as_view(), name="smt-v2-odr-status"),
    path("NewAgreement/", api_agreements.NewAgreementView.as_view(), name="smt-v2-new-agreement"),
    path("myagreements/", api_agreements.MyAgreementsView.as_view(), name="smt-v2-my-agreements"),
    path("AgreementESIIDs/", api_agreements.AgreementEsiidsView.as_view(), name="smt-v2-agreement-esiids"),
    path("Terminateagreement/", api_agreements.TerminateAgreementView.as_view(), name="smt-v2-terminate"),
    path("meterInfo/", api_agreements.MeterInfoView.as_view(), name="smt-v2-meter-info"),
    path("premiseInfo/", api_agreements.PremiseInfoView.as_view(), name="smt-v2-premise-info"),
    path("NewSubscription/", api_subscriptions.NewSubscriptionView.as_view(), name="smt-v2-subscribe"),
    path("Mysubscriptions/", api_subscriptions.MySubscriptionsView.as_view(), name="smt-v2-subscriptions"),
    path("UnSubscription/", api_subscriptions.UnSubscriptionView.as_view(), name="smt-v2-unsubscribe"),
]
