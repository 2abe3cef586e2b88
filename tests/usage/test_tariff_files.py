"""Tariff delta files: insert / update / end lines, bad lines reported by number, reloads change nothing."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import issue_token
from tests.factories import LabelPartnerFactory, OAuthClientFactory, PremiseFactory, ThirdPartyFactory
from tests.usage.tariff_factories import TariffFactory, weekday_afternoon_peak
from usage.models import Tariff
from usage.services import UsageError
from usage.tariff_files import HEADER, import_tariff_stream

pytestmark = pytest.mark.django_db
DELTA_URL = "/api/v1/tariffs/delta/"


def delta(*lines: str, header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def load(text: str, name: str = "tariffs.csv"):
    return import_tariff_stream(stream=io.StringIO(text, newline=""), name=name)


@pytest.fixture
def holders():
    premise = PremiseFactory(esiid="10443720000000001")
    LabelPartnerFactory(code="brand-x")
    weekday_afternoon_peak(code="weekday-peak")
    return premise


def test_inserts_updates_and_ends_apply_in_file_order(holders):
    text = delta(
        "insert,LP-1,,brand-x,2025-01-01,,0.30,0.10,0.08,0.04,USD,weekday-peak,Brand X standard",
        "insert,P-1,'10443720000000001,,2025-07-01,,0.25,0.12,0.05,0.05,usd,,Own contract",
        "update,P-1,,,,,,0.13,,,,,",
        "end,LP-1,,,,2025-12-31,,,,,,,",
    )

    result = load(text)

    assert (result.inserted, result.updated, result.ended, result.rejected) == (2, 1, 1, 0)
    partner_tariff = Tariff.objects.get(external_id="LP-1")
    own = Tariff.objects.get(external_id="P-1")
    assert (partner_tariff.valid_to, partner_tariff.tou_map.code, partner_tariff.source) == (
        date(2025, 12, 31),
        "weekday-peak",
        "file",
    )
    assert (own.premise, own.offtake_off_peak, own.currency) == (holders, Decimal("0.13"), "USD")


def test_loading_the_same_file_twice_changes_nothing(holders):
    text = delta(
        "insert,LP-1,,brand-x,2025-01-01,,0.30,0.10,,,,weekday-peak,",
        "insert,LP-2,,brand-x,2025-07-01,,0.35,0.12,,,,weekday-peak,",
        "update,LP-2,,,,,0.36,,,,,,",
        "end,LP-2,,,,2025-12-31,,,,,,,",
    )
    load(text)
    before = list(Tariff.objects.order_by("pk").values())

    again = load(text)

    assert (again.inserted, again.updated, again.ended, again.unchanged, again.rejected) == (0, 0, 0, 4, 0)
    assert list(Tariff.objects.order_by("pk").values()) == before
    assert Tariff.objects.get(external_id="LP-1").valid_to == date(2025, 6, 30)  # superseded by LP-2


def test_bad_lines_are_reported_by_number_and_reason_and_the_good_ones_still_apply(holders):
    text = delta(
        "insert,OK-1,,brand-x,2025-01-01,,0.30,0.10,,,,,",  # line 2: good
        "insert,BAD-1,,brand-x,2025-13-01,,0.30,0.10,,,,,",  # 3: bad date
        "insert,BAD-2,'10443720000000001,,2025-01-01,,-0.30,0.10,,,,,",  # 4: negative price
        "insert,BAD-3,'99999999999999999,,2025-01-01,,0.30,0.10,,,,,",  # 5: unknown ESIID
        "insert,BAD-4,'10443720000000001,brand-x,2025-01-01,,0.30,0.10,,,,,",  # 6: two holders
        "delete,OK-1,,,,,,,,,,,",  # 7: unknown action
        "update,NOPE,,,,,0.50,,,,,,",  # 8: unknown tariff
        "end,OK-1,,,,,,,,,,,",  # 9: end without valid_to
        "end,OK-1,,,,2024-12-31,,,,,,,",  # 10: ends before it starts
        "insert,BAD-5,,brand-x,2025-02-01,,0.30,abc,,,,,",  # 11: not a number
        "insert,BAD-6,,brand-x,2025-02-01,,0.30",  # 12: too few columns
        "insert,BAD-7,,brand-x,2025-02-01,,0.30,0.10,,,,no-such-map,",  # 13: unknown TOU map
        "insert,BAD-8,,brand-x,2025-02-01,2025-01-31,0.30,0.10,,,,,",  # 14: ends before it starts
        "update,OK-1,'10443720000000001,,,,0.31,,,,,,",  # 15: another holder
        "insert,OK-2,'10443720000000001,,2025-01-01,,0.30,0.10,,,,,",  # 16: good
    )

    result = load(text)

    reasons = dict(result.rejections)
    assert sorted(reasons) == list(range(3, 16))
    assert "valid_from" in reasons[3]
    assert "negative" in reasons[4]
    assert "ESIID '99999999999999999'" in reasons[5]
    assert "not both" in reasons[6]
    assert "Unknown action 'delete'" in reasons[7]
    assert "'NOPE'" in reasons[8]
    assert "valid_to is required" in reasons[9]
    assert "before the first day" in reasons[10]
    assert "not a number" in reasons[11]
    assert "columns" in reasons[12]
    assert "TOU map 'no-such-map'" in reasons[13]
    assert "before the first day" in reasons[14]
    assert "holder cannot change" in reasons[15]
    assert set(Tariff.objects.values_list("external_id", flat=True)) == {"OK-1", "OK-2"}
    assert result.inserted == 2


def test_an_insert_clashing_with_a_different_existing_tariff_is_rejected(holders):
    TariffFactory(premise=holders, external_id="P-1", valid_from=date(2025, 1, 1))

    result = load(delta("insert,P-1,'10443720000000001,,2025-02-01,,0.30,0.10,,,,,"))

    assert result.rejections == [
        (2, "A tariff with the external id 'P-1' exists for another holder or first day; use update.")
    ]


def test_an_overlap_with_a_later_tariff_is_rejected_with_the_reason(holders):
    TariffFactory(premise=holders, external_id="LATER", valid_from=date(2025, 8, 1))

    result = load(delta("insert,EARLY,'10443720000000001,,2025-07-01,,0.30,0.10,,,,,"))

    assert result.rejected == 1
    assert "overlap" in result.rejections[0][1]


@pytest.mark.parametrize("header", ["action,esiid,valid_from", "action,external_id,price", ""])
def test_a_file_without_the_delta_header_is_refused_whole(header):
    with pytest.raises(UsageError):
        load(delta("insert,X,1", header=header))


def test_columns_may_come_in_any_order_and_only_action_and_id_are_required(holders):
    result = load(
        "external_id,action,label_partner,offtake_off_peak,offtake_peak,valid_from\n"
        "LP-9,insert,brand-x,0.10,0.20,2025-01-01\n"
    )

    assert result.inserted == 1


def test_the_command_reports_each_file_and_fails_on_rejected_lines(holders, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(delta("insert,LP-1,,brand-x,2025-01-01,,0.30,0.10,,,,,"), encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(delta("insert,LP-2,,brand-x,someday,,0.30,0.10,,,,,"), encoding="utf-8")

    with pytest.raises(CommandError, match="1 line"):
        call_command("import_tariffs", str(good), str(bad))

    output = capsys.readouterr().out
    assert "file: good.csv" in output and "inserted: 1" in output
    assert "line 2: valid_from 'someday' is not a date" in output


def test_the_api_applies_a_delta_file_and_answers_counts_and_rejections(api_client, holders):
    token = issue_token(OAuthClientFactory(allowed_scopes="tariffs"), "tariffs")
    text = delta("insert,LP-1,,brand-x,2025-01-01,,0.30,0.10,,,,,", "insert,LP-2,,nobody,2025-01-01,,0.30,0.10,,,,,")

    response = api_client.post(
        DELTA_URL,
        {"file": io.BytesIO(text.encode()), "name": "delta.csv"},
        format="multipart",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["inserted"], body["rejected"]) == (1, 1)
    assert body["rejections"] == [{"line": 3, "reason": "No label partner 'nobody'."}]


def _upload(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("delta.csv", text.encode(), content_type="text/csv")}


def test_the_api_refuses_a_third_partys_client_and_another_scope(api_client, holders):
    text = delta("insert,LP-1,,brand-x,2025-01-01,,0.30,0.10,,,,,")
    third_party = issue_token(OAuthClientFactory(allowed_scopes="tariffs", third_party=ThirdPartyFactory()), "tariffs")
    ingest_only = issue_token(OAuthClientFactory(allowed_scopes="ingest tariffs"), "ingest")

    refused = [
        api_client.post(DELTA_URL, _upload(text), format="multipart", HTTP_AUTHORIZATION=f"Bearer {token}")
        for token in (third_party, ingest_only)
    ]
    anonymous = api_client.post(DELTA_URL, _upload(text), format="multipart")

    assert [response.status_code for response in refused] == [403, 403]
    assert anonymous.status_code == 401
    assert not Tariff.objects.exists()


def test_the_api_answers_400_for_no_file_or_a_foreign_header(api_client):
    token = issue_token(OAuthClientFactory(allowed_scopes="tariffs"), "tariffs")

    missing = api_client.post(DELTA_URL, {}, format="multipart", HTTP_AUTHORIZATION=f"Bearer {token}")
    foreign = api_client.post(
        DELTA_URL, _upload("a,b,c\n1,2,3\n"), format="multipart", HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert missing.status_code == foreign.status_code == 400
    assert foreign.json()["error"]["code"] == "bad_header"
