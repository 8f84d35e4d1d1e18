"""Department data import: a liaison or the county uploads an extract, reads the bad rows,
then activates (all-or-nothing or good rows only) or cancels; replace supersedes, append adds."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from accounts.services import token_issue
from audit.models import AuditEvent
from demo.verification import ensure_sources
from jiuzhu.errors import ApplicationError
from jiuzhu.testing.fixtures import client_for
from registry.idcard import check_character
from verification import engine, importing
from verification.importing import (
    Accept,
    parse_amount,
    parse_date,
    parse_flag,
    parse_text,
    snapshot_activate,
    snapshot_cancel,
    snapshot_import_file,
    snapshot_import_rows,
)
from verification.models import DataSource, Snapshot, SnapshotStatus, SourceFact

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
AS_OF = TODAY - timedelta(days=3)
ID = "身份证号码"
VALUE = "车辆价值（元）"  # the vehicles source's only item column (demo.verification.SOURCES)


def make_ids(n: int, start: int = 0) -> Iterator[str]:
    """n distinct valid ID numbers (born 1950 onwards, 1,000 per birth day)."""
    for i in range(start, start + n):
        born = date(1950, 1, 1) + timedelta(days=i // 1000)
        first17 = f"620802{born:%Y%m%d}{i % 1000:03d}"
        yield first17 + check_character(first17)


def csv_bytes(rows: list[list[Any]], header: list[str] | None = None,
              encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or [ID, VALUE])
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], header: list[str]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def sources(county: None) -> dict[str, DataSource]:
    return {s.code: s for s in ensure_sources()}


def upload(actor: Any, source: DataSource, content: bytes, name: str = "extract.csv",
           as_of: Any = AS_OF, mode: str = Snapshot.Mode.REPLACE) -> Snapshot:
    return snapshot_import_file(actor=actor, source=source, file_name=name,
                                stream=io.BytesIO(content), as_of=as_of, mode=mode)


def facts_of(snapshot: Snapshot) -> dict[str, Decimal | None]:
    return dict(SourceFact.objects.filter(snapshot=snapshot).values_list("id_number", "value_num"))


# ---------------------------------------------------------------- bad rows and the two modes


def _mixed_file() -> tuple[bytes, list[str]]:
    good1, good2, dup, bad_check = make_ids(4)
    fifteen = "620802700101123"  # an old 15-digit number, upgraded to 18 digits
    rows = [
        [good1, "85000"],                 # row 2: good
        [bad_check[:-1] + ("0" if bad_check[-1] != "0" else "1"), "1000"],  # row 3: check digit
        [good2, "-5"],                    # row 4: negative
        [dup, "12,5x"],                   # row 5: not a number
        ["", "3000"],                     # row 6: value without an ID number
        ["", ""],                         # row 7: blank, skipped
        [dup, "12,345.50"],               # row 8: good (thousands separator)
        [fifteen, ""],                    # row 9: good, no vehicle (no fact)
        [good1, "1"],                     # row 10: the same person twice
        [good2, "3.141"],                 # row 11: three decimals
    ]
    return csv_bytes(rows), [good1, dup]


def test_every_bad_row_is_reported_and_never_written(sources: dict[str, DataSource],
                                                     county_admin: Any) -> None:
    content, good = _mixed_file()
    snapshot = upload(county_admin, sources["vehicles"], content)
    assert snapshot.status == SnapshotStatus.STAGED
    assert (snapshot.rows_total, snapshot.rows_bad, snapshot.facts) == (9, 6, 2)
    reported = {(e["row"], e["column"]) for e in snapshot.errors}
    assert reported == {(3, ID), (4, VALUE), (5, VALUE), (6, ID), (10, ID), (11, VALUE)}
    by_row = {e["row"]: e["message"] for e in snapshot.errors}
    assert "校验位" in by_row[3] and "负数" in by_row[4] and "数字" in by_row[5]
    assert "不能为空" in by_row[6] and "第2行" in by_row[10] and "两位小数" in by_row[11]
    assert facts_of(snapshot) == {good[0]: Decimal("85000"), good[1]: Decimal("12345.50")}
    # Staged data is invisible to matching until activated.
    assert engine.source_status(TODAY)["vehicles"]["status"] == "missing"


def test_all_or_nothing_refuses_a_file_with_bad_rows(sources: dict[str, DataSource],
                                                    county_admin: Any) -> None:
    snapshot = upload(county_admin, sources["vehicles"], _mixed_file()[0])
    with pytest.raises(ApplicationError) as refused:
        snapshot_activate(actor=county_admin, snapshot=snapshot, accept=Accept.ALL)
    assert refused.value.field == "accept" and "6 行" in refused.value.message
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.STAGED and snapshot.activated_at is None
    assert not Snapshot.objects.filter(status=SnapshotStatus.ACTIVE).exists()


def test_good_rows_only_activates_what_was_written(sources: dict[str, DataSource],
                                                  county_admin: Any) -> None:
    snapshot = upload(county_admin, sources["vehicles"], _mixed_file()[0])
    snapshot = snapshot_activate(actor=county_admin, snapshot=snapshot, accept=Accept.GOOD_ONLY)
    assert snapshot.status == SnapshotStatus.ACTIVE and snapshot.activated_at is not None
    assert SourceFact.objects.filter(snapshot=snapshot).count() == 2
    assert engine.source_status(TODAY)["vehicles"] == {"as_of": AS_OF.isoformat(),
                                                      "status": "ok",
                                                      "snapshots": [snapshot.pk]}
    after = AuditEvent.objects.get(action="verification.snapshot_activate").after or {}
    assert after["accept"] == "good_only" and after["rows_bad"] == 6
    # A snapshot is activated once.
    with pytest.raises(ApplicationError) as again:
        snapshot_activate(actor=county_admin, snapshot=snapshot, accept=Accept.ALL)
    assert again.value.code == "transition"


def test_a_clean_file_activates_all_or_nothing(sources: dict[str, DataSource],
                                               county_admin: Any) -> None:
    ids = list(make_ids(3))
    snapshot = upload(county_admin, sources["vehicles"], csv_bytes([[i, "60000"] for i in ids]))
    snapshot = snapshot_activate(actor=county_admin, snapshot=snapshot, accept=Accept.ALL)
    assert snapshot.status == SnapshotStatus.ACTIVE and snapshot.facts == 3


@pytest.mark.parametrize("filter_bytes", [importing.SEEN_FILTER_BYTES, 1])
def test_duplicates_across_write_chunks_are_caught(sources: dict[str, DataSource],
                                                   county_admin: Any, filter_bytes: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Chunks of 3 facts; with a one-byte filter nearly every row is looked up in the database.
    monkeypatch.setattr(importing, "FACT_BATCH", 3)
    monkeypatch.setattr(importing, "SEEN_FILTER_BYTES", filter_bytes)
    monkeypatch.setattr(importing, "SEEN_FILTER_MASK", filter_bytes * 8 - 1)
    ids = list(make_ids(7))
    rows = [[i, "100"] for i in ids] + [[ids[0], "200"]]  # row 9 repeats row 2, chunks later
    snapshot = upload(county_admin, sources["vehicles"], csv_bytes(rows))
    assert (snapshot.rows_total, snapshot.rows_bad, snapshot.facts) == (8, 1, 7)
    assert snapshot.errors[0]["row"] == 9 and "重复" in snapshot.errors[0]["message"]
    assert facts_of(snapshot)[ids[0]] == Decimal("100")


def test_error_detail_is_capped_but_the_count_is_not(sources: dict[str, DataSource],
                                                     county_admin: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "MAX_ERROR_ROWS", 5)
    rows = [["12345", "1"] for _ in range(12)] + [[next(make_ids(1)), "1"]]
    snapshot = upload(county_admin, sources["vehicles"], csv_bytes(rows))
    assert snapshot.rows_bad == 12 and snapshot.facts == 1
    assert [e["row"] for e in snapshot.errors] == [2, 3, 4, 5, 6]


def test_missing_columns_are_one_error_and_leave_nothing(sources: dict[str, DataSource],
                                                         county_admin: Any) -> None:
    content = csv_bytes([[next(make_ids(1)), "1"]], header=[ID, "车辆价值"])
    with pytest.raises(ApplicationError) as missing:
        upload(county_admin, sources["vehicles"], content)
    assert missing.value.field == "file" and VALUE in missing.value.message
    with pytest.raises(ApplicationError) as empty:
        upload(county_admin, sources["vehicles"], csv_bytes([]))
    assert "没有数据行" in empty.value.message
    assert not Snapshot.objects.exists() and not SourceFact.objects.exists()


def test_as_of_is_required_and_not_in_the_future(sources: dict[str, DataSource],
                                                 county_admin: Any) -> None:
    content = csv_bytes([[next(make_ids(1)), "1"]])
    for bad in ("", "2026-02-30", TODAY + timedelta(days=1)):
        with pytest.raises(ApplicationError) as err:
            upload(county_admin, sources["vehicles"], content, as_of=bad)
        assert err.value.field == "as_of"
    assert not Snapshot.objects.exists()


# ---------------------------------------------------------------- formats and value kinds


def test_values_by_kind() -> None:
    assert parse_flag("是") == parse_flag("Y") == parse_flag("true") == (None, "", None)
    assert parse_flag("有") == parse_flag("1") == (None, "", None)
    assert parse_flag("否") is parse_flag("无") is parse_flag("0") is parse_flag("N") is None
    assert parse_flag("空") is parse_flag("") is None
    assert parse_amount("1,234.5") == (Decimal("1234.5"), "", None)
    assert parse_amount("0") == (Decimal("0"), "", None) and parse_amount("") is None
    for day in ("2025-03-07", "2025/3/7", "20250307", "2025-03-07 00:00:00"):
        assert parse_date(day) == (None, "", date(2025, 3, 7)), day
    assert parse_text("x" * 200) == (None, "x" * 200, None)
    for parse, bad in ((parse_flag, "也许"), (parse_amount, "-1"), (parse_amount, "NaN"),
                       (parse_date, "2025-02-30"), (parse_date, "07/03/2025"),
                       (parse_date, "2025-03/07"), (parse_text, "x" * 201)):
        with pytest.raises(ValueError, match=r"."):
            parse(bad)


def test_gbk_csv_with_chinese_values_parses(sources: dict[str, DataSource],
                                            county_admin: Any) -> None:
    yes, no = make_ids(2)
    content = csv_bytes([[yes, "是"], [no, "否"]], header=[ID, "是否登记经营主体"], encoding="gbk")
    content.decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    snapshot = upload(county_admin, sources["business"], content)
    assert (snapshot.rows_total, snapshot.rows_bad) == (2, 0)
    assert list(SourceFact.objects.filter(snapshot=snapshot).values_list(
        "id_number", "item")) == [(yes, "registered")]


def test_utf8_bom_and_xlsx_both_parse(sources: dict[str, DataSource], county_admin: Any) -> None:
    a, b, c = make_ids(3)
    bom = upload(county_admin, sources["death"],
                 csv_bytes([[a, "2025/12/01"]], header=[ID, "死亡日期"], encoding="utf-8-sig"))
    assert bom.rows_bad == 0 and bom.facts == 1
    workbook = xlsx_bytes([[a, datetime(2025, 12, 1)], [b, "20251130"], [c, "2025-11-29"],
                           [620802195803070411, "2025-01-01"]], header=[ID, "死亡日期"])
    snapshot = upload(county_admin, sources["death"], workbook, name="death.xlsx")
    assert (snapshot.rows_total, snapshot.rows_bad, snapshot.facts) == (4, 1, 3)
    assert dict(SourceFact.objects.filter(snapshot=snapshot).values_list(
        "id_number", "value_date")) == {a: date(2025, 12, 1), b: date(2025, 11, 30),
                                        c: date(2025, 11, 29)}
    assert "文本" in snapshot.errors[0]["message"]  # an ID typed as a number in Excel


def test_old_xls_and_other_formats_are_refused(sources: dict[str, DataSource],
                                               county_admin: Any) -> None:
    for name, content in (("a.xls", b"\xd0\xcf\x11\xe0rest"), ("a.pdf", b"%PDF-1.4"),
                          ("a.xlsx", b"PK\x03\x04broken")):
        with pytest.raises(ApplicationError) as err:
            upload(county_admin, sources["vehicles"], content, name=name)
        assert err.value.field == "file"
    assert not Snapshot.objects.exists()


# ---------------------------------------------------------------- replace, append, cancel


def test_replace_supersedes_the_active_snapshot_and_drops_its_facts(
        sources: dict[str, DataSource], county_admin: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    old_ids, new_ids = list(make_ids(2)), list(make_ids(2, start=10))
    first = upload(county_admin, sources["vehicles"], csv_bytes([[i, "1"] for i in old_ids]),
                   as_of=TODAY - timedelta(days=40))
    snapshot_activate(actor=county_admin, snapshot=first, accept=Accept.ALL)
    second = upload(county_admin, sources["vehicles"], csv_bytes([[i, "2"] for i in new_ids]))
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_activate(actor=county_admin, snapshot=second, accept=Accept.ALL)
    first.refresh_from_db()
    assert first.status == SnapshotStatus.SUPERSEDED and first.facts == 2  # history kept
    assert not SourceFact.objects.filter(snapshot=first).exists()  # facts dropped
    assert set(facts_of(second)) == set(new_ids)
    event = AuditEvent.objects.filter(action="verification.snapshot_activate").last()
    assert event is not None and (event.after or {})["superseded"] == [first.pk]


def test_append_keeps_the_active_snapshot(sources: dict[str, DataSource], county_admin: Any,
                                          django_capture_on_commit_callbacks: Any) -> None:
    first = upload(county_admin, sources["death"],
                   csv_bytes([[next(make_ids(1)), "2025-10-01"]], header=[ID, "死亡日期"]),
                   as_of=TODAY - timedelta(days=30))
    snapshot_activate(actor=county_admin, snapshot=first, accept=Accept.ALL)
    more = upload(county_admin, sources["death"],
                  csv_bytes([[next(make_ids(1, start=5)), "2025-11-01"]], header=[ID, "死亡日期"]),
                  mode=Snapshot.Mode.APPEND)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_activate(actor=county_admin, snapshot=more, accept=Accept.ALL)
    statuses = dict(Snapshot.objects.values_list("pk", "status"))
    assert statuses == {first.pk: SnapshotStatus.ACTIVE, more.pk: SnapshotStatus.ACTIVE}
    assert SourceFact.objects.filter(snapshot__status=SnapshotStatus.ACTIVE).count() == 2
    assert engine.source_status(TODAY)["death"]["as_of"] == AS_OF.isoformat()


def test_cancel_deletes_the_staged_facts(sources: dict[str, DataSource], county_admin: Any,
                                         django_capture_on_commit_callbacks: Any) -> None:
    snapshot = upload(county_admin, sources["vehicles"], csv_bytes([[next(make_ids(1)), "9"]]))
    assert SourceFact.objects.filter(snapshot=snapshot).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_cancel(actor=county_admin, snapshot=snapshot)
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.CANCELLED
    assert not SourceFact.objects.filter(snapshot=snapshot).exists()
    with pytest.raises(ApplicationError):
        snapshot_activate(actor=county_admin, snapshot=snapshot, accept=Accept.ALL)


# ---------------------------------------------------------------- pages and who may use them


def _post_file(client: Client, source: str, content: bytes, **data: Any) -> Any:
    form = {"as_of": AS_OF.isoformat(), "mode": "replace", **data,
            "file": SimpleUploadedFile("extract.csv", content, content_type="text/csv")}
    return client.post(f"/verification/sources/{source}/", form)


def test_liaison_sees_and_uploads_only_its_own_department(
        sources: dict[str, DataSource], liaison: Any, settings: Any) -> None:
    web = client_for(liaison)
    listed = web.get("/verification/sources/").content.decode()
    assert "养老金领取" in listed and "失业登记" in listed  # 区人力资源和社会保障局
    assert "机动车登记" not in listed
    assert web.get("/verification/sources/vehicles/").status_code == 404
    content = csv_bytes([[next(make_ids(1)), "70000"]])
    assert _post_file(web, "vehicles", content).status_code == 404
    with pytest.raises(ApplicationError) as refused:
        upload(liaison, sources["vehicles"], content)
    assert refused.value.code == "forbidden" and "联络员" in refused.value.message
    api = Client(headers={"Authorization": f"Bearer {token_issue(actor=None, user=liaison)}"})
    pushed = api.post("/api/v1/verification/sources/vehicles/snapshots",
                      {"as_of": AS_OF.isoformat(), "rows": [{ID: "x", VALUE: "1"}]},
                      content_type="application/json")
    assert pushed.status_code == 404 and pushed.json()["detail"] == "未找到"
    assert not Snapshot.objects.exists()
    # Its own source: upload (streamed from a temporary file, as big uploads are), activate.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    pension = csv_bytes([[next(make_ids(1)), "1,850.00"]], header=[ID, "月养老金（元）"])
    response = _post_file(web, "pension", pension)
    snapshot = Snapshot.objects.get(source_id="pension")
    assert response.status_code == 302 and response["Location"].endswith(f"/{snapshot.pk}/")
    assert snapshot.uploaded_by == liaison and snapshot.facts == 1
    page = web.post(f"/verification/snapshots/{snapshot.pk}/",
                    {"action": "activate", "accept": "all", "confirm": "on"})
    assert page.status_code == 302
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.ACTIVE


def test_clerk_gets_403_and_no_menu_entry(sources: dict[str, DataSource], clerk_a: Any,
                                          county_admin: Any, auditor: Any, liaison: Any) -> None:
    snapshot = upload(county_admin, sources["vehicles"], csv_bytes([[next(make_ids(1)), "1"]]))
    web = client_for(clerk_a)
    for url in ("/verification/sources/", "/verification/sources/vehicles/",
                f"/verification/snapshots/{snapshot.pk}/"):
        assert web.get(url).status_code == 403, url
    assert "部门数据" not in web.get("/").content.decode()
    for user in (county_admin, auditor, liaison):
        assert "部门数据" in client_for(user).get("/").content.decode(), user.username


def test_auditor_reads_but_cannot_upload_or_activate(sources: dict[str, DataSource],
                                                     auditor: Any, county_admin: Any) -> None:
    snapshot = upload(county_admin, sources["vehicles"], csv_bytes([[next(make_ids(1)), "1"]]))
    web = client_for(auditor)
    page = web.get("/verification/sources/vehicles/")
    assert page.status_code == 200 and "上传并校验" not in page.content.decode()
    detail = web.get(f"/verification/snapshots/{snapshot.pk}/")
    assert detail.status_code == 200 and "启用这批数据" not in detail.content.decode()
    assert _post_file(web, "vehicles", csv_bytes([])).status_code == 403
    activate = web.post(f"/verification/snapshots/{snapshot.pk}/",
                        {"action": "activate", "accept": "all", "confirm": "on"})
    assert activate.status_code == 403
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.STAGED


def test_upload_form_keeps_input_on_error(sources: dict[str, DataSource],
                                          county_admin: Any) -> None:
    future = (TODAY + timedelta(days=2)).isoformat()
    response = _post_file(client_for(county_admin), "vehicles",
                          csv_bytes([[next(make_ids(1)), "1"]]), as_of=future, mode="append")
    html = response.content.decode()
    assert response.status_code == 400 and "不能晚于今天" in html
    assert f'value="{future}"' in html
    assert 'value="append" required id="id_mode_1" checked' in html
    assert not Snapshot.objects.exists()


def test_snapshot_page_lists_errors_and_refuses_all_or_nothing(
        sources: dict[str, DataSource], county_admin: Any) -> None:
    snapshot = upload(county_admin, sources["vehicles"], _mixed_file()[0])
    web = client_for(county_admin)
    page = web.get(f"/verification/snapshots/{snapshot.pk}/").content.decode()
    assert "校验位" in page and "不能为负数" in page and "启用这批数据" in page
    refused = web.post(f"/verification/snapshots/{snapshot.pk}/",
                       {"action": "activate", "accept": "all", "confirm": "on"})
    assert refused.status_code == 409 and "只启用无错误的行" in refused.content.decode()
    assert 'value="all" required aria-invalid="true" id="id_accept_0" checked' in \
        refused.content.decode()
    cancel = web.post(f"/verification/snapshots/{snapshot.pk}/", {"action": "cancel"})
    assert cancel.status_code == 302
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.CANCELLED


def test_source_list_shows_age_and_status_in_few_queries(
        sources: dict[str, DataSource], county_admin: Any,
        django_assert_max_num_queries: Any) -> None:
    stale = upload(county_admin, sources["vehicles"], csv_bytes([[next(make_ids(1)), "1"]]),
                   as_of=TODAY - timedelta(days=200))
    snapshot_activate(actor=county_admin, snapshot=stale, accept=Accept.ALL)
    fresh = upload(county_admin, sources["death"],
                   csv_bytes([[next(make_ids(1)), "2025-01-01"]], header=[ID, "死亡日期"]))
    snapshot_activate(actor=county_admin, snapshot=fresh, accept=Accept.ALL)
    web = client_for(county_admin)
    with django_assert_max_num_queries(12):
        html = web.get("/verification/sources/").content.decode()
    assert html.count("<tr>") == len(sources) + 1
    assert "已过期（超过120天）" in html and "200" in html
    assert AS_OF.isoformat() in html and html.count("无数据") == len(sources) - 2


# ---------------------------------------------------------------- API


def _api(user: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_issue(actor=None, user=user)}"})


def test_api_push_answers_201_with_counts_and_errors(sources: dict[str, DataSource],
                                                     county_admin: Any) -> None:
    good, other = make_ids(2)
    api = _api(county_admin)
    url = "/api/v1/verification/sources/vehicles/snapshots"
    clean = api.post(url, {"as_of": AS_OF.isoformat(), "mode": "replace", "activate": True,
                           "rows": [{ID: good, VALUE: 85000}, {ID: other, VALUE: "1,000"}]},
                     content_type="application/json")
    assert clean.status_code == 201
    body = clean.json()
    assert set(body) == {"snapshot_id", "rows_total", "rows_bad", "facts", "status", "errors"}
    assert (body["rows_total"], body["rows_bad"], body["facts"], body["status"]) == \
        (2, 0, 2, "active")
    mixed = api.post(url, {"as_of": AS_OF.isoformat(), "activate": True,
                           "rows": [{ID: good, VALUE: "90000"}, {ID: "123", VALUE: "abc"}]},
                     content_type="application/json").json()
    assert (mixed["rows_bad"], mixed["status"]) == (1, "staged")  # all-or-nothing: not active
    assert [(e["row"], e["column"]) for e in mixed["errors"]] == [(2, ID), (2, VALUE)]
    partial = api.post(url, {"as_of": AS_OF.isoformat(), "activate": True,
                             "good_rows_only": True,
                             "rows": [{ID: good, VALUE: "90000"}, {ID: "123"}]},
                       content_type="application/json").json()
    assert (partial["facts"], partial["status"]) == (1, "active")
    assert Snapshot.objects.get(pk=body["snapshot_id"]).status == SnapshotStatus.SUPERSEDED
    listed = api.get("/api/v1/verification/sources").json()
    vehicles = next(s for s in listed if s["code"] == "vehicles")
    assert vehicles["items"][0]["column"] == VALUE and vehicles["status"] == "ok"
    assert vehicles["active_snapshots"] == [{"id": partial["snapshot_id"],
                                             "as_of": AS_OF.isoformat()}]
    assert len(listed) == len(sources)


def test_api_bad_input_is_400_with_chinese_detail_and_field(sources: dict[str, DataSource],
                                                            county_admin: Any,
                                                            auditor: Any) -> None:
    api = _api(county_admin)
    url = "/api/v1/verification/sources/vehicles/snapshots"
    rows = [{ID: next(make_ids(1)), VALUE: "1"}]
    for as_of, words in (("2025-13-01", "YYYY-MM-DD"), ("", "请填写"),
                         ((TODAY + timedelta(days=1)).isoformat(), "晚于今天")):
        response = api.post(url, {"as_of": as_of, "rows": rows}, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["field"] == "as_of" and words in response.json()["detail"]
    missing = api.post(url, {"as_of": AS_OF.isoformat(), "rows": [{ID: "1"}]},
                       content_type="application/json")
    assert missing.status_code == 400 and missing.json()["field"] == "rows"
    assert VALUE in missing.json()["detail"]
    mode = api.post(url, {"as_of": AS_OF.isoformat(), "mode": "merge", "rows": rows},
                    content_type="application/json")
    assert mode.status_code == 400 and mode.json()["field"] == "mode"
    assert _api(auditor).post(url, {"as_of": AS_OF.isoformat(), "rows": rows},
                              content_type="application/json").status_code == 403
    assert not Snapshot.objects.exists()


# ---------------------------------------------------------------- the command


def test_command_loads_a_20k_row_file_and_reports_counts(
        sources: dict[str, DataSource], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 5_000)
    path = tmp_path / "vehicles.csv"
    with path.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([ID, VALUE])
        for n, id_number in enumerate(make_ids(20_000)):
            writer.writerow([id_number if n % 1000 else "坏号码", f"{n * 10:,}"])
    out = StringIO()
    call_command("import_department_data", "vehicles", str(path), "--as-of",
                 AS_OF.isoformat(), "--activate", "--good-rows-only", stdout=out)
    text = out.getvalue()
    snapshot = Snapshot.objects.get()
    assert (snapshot.rows_total, snapshot.rows_bad, snapshot.facts) == (20_000, 20, 19_980)
    assert snapshot.status == SnapshotStatus.ACTIVE
    assert SourceFact.objects.filter(snapshot=snapshot).count() == 19_980
    assert "已处理 5,000 行" in text and "已处理 20,000 行" in text
    assert "数据行 20,000，错误行 20，写入数据项 19,980" in text and "第2行" in text
    # Without --good-rows-only a file with bad rows stays staged.
    with pytest.raises(CommandError, match="仍为暂存"):
        call_command("import_department_data", "vehicles", str(path), "--as-of",
                     AS_OF.isoformat(), "--activate", stdout=StringIO())
    assert Snapshot.objects.filter(status=SnapshotStatus.STAGED).count() == 1
    with pytest.raises(CommandError, match="晚于今天"):
        call_command("import_department_data", "vehicles", str(path), "--as-of",
                     (TODAY + timedelta(days=1)).isoformat(), stdout=StringIO())


def test_rows_import_numbers_rows_from_one(sources: dict[str, DataSource],
                                           county_admin: Any) -> None:
    snapshot = snapshot_import_rows(actor=county_admin, source=sources["vehicles"],
                                    rows=[{ID: next(make_ids(1))}, {ID: "x", VALUE: "1"}],
                                    as_of=AS_OF)
    assert [e["row"] for e in snapshot.errors] == [2] and snapshot.facts == 0
