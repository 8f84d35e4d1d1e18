"""Household import: clerk_a uploads a file, reads the report, chooses a mode and confirms."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEvent
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.factories import household_with_applicant, make_id_number
from jiuzhu.testing.fixtures import client_for
from registry import importing
from registry.import_views import XLSX
from registry.importing import HEADERS, import_commit, import_validate
from registry.models import Household, ImportJob, Person

pytestmark = pytest.mark.django_db

VILLAGE_A = "620802100201"  # 大寨村, township A (clerk_a)
VILLAGE_A2 = "620802100202"  # 太统村, township A
VILLAGE_B = "620802101201"  # 白水村, township B (clerk_b)
TOWNSHIP_A = "620802100000"
COL = {h: i for i, h in enumerate(HEADERS)}


def member(key: str, name: str, id_number: str, relation: str = "申请人/户主", *,
           village: str = VILLAGE_A, address: str = "大寨村1组1号", phone: str = "",
           urban_rural: str = "", person_phone: str = "") -> list[str]:
    return [key, village, address, phone, urban_rural, name, id_number, relation, person_phone]


def csv_bytes(rows: list[list[Any]], *, header: list[str] = HEADERS, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], *, header: list[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def id_ending_in_x() -> str:
    while not (number := make_id_number(date(1980, 5, 6), "F")).endswith("X"):
        pass
    return number


def good_rows() -> tuple[list[list[str]], dict[str, str]]:
    """Two households, five people: a lowercase x, a 15-digit number, household fields on row 1 only."""
    ids = {"zhang": make_id_number(date(1970, 1, 1), "M"), "wang": id_ending_in_x(),
           "child": make_id_number(date(2005, 9, 1), "M"), "li": "620802650315123",
           "li_mother": make_id_number(date(1940, 2, 2), "F")}
    rows = [
        member("1", "张伟", ids["zhang"], phone="13900001111", person_phone="13900002222"),
        member("1", "王芳", ids["wang"].lower(), "配偶"),
        member("1", "张小伟", ids["child"], "child"),
        member("2", "李强", ids["li"], "户主", village=VILLAGE_A2, address="太统村2组8号",
               urban_rural="城镇"),
        member("2", "李母", ids["li_mother"], "父母", village="", address=""),
    ]
    return rows, ids


def upload(web: Client, name: str, content: bytes) -> Any:
    return web.post("/households/import/", {"file": SimpleUploadedFile(name, content)})


def validated(actor: Any, rows: list[list[Any]], name: str = "家庭.csv") -> ImportJob:
    return import_validate(actor=actor, file_name=name, content=csv_bytes(rows))


def errors_of(job: ImportJob) -> set[tuple[int, str]]:
    return {(e["row"], e["column"]) for e in job.errors}


def commit(web: Client, job: ImportJob, mode: str) -> Any:
    return web.post(f"/households/import/{job.pk}/",
                    {"action": "commit", "mode": mode, "confirm": "on"})


# ---------------------------------------------------------------- template


def test_template_is_an_xlsx_with_headers_examples_and_instructions(clerk_a: Any) -> None:
    response = client_for(clerk_a).get("/households/import/template/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:2] == ["家庭成员", "说明"]
    data = [list(r) for r in workbook["家庭成员"].iter_rows(values_only=True) if any(r)]
    assert data[0] == HEADERS
    assert len(data) == 3  # header and two examples
    assert str(data[1][COL["村（社区）代码"]]).startswith("620802100")  # a village of clerk_a's
    notes = " ".join(str(c) for r in workbook["说明"].iter_rows(values_only=True) for c in r if c)
    for header in HEADERS:
        assert header in notes
    assert "申请人/户主" in notes and "配偶" in notes


def test_template_uploaded_unchanged_reports_the_example_rows(clerk_a: Any) -> None:
    content = client_for(clerk_a).get("/households/import/template/").content
    job = import_validate(actor=clerk_a, file_name="模板.xlsx", content=content)
    assert {(2, "户编号"), (3, "户编号")} <= errors_of(job)
    assert job.households_bad == 1 and job.persons_total == 2


# ---------------------------------------------------------------- good files


def test_good_utf8_csv_is_validated_then_imported_with_history_and_audit(clerk_a: Any) -> None:
    rows, ids = good_rows()
    web = client_for(clerk_a)
    response = upload(web, "家庭.csv", csv_bytes(rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/households/import/{job.pk}/"
    assert (job.status, job.errors, job.region_code) == ("validated", [], TOWNSHIP_A)
    assert (job.households_total, job.households_bad, job.persons_total, job.persons_bad) == (2, 0, 5, 0)
    assert Household.objects.count() == 0 and Person.objects.count() == 0  # validation writes nothing
    page = web.get(f"/households/import/{job.pk}/").content.decode()
    assert "已读取并校验全部 5 行" in page and "全部导入，有错误则全部不导入" in page

    assert commit(web, job, "all").status_code == 302
    job.refresh_from_db()
    assert (job.status, job.mode, job.households_imported, job.persons_imported) == ("committed", "all", 2, 5)
    assert job.committed_at is not None
    zhang = Person.objects.get(id_number=ids["zhang"])
    first = zhang.household
    assert (first.village_id, first.address, first.phone, first.urban_rural) == (
        VILLAGE_A, "大寨村1组1号", "13900001111", "rural")  # derived from 大寨村's class 220
    assert first.created_by == clerk_a and zhang.phone == "13900002222"
    assert sorted(first.members.values_list("relation", flat=True)) == ["applicant", "child", "spouse"]
    assert first.members.get(relation="spouse").id_number == ids["wang"]  # lowercase x normalised
    li = Person.objects.get(id_number_old=ids["li"])
    assert li.id_number.startswith("62080219650315123") and li.birth_date == date(1965, 3, 15)
    assert (li.household.urban_rural, li.household.village_id) == ("urban", VILLAGE_A2)
    assert li.household.members.count() == 2
    assert first.history.get().history_user == clerk_a
    assert zhang.history.get().history_change_reason == f"批量导入#{job.pk}"
    event = AuditEvent.objects.get(action="household.import")
    assert (event.actor, event.object_id, event.region_code) == (clerk_a, str(job.pk), TOWNSHIP_A)
    assert event.after is not None and event.after["households_imported"] == 2


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8"])
def test_good_csv_in_gbk_or_plain_utf8(clerk_a: Any, encoding: str) -> None:
    rows, ids = good_rows()
    web = client_for(clerk_a)
    upload(web, "家庭.CSV", csv_bytes(rows, encoding=encoding))
    job = ImportJob.objects.get()
    assert job.errors == [] and job.persons_total == 5
    commit(web, job, "good_only")
    assert Person.objects.get(id_number=ids["zhang"]).name == "张伟"
    assert Household.objects.count() == 2


def test_good_xlsx_with_numeric_cells_and_blank_rows(clerk_a: Any) -> None:
    text_rows, ids = good_rows()
    rows: list[list[Any]] = [list(r) for r in text_rows]
    rows[0][COL["村（社区）代码"]] = int(VILLAGE_A)  # Excel stores an unformatted code as a number
    rows[0][COL["户编号"]] = 1
    rows.insert(2, [None] * len(HEADERS))  # a blank row in the middle is skipped
    web = client_for(clerk_a)
    upload(web, "家庭.xlsx", xlsx_bytes([*rows, [None] * len(HEADERS)]))
    job = ImportJob.objects.get()
    assert job.errors == [] and (job.households_total, job.persons_total) == (2, 5)
    commit(web, job, "all")
    assert Person.objects.get(id_number=ids["child"]).household.village_id == VILLAGE_A


# ---------------------------------------------------------------- every bad row, by row and column


def _dup_in_db() -> list[list[str]]:
    taken = make_id_number()
    household_with_applicant(VILLAGE_A, id_number=taken)
    return [member("1", "甲", taken)]


def _same_id_twice() -> list[list[str]]:
    number = make_id_number()
    return [member("1", "甲", number), member("2", "乙", number)]


def _bad_check_character() -> list[list[str]]:
    number = make_id_number()
    wrong = "0" if number[-1] != "0" else "1"
    return [member("1", "甲", number[:17] + wrong)]


ERROR_CASES: dict[str, tuple[Callable[[], list[list[str]]], set[tuple[int, str]], str]] = {
    "missing name": (lambda: [member("1", "", make_id_number())], {(2, "姓名")}, "不能为空"),
    "missing id": (lambda: [member("1", "甲", "")], {(2, "身份证号码")}, "不能为空"),
    "missing key": (lambda: [member("", "甲", make_id_number())], {(2, "户编号")}, "不能为空"),
    "missing address": (lambda: [member("1", "甲", make_id_number(), address="")],
                        {(2, "居住地址")}, "本户未填写"),
    "unknown village": (lambda: [member("1", "甲", make_id_number(), village="620802100999")],
                        {(2, "村（社区）代码")}, "不存在"),
    "not a village": (lambda: [member("1", "甲", make_id_number(), village=TOWNSHIP_A)],
                      {(2, "村（社区）代码")}, "不是村（社区）级"),
    "malformed village": (lambda: [member("1", "甲", make_id_number(), village="6208021")],
                          {(2, "村（社区）代码")}, "12位数字"),
    "village of township B": (lambda: [member("1", "甲", make_id_number(), village=VILLAGE_B)],
                              {(2, "村（社区）代码")}, "不在您的管辖范围内"),
    "invalid id": (_bad_check_character, {(2, "身份证号码")}, "校验位"),
    "id too short": (lambda: [member("1", "甲", "62080219700101")], {(2, "身份证号码")}, "应为18位"),
    "id twice in file": (_same_id_twice, {(2, "身份证号码"), (3, "身份证号码")}, "重复"),
    "id already registered": (_dup_in_db, {(2, "身份证号码")}, "已在系统中登记"),
    "unknown relation": (lambda: [member("1", "甲", make_id_number()),
                                  member("1", "乙", make_id_number(), "邻居")],
                         {(3, "与申请人关系")}, "无法识别"),
    "no applicant": (lambda: [member("1", "甲", make_id_number(), "配偶")],
                     {(2, "与申请人关系")}, "没有申请人"),
    "two applicants": (lambda: [member("1", "甲", make_id_number()),
                                member("1", "乙", make_id_number(), "applicant")],
                       {(2, "与申请人关系"), (3, "与申请人关系")}, "多名申请人"),
    "inconsistent address": (lambda: [member("1", "甲", make_id_number()),
                                      member("1", "乙", make_id_number(), "配偶", address="别处")],
                             {(3, "居住地址")}, "不一致"),
    "inconsistent village": (lambda: [member("1", "甲", make_id_number()),
                                      member("1", "乙", make_id_number(), "配偶", village=VILLAGE_A2)],
                             {(3, "村（社区）代码")}, "不一致"),
    "bad urban-rural": (lambda: [member("1", "甲", make_id_number(), urban_rural="郊区")],
                        {(2, "城乡类别")}, "城镇"),
}


@pytest.mark.parametrize("case", ERROR_CASES)
def test_each_error_is_reported_with_row_and_column(clerk_a: Any, case: str) -> None:
    make_rows, expected, fragment = ERROR_CASES[case]
    job = validated(clerk_a, make_rows())
    assert errors_of(job) == expected
    assert all(fragment in e["message"] for e in job.errors), job.errors
    assert job.households_bad >= 1 and Household.objects.count() <= 1


def test_row_numbers_are_excel_rows_and_one_bad_row_spoils_its_household(clerk_a: Any) -> None:
    rows, _ids = good_rows()
    rows[2][COL["身份证号码"]] = "123"  # 张小伟, after the blank line inserted below: row 5
    rows.insert(1, [""] * len(HEADERS))
    job = validated(clerk_a, rows)
    assert [(e["row"], e["column"], e["key"]) for e in job.errors] == [(5, "身份证号码", "1")]
    assert (job.households_total, job.households_bad, job.persons_total, job.persons_bad) == (2, 1, 5, 3)
    body = client_for(clerk_a).get(f"/households/import/{job.pk}/").content.decode()
    assert "身份证号码应为18位" in body and ">5</td>" in body


def test_id_stored_as_number_in_excel_gets_a_hint(clerk_a: Any) -> None:
    rows: list[list[Any]] = [member("1", "甲", "x")]
    rows[0][COL["身份证号码"]] = 620802197001011234.0
    job = import_validate(actor=clerk_a, file_name="a.xlsx", content=xlsx_bytes(rows))
    assert "文本" in job.errors[0]["message"]


# ---------------------------------------------------------------- whole-file problems


@pytest.mark.parametrize(("name", "content", "message"), [
    ("空.csv", b"", "空文件"),
    ("表头.csv", csv_bytes([]), "没有数据行"),
    ("缺列.csv", csv_bytes([["1", "甲"]], header=["户编号", "姓名"]), "缺少以下列"),
    ("旧版.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    ("文档.pdf", b"%PDF-1.4", "文件格式不支持"),
    ("坏的.xlsx", b"PK\x03\x04garbage", "无法读取"),
    ("二进制.csv", b"\x00\x01\x02\xff\xfe", "CSV"),
])
def test_whole_file_problems_are_refused_beside_the_upload_field(
    clerk_a: Any, name: str, content: bytes, message: str
) -> None:
    response = upload(client_for(clerk_a), name, content)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors["file"])
    assert ImportJob.objects.count() == 0


def test_empty_content_is_refused_by_the_service(clerk_a: Any) -> None:
    with pytest.raises(ApplicationError, match="文件为空"):
        import_validate(actor=clerk_a, file_name="a.csv", content=b"")


def test_more_than_50000_rows_is_refused(clerk_a: Any) -> None:
    rows = [member(str(i), "甲", "1") for i in range(importing.MAX_ROWS + 1)]
    response = upload(client_for(clerk_a), "大.csv", csv_bytes(rows))
    assert response.status_code == 400 and "50,000" in response.content.decode()
    assert ImportJob.objects.count() == 0


# ---------------------------------------------------------------- modes


def _one_good_one_bad() -> tuple[list[list[str]], str, str]:
    good, bad = make_id_number(), make_id_number()
    return [member("好", "甲", good), member("坏", "乙", bad), member("坏", "丙", "错")], good, bad


def test_all_or_nothing_refuses_while_errors_exist_and_writes_nothing(clerk_a: Any) -> None:
    rows, _good, _bad = _one_good_one_bad()
    web = client_for(clerk_a)
    upload(web, "a.csv", csv_bytes(rows))
    job = ImportJob.objects.get()
    response = commit(web, job, "all")
    assert response.status_code == 400
    assert "未导入任何数据" in response.content.decode()
    assert Household.objects.count() == 0 and Person.objects.count() == 0
    job.refresh_from_db()
    assert job.status == "validated" and not AuditEvent.objects.filter(action="household.import")


def test_good_only_imports_only_the_good_households(clerk_a: Any) -> None:
    rows, good, bad = _one_good_one_bad()
    web = client_for(clerk_a)
    upload(web, "a.csv", csv_bytes(rows))
    job = ImportJob.objects.get()
    assert commit(web, job, "good_only").status_code == 302
    assert list(Person.objects.values_list("id_number", flat=True)) == [good]
    assert not Person.objects.filter(id_number=bad).exists()
    job.refresh_from_db()
    assert (job.status, job.households_imported, job.persons_imported) == ("committed", 1, 1)
    assert commit(web, job, "good_only").status_code == 400  # a job is imported once
    assert Household.objects.count() == 1


def test_commit_needs_a_mode_and_the_confirmation(clerk_a: Any) -> None:
    rows, _ids = good_rows()
    job = validated(clerk_a, rows)
    web = client_for(clerk_a)
    assert web.post(f"/households/import/{job.pk}/", {"action": "commit", "mode": "all"}).status_code == 400
    assert web.post(f"/households/import/{job.pk}/", {"action": "commit", "confirm": "on"}).status_code == 400
    assert Household.objects.count() == 0


def test_cancelled_job_cannot_be_imported(clerk_a: Any) -> None:
    rows, _ids = good_rows()
    job = validated(clerk_a, rows)
    web = client_for(clerk_a)
    assert web.post(f"/households/import/{job.pk}/", {"action": "cancel"}).status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert commit(web, job, "all").status_code == 400 and Household.objects.count() == 0


def test_only_good_households_when_none_is_good_is_refused(clerk_a: Any) -> None:
    job = validated(clerk_a, [member("1", "甲", "错")])
    response = commit(client_for(clerk_a), job, "good_only")
    assert response.status_code == 400 and "没有无错误的家庭" in response.content.decode()


# ---------------------------------------------------------------- re-validation at commit


def test_commit_rechecks_ids_registered_since_validation(clerk_a: Any) -> None:
    rows, ids = good_rows()
    job = validated(clerk_a, rows)
    household_with_applicant(VILLAGE_A, id_number=ids["li_mother"])  # registered at the counter meanwhile
    web = client_for(clerk_a)
    response = commit(web, job, "all")
    assert response.status_code == 400
    job.refresh_from_db()
    assert [(e["row"], e["column"], e.get("at_commit")) for e in job.errors] == [(6, "身份证号码", True)]
    assert (job.households_bad, job.persons_bad, job.status) == (1, 2, "validated")
    assert Household.objects.count() == 1  # only the counter registration
    assert "确认导入时发现" in web.get(f"/households/import/{job.pk}/").content.decode()

    assert commit(web, job, "good_only").status_code == 302
    assert Person.objects.filter(id_number=ids["zhang"]).exists()
    assert not Person.objects.filter(id_number_old=ids["li"]).exists()


def test_a_conflict_during_the_insert_rolls_everything_back(clerk_a: Any, monkeypatch: Any) -> None:
    rows, ids = good_rows()
    job = validated(clerk_a, rows)
    real_check = importing._check_database

    def check_then_someone_registers(actor: Any, rows: Any, errors: Any) -> Any:
        villages = real_check(actor, rows, errors)
        household_with_applicant(VILLAGE_A, id_number=ids["zhang"])
        return villages

    monkeypatch.setattr(importing, "_check_database", check_then_someone_registers)
    response = commit(client_for(clerk_a), job, "all")
    assert response.status_code == 400 and "冲突" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "failed" and "冲突" in job.failure_reason
    assert Household.objects.count() == 0 and Person.objects.count() == 0


# ---------------------------------------------------------------- who sees what


def test_county_admin_may_import_in_any_township(county_admin: Any) -> None:
    job = validated(county_admin, [member("1", "甲", make_id_number(), village=VILLAGE_B)])
    assert job.errors == []
    import_commit(actor=county_admin, job=job, mode="all")
    assert Household.objects.get().village_id == VILLAGE_B


def test_jobs_are_seen_by_their_uploader_and_county_admins_only(
    clerk_a: Any, clerk_b: Any, county_admin: Any, reviewer_a: Any
) -> None:
    rows, _ids = good_rows()
    job = validated(clerk_a, rows, name="崆峒镇.csv")
    url = f"/households/import/{job.pk}/"
    assert client_for(clerk_b).get(url).status_code == 404
    assert commit(client_for(clerk_b), job, "all").status_code == 404
    assert "崆峒镇.csv" not in client_for(clerk_b).get("/households/import/").content.decode()
    other_clerk_a = User.objects.create(username="clerk_a2", role=Role.CLERK, region_id=TOWNSHIP_A)
    assert client_for(other_clerk_a).get(url).status_code == 404
    assert client_for(reviewer_a).get(url).status_code == 403  # not a registry writer
    admin = client_for(county_admin)
    assert admin.get(url).status_code == 200
    assert "崆峒镇.csv" in admin.get("/households/import/").content.decode()
    assert commit(admin, job, "all").status_code == 400  # only the uploader confirms
    assert client_for(clerk_a).get(url).status_code == 200
    assert client_for(clerk_a).get("/households/import/999999/").status_code == 404
    assert Household.objects.count() == 0


def test_household_list_links_to_the_import_for_writers_only(clerk_a: Any, reviewer_a: Any) -> None:
    assert 'href="/households/import/"' in client_for(clerk_a).get("/households/").content.decode()
    body = client_for(reviewer_a).get("/households/").content.decode()
    assert "批量导入" not in body


# ---------------------------------------------------------------- set-based


def test_validation_and_commit_use_a_bounded_number_of_queries(
    clerk_a: Any, django_assert_max_num_queries: Any
) -> None:
    rows = []
    for i in range(300):
        rows.append(member(str(i), f"户主{i}", make_id_number()))
        rows.append(member(str(i), f"配偶{i}", make_id_number(sex="F"), "配偶", village="", address=""))
    with django_assert_max_num_queries(10):
        job = validated(clerk_a, rows)
    assert job.errors == [] and job.households_total == 300
    # Inserts go in batches (SQLite allows ~90 person rows per INSERT), never one per row.
    with django_assert_max_num_queries(40):
        import_commit(actor=clerk_a, job=job, mode="all")
    assert Person.objects.count() == 600
    assert Person.history.count() == 600 and Household.history.count() == 300


def test_error_report_is_paged(clerk_a: Any) -> None:
    job = validated(clerk_a, [member(str(i), "甲", "错") for i in range(120)])
    web = client_for(clerk_a)
    first = web.get(f"/households/import/{job.pk}/")
    assert len(first.context["page_obj"].object_list) == 50
    third = web.get(f"/households/import/{job.pk}/", {"page": 3}, HTTP_HX_REQUEST="true")
    assert len(third.context["page_obj"].object_list) == 20 and "<html" not in third.content.decode()
