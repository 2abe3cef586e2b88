"""A Smart Meter Texas v2 API client written only from SMT's published interface (the digest in
shared/reference/smt.md §4): what a retail provider's system already does against
services.smartmetertexas.net. It knows nothing of MeterGate: plain HTTP with `requests`, and no
import from the project. Point `base_url` at another host and it talks to that host."""

import requests


class SmtApiError(Exception):
    """A call answered with SMT's error shape {"errorCode", "errorMessage"}."""

    def __init__(self, status: int, body: dict):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.code = body.get("errorCode")
        self.message = body.get("errorMessage")


class SmtClient:
    def __init__(self, base_url: str, *, username: str, password: str, service_id: str, duns: str):
        self.base_url = base_url.rstrip("/")
        self.username, self.password = username, password
        self.service_id, self.duns = service_id, duns
        self.session = requests.Session()
        self.access_token = None
        self.expires_at = None

    def _post(self, path: str, body: dict, *, auth: bool = True) -> dict:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.access_token}"
        answer = self.session.post(f"{self.base_url}{path}", json=body, headers=headers, timeout=30)
        body = answer.json()
        if answer.status_code >= 400 or "errorCode" in body:
            raise SmtApiError(answer.status_code, body)
        return body

    def _post_file(self, path: str, body: dict) -> str:
        """A call answered with a file (reportFormat CSV or XML, deliveryMode API): its text."""
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.access_token}"}
        answer = self.session.post(f"{self.base_url}{path}", json=body, headers=headers, timeout=30)
        if answer.status_code >= 400:
            raise SmtApiError(answer.status_code, answer.json())
        return answer.text

    def token(self) -> dict:
        body = self._post("/v2/token/", {"username": self.username, "password": self.password}, auth=False)
        self.access_token, self.expires_at = body["accessToken"], body["expiresAt"]
        return body

    def ids(self, trans_id: str = "1") -> dict:
        return {
            "trans_id": trans_id,
            "requestorID": self.service_id,
            "requesterType": "CSP",
            "requesterAuthenticationID": self.duns,
            "SMTTermsandConditions": "Y",
        }

    def _reads(
        self, path, esiids, start_date, end_date, *, reading_type="C", report_format="JSON", delivery="API", version="L"
    ):
        """JSON answers as a dict; CSV and XML answered at once (deliveryMode API) as text."""
        body = {
            **self.ids(),
            "startDate": start_date.strftime("%m/%d/%Y"),
            "endDate": end_date.strftime("%m/%d/%Y"),
            "version": version,
            "readingType": reading_type,
            "esiid": list(esiids),
            "reportFormat": report_format,
            "deliveryMode": delivery,
        }
        if report_format != "JSON" and delivery == "API":
            return self._post_file(path, body)
        return self._post(path, body)

    def interval_reads(self, esiids, start_date, end_date, **options) -> dict:
        return self._reads("/v2/15minintervalreads/", esiids, start_date, end_date, **options)

    def daily_reads(self, esiids, start_date, end_date, **options) -> dict:
        return self._reads("/v2/dailyreads/", esiids, start_date, end_date, **options)

    def monthly_billing(self, esiids, start_date, end_date, **options) -> dict:
        return self._reads("/v2/monthlybillingInformation/", esiids, start_date, end_date, **options)

    def green_button(self, esiids, start_date, end_date, **options) -> str:
        return self._reads("/v2/greenbutton/", esiids, start_date, end_date, report_format="XML", **options)

    def report_status(self, correlation_id: str) -> dict:
        return self._post("/v2/reportrequeststatus/", {**self.ids(), "correlationId": correlation_id})

    def on_demand_read(self, esiid: str) -> dict:
        body = {**self.ids(), "reportFormat": "JSON", "deliveryMode": "API", "ESIID": esiid}
        return self._post("/v2/odr/", body)

    def on_demand_status(self, correlation_id: str) -> dict:
        return self._post("/v2/odrstatus/", {**self.ids(), "correlationId": correlation_id})

    def new_agreement(self, email: str, months: int, meters: list[tuple[str, str]], rep_number: str = "10052") -> dict:
        body = {
            **self.ids(),
            "retailCustomerEmail": email,
            "agreementDuration": months,
            "customerLanguagePreference": "ENGLISH",
            "customerMeterList": [
                {"ESIID": esiid, "meterNumber": meter, "PUCTRORNumber": rep_number} for esiid, meter in meters
            ],
        }
        return self._post("/v2/NewAgreement/", body)

    def my_agreements(self, agreement_number: str = "") -> dict:
        return self._post("/v2/myagreements/", {**self.ids(), "agreementNumber": agreement_number})

    def agreement_esiids(self, agreement_number: str) -> dict:
        return self._post("/v2/AgreementESIIDs/", {**self.ids(), "agreementNumber": agreement_number})

    def terminate(self, agreement_number: str, email: str = "") -> dict:
        entry = {"agreementNumber": agreement_number, "retailCustomerEmail": email}
        return self._post("/v2/Terminateagreement/", {**self.ids(), "agreementList": [entry]})

    def meter_info(self, esiids) -> dict:
        body = {**self.ids(), "reportFormat": "JSON", "version": "L", "ESIIDMeterList": [{"esiid": e} for e in esiids]}
        return self._post("/v2/meterInfo/", body)

    def premise_info(self, esiids) -> dict:
        return self._post("/v2/premiseInfo/", {**self.ids(), "ESIIDMeterList": [{"esiid": e} for e in esiids]})

    def new_subscription(self, data_type: str, history_months: int = 0, report_format="CSV", delivery="FTP") -> dict:
        body = {
            **self.ids(),
            "subscriptionType": "CSPENROLL",
            "historicalSubscriptionDuration": history_months,
            "dataType": data_type,
            "reportFormat": report_format,
            "deliveryMode": delivery,
        }
        return self._post("/v2/NewSubscription/", body)

    def my_subscriptions(self) -> dict:
        return self._post("/v2/Mysubscriptions/", self.ids())

    def unsubscribe(self, subscription_number: str) -> dict:
        return self._post("/v2/UnSubscription/", {**self.ids(), "subscriptionNumber": subscription_number})


def rd_values(entry: dict) -> list[tuple[str, str] | None]:
    """An energyData entry's RD as (kWh, flag) per slot; None for an empty slot."""
    slots = []
    for part in entry["RD"].split(","):
        value, _, flag = part.partition("-")
        slots.append((value, flag) if value else None)
    return slots
