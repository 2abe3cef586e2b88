"""The Smart Meter Texas customer API at the exact paths smartmetertexas.com uses (no trailing
slash), mounted at the site's root by portal.urls."""

from django.urls import path

from . import smt_api

urlpatterns = [
    path("commonapi/user/authenticate", smt_api.AuthenticateView.as_view(), name="smt-authenticate"),
    path("api/meter", smt_api.MeterView.as_view(), name="smt-meter"),
    path("api/ondemandread", smt_api.OnDemandReadView.as_view(), name="smt-on-demand-read"),
    path("api/usage/latestodrread", smt_api.LatestReadView.as_view(), name="smt-latest-on-demand-read"),
    path("api/adhoc/intervalsynch", smt_api.IntervalView.as_view(), name="smt-intervals"),
]
