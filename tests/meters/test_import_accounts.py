"""`manage.py import_accounts`: CSV files validated and applied like the provisioning API."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from meters.models import Meter, Occupancy, Premise
from portal.models import LabelPartner, User
from tests.factories import CustomerFactory, LabelPartnerFactory, OccupancyFactory, PremiseFactory

pytestmark = pytest.mark.django_db

ESIID_1 = "10443720000000001"
ESIID_2 = "10443720000000002"


def run_import(kind: str, *paths) -> tuple[str, str, bool]:
    """Run the command; return (stdout, stderr, whether it exited with an error status)."""
    stdout, stderr = StringIO(), StringIO()
    try:
        call_command("import_accounts", kind, *map(str, paths), "--no-progress", stdout=stdout, stderr=stderr)
    except CommandError as error:
        return stdout.getvalue(), stderr.getvalue() + str(error), True
    return stdout.getvalue(), stderr.getvalue(), False


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


PREMISES_CSV = (
    "external_id,esiid,service_address,city,postal_code,label_partner,dwelling_type,floor_area_m2,occupants\n"
    f"INST-1,{ESIID_1},1 Main St,Austin,78701,texpower,apartment,65,2\n"  # line 2: good
    "INST-2,12345,2 Main St,Austin,78701,texpower,,,\n"  # line 3: ESIID too short
    f"INST-3,'{ESIID_2},3 Main St,Austin,78701,texpower,castle,-5,\n"  # line 4: two bad fields
    f'INST-4,{ESIID_1}0,"4 Main St\nUnit B",Austin,78701,,detached,,\n'  # lines 5-6: a quoted address
    f"INST-5,{ESIID_1},5 Main St,Austin,78701,,,,\n"  # line 7: ESIID of INST-1
    "\n"  # line 8: blank, skipped
    ",10443720000000009,9 Main St,Austin,78701,nobody,,,\n"  # line 9: no key, unknown label partner
)


def test_premises_import_loads_good_lines_and_reports_each_bad_one_by_line_number(tmp_path):
    LabelPartnerFactory(code="texpower")
    path = write(tmp_path, "premises.csv", PREMISES_CSV)

    stdout, stderr, failed = run_import("premises", path)

    assert failed
    assert set(Premise.objects.values_list("external_id", flat=True)) == {"INST-1", "INST-4"}
    assert Premise.objects.get(external_id="INST-4").service_address == "4 Main St\nUnit B"
    rejected = [line for line in stderr.splitlines() if line.startswith("line ")]
    assert rejected == [
        "line 3: esiid: An ESIID is 17 to 22 digits.",
        'line 4: dwelling_type: "castle" is not a valid choice.',
        "line 4: floor_area_m2: Ensure this value is greater than or equal to 1.",
        "line 7: esiid: Already in use.",
        "line 9: external_id: This field is required.",
        "line 9: label_partner: No label partner has the code “nobody”.",
    ]
    assert f"{path}: 2 created, 0 updated, 0 unchanged, 4 rejected" in stdout
    assert "4 line(s) rejected" in stderr


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    LabelPartnerFactory(code="texpower")
    path = write(tmp_path, "premises.csv", PREMISES_CSV)
    run_import("premises", path)
    state_after_first = list(Premise.objects.order_by("pk").values())

    stdout, _, _ = run_import("premises", path)

    assert "0 created, 0 updated, 2 unchanged, 4 rejected" in stdout
    assert list(Premise.objects.order_by("pk").values()) == state_after_first


def test_a_changed_line_counts_as_updated(tmp_path):
    LabelPartnerFactory(code="texpower")
    run_import("label_partners", write(tmp_path, "a.csv", "code,name,country\ntexpower,TexPower,US\nlone,Lone,US\n"))

    stdout, _, failed = run_import(
        "label_partners", write(tmp_path, "b.csv", "code,name,country\ntexpower,TexPower Energy,US\nlone,Lone,US\n")
    )

    assert not failed
    assert "0 created, 1 updated, 1 unchanged, 0 rejected" in stdout
    assert LabelPartner.objects.get(code="texpower").name == "TexPower Energy"


def test_a_clean_file_exits_without_error(tmp_path):
    path = write(
        tmp_path,
        "customers.csv",
        "external_account_id,email,full_name,label_partner\n"
        "ACC-1,ana@example.test,Ana Garcia,\n"
        "ACC-2,ben@example.test,,\n",
    )

    stdout, stderr, failed = run_import("customers", path)

    assert not failed
    assert "2 created, 0 updated, 0 unchanged, 0 rejected" in stdout
    assert "line" not in stderr
    assert User.objects.get(external_account_id="ACC-2").email == "ben@example.test"


def test_the_customers_file_refuses_an_email_already_in_use(tmp_path):
    CustomerFactory(email="taken@example.test")
    path = write(
        tmp_path,
        "customers.csv",
        "external_account_id,email\nACC-1,taken@example.test\nACC-2,not-an-email\nACC-3,fine@example.test\n",
    )

    _, stderr, failed = run_import("customers", path)

    assert failed
    assert "line 2: email: Already in use." in stderr
    assert "line 3: email: Enter a valid email address." in stderr
    assert User.objects.filter(external_account_id="ACC-3").exists()


def test_an_unknown_column_rejects_the_file_before_any_line_is_loaded(tmp_path):
    path = write(tmp_path, "meters.csv", f"meter_number,esiid,kommodity\nM-1,{ESIID_1},gas\n")

    _, stderr, failed = run_import("meters", path)

    assert failed
    assert "line 1: unknown column(s) kommodity; expected: meter_number, esiid, commodity" in stderr
    assert not Meter.objects.exists()


def test_a_missing_required_column_rejects_the_file(tmp_path):
    path = write(tmp_path, "move_ins.csv", f"external_account_id,esiid,move_in\nACC-1,{ESIID_1},2025-01-01\n")

    _, stderr, failed = run_import("move_ins", path)

    assert failed
    assert "line 1: missing required column(s): account_number, authorization_code" in stderr


def test_a_line_with_too_many_values_is_rejected(tmp_path):
    PremiseFactory(esiid=ESIID_1)
    path = write(tmp_path, "meters.csv", f"meter_number,esiid\nM-1,{ESIID_1},extra\nM-2,{ESIID_1}\n")

    _, stderr, failed = run_import("meters", path)

    assert failed
    assert "line 2: 3 values for 2 columns" in stderr
    assert list(Meter.objects.values_list("meter_number", flat=True)) == ["M-2"]


def test_meters_import_checks_dates_and_the_premise(tmp_path):
    PremiseFactory(esiid=ESIID_1)
    path = write(
        tmp_path,
        "meters.csv",
        "meter_number,esiid,commodity,installed_on,removed_on\n"
        f"M-1,{ESIID_1},electric,2020-01-01,\n"
        f"M-2,{ESIID_2},gas,2020-01-01,\n"
        f"M-3,{ESIID_1},gas,2020-31-01,\n"
        f"M-4,{ESIID_1},gas,2021-01-01,2020-01-01\n",
    )

    _, stderr, failed = run_import("meters", path)

    assert failed
    assert f"line 3: esiid: No premise has the ESIID “{ESIID_2}”." in stderr
    assert "line 4: installed_on: Date has wrong format." in stderr
    assert "line 5: removed_on: Must be on or after installed_on." in stderr
    assert list(Meter.objects.values_list("meter_number", flat=True)) == ["M-1"]


def test_move_ins_and_move_outs_import(tmp_path):
    CustomerFactory(external_account_id="ACC-1")
    CustomerFactory(external_account_id="ACC-2")
    PremiseFactory(esiid=ESIID_1)
    OccupancyFactory(premise=PremiseFactory(esiid=ESIID_2), move_in=date(2023, 1, 1))
    move_ins = write(
        tmp_path,
        "move_ins.csv",
        "external_account_id,esiid,account_number,authorization_code,move_in\n"
        f"ACC-1,{ESIID_1},001,AUTH1,2025-01-01\n"
        f"ACC-2,{ESIID_2},002,AUTH2,2025-01-01\n",  # occupied
    )
    move_outs = write(
        tmp_path,
        "move_outs.csv",
        f"esiid,move_out,reason\n{ESIID_2},2024-12-31,Sold the house\n{ESIID_2},2024-12-31,Sold the house\n",
    )

    _, move_in_errors, move_ins_failed = run_import("move_ins", move_ins)
    move_out_output, _, move_outs_failed = run_import("move_outs", move_outs)

    assert move_ins_failed
    assert "line 3: This premise already has an occupant; record their move-out first." in move_in_errors
    assert Occupancy.objects.get(premise__esiid=ESIID_1).customer.external_account_id == "ACC-1"
    assert not move_outs_failed
    assert "0 created, 1 updated, 1 unchanged, 0 rejected" in move_out_output
    ended = Occupancy.objects.get(premise__esiid=ESIID_2)
    assert (ended.move_out, ended.move_out_reason) == (date(2024, 12, 31), "Sold the house")


def test_several_files_are_summed_up(tmp_path):
    first = write(tmp_path, "one.csv", "code,name\na,A\n")
    second = write(tmp_path, "two.csv", "code,name\nb,B\nbad code,C\n")

    stdout, stderr, failed = run_import("label_partners", first, second)

    assert failed
    assert "total: 2 created, 0 updated, 0 unchanged, 1 rejected" in stdout
    assert "line 3: code: " in stderr


def test_a_missing_file_is_reported_and_fails_the_run(tmp_path):
    _, stderr, failed = run_import("label_partners", tmp_path / "nowhere.csv")

    assert failed
    assert "nowhere.csv: cannot read" in stderr


def test_an_excel_file_with_a_byte_order_mark_and_semicolons_is_read(tmp_path):
    path = tmp_path / "label_partners.csv"
    path.write_bytes("code;name;country\r\ntexpower;TexPower;us\r\n".encode("utf-8-sig"))

    stdout = StringIO()
    call_command("import_accounts", "label_partners", str(path), "--delimiter", ";", "--no-progress", stdout=stdout)

    assert LabelPartner.objects.get(code="texpower").country == "US"
