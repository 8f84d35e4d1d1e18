"""Ledger pages: the list and its filters, one item through its steps by form, evidence up and
down, the Excel export read back, the dashboard tile, and township B seeing none of it."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from demo.reference import TOWNSHIP_A, TOWNSHIP_B
from jiuzhu.testing.fixtures import client_for
from supervision.models import ItemSource, ItemState, LedgerItem, ListKind

from .test_ledger_lifecycle import PDF, attach, register, set_today, submitted

pytestmark = pytest.mark.django_db
S = ItemState
BASE = "/supervision/ledgers/"
HEADER = ["编号", "清单", "来源", "地区", "事项", "责任单位", "责任人", "整改时限", "整改措施",
          "整改情况", "状态", "是否逾期", "销号时间", "销号审核人"]


@pytest.fixture(autouse=True)
def _march(monkeypatch: pytest.MonkeyPatch) -> None:
    set_today(monkeypatch, date(2026, 3, 10))


def test_the_list_is_scoped_and_filtered(clerk_a: Any, clerk_b: Any, county_admin: Any,
                                         django_assert_max_num_queries: Any) -> None:
    mine = register(clerk_a, title="甲镇低保档案不全")
    task = register(clerk_a, title="甲镇落实走访", list_kind=ListKind.TASK,
                    source=ItemSource.INSPECTION)
    theirs = register(clerk_b, region=TOWNSHIP_B, title="乙镇资金滞留")
    web = client_for(clerk_a)
    with django_assert_max_num_queries(12):
        html = web.get(BASE).content.decode()
    assert mine.number in html and task.number in html and theirs.number not in html
    html = web.get(BASE, {"list_kind": ListKind.TASK}).content.decode()
    assert task.number in html and mine.number not in html
    html = web.get(BASE, {"source": ItemSource.INSPECTION}).content.decode()
    assert task.number in html and mine.number not in html
    html = web.get(BASE, {"q": mine.number}).content.decode()
    assert mine.number in html and task.number not in html
    html = web.get(BASE, {"q": "落实"}).content.decode()
    assert task.number in html and mine.number not in html
    county = client_for(county_admin).get(BASE, {"township": TOWNSHIP_B}).content.decode()
    assert theirs.number in county and mine.number not in county
    # An htmx filter swaps only the table.
    partial = web.get(BASE, HTTP_HX_REQUEST="true").content.decode()
    assert "<form class=\"filters\"" not in partial and mine.number in partial


def test_overdue_filter_marks_rows(clerk_a: Any) -> None:
    late = register(clerk_a, title="逾期事项")
    LedgerItem.objects.filter(pk=late.pk).update(state=S.RECTIFYING, due_on=date(2026, 3, 9))
    on_time = register(clerk_a, title="未到期事项")
    html = client_for(clerk_a).get(BASE, {"overdue": "1"}).content.decode()
    assert late.number in html and on_time.number not in html and 'class="overdue"' in html


def test_registering_by_form_keeps_input_on_errors(clerk_a: Any) -> None:
    web = client_for(clerk_a)
    form = {"list_kind": ListKind.PROBLEM, "source": ItemSource.PUBLIC, "region": TOWNSHIP_A,
            "title": "群众反映低保评议不公开", "description": "村民代表会议未公示"}
    bad = web.post(f"{BASE}new/", form | {"ticket": "RX-NONE"})
    assert bad.status_code == 200 and LedgerItem.objects.count() == 0
    assert "群众反映低保评议不公开" in bad.content.decode()
    assert "未找到该工单" in bad.content.decode()
    wrong_region = web.post(f"{BASE}new/", form | {"region": TOWNSHIP_B})
    assert wrong_region.status_code == 200 and LedgerItem.objects.count() == 0
    done = web.post(f"{BASE}new/", form)
    item = LedgerItem.objects.get()
    assert done.status_code == 302 and done["Location"] == f"{BASE}{item.pk}/"
    assert (item.source, item.region_id, item.created_by_id) == (
        ItemSource.PUBLIC, TOWNSHIP_A, clerk_a.pk)


def test_an_item_through_its_steps_by_form(clerk_a: Any, reviewer_a: Any) -> None:
    item = register(clerk_a)
    web = client_for(clerk_a)
    page = web.get(f"{BASE}{item.pk}/").content.decode()
    assert 'id="action-assign"' in page and 'id="action-close"' not in page
    # A missing requirement stays on the page beside its field.
    bad = web.post(f"{BASE}{item.pk}/assign/", {
        "assign-responsible_unit": "崆峒镇民政办", "assign-responsible_person": "李娟",
        "assign-due_on": "2026-03-01", "assign-measures": "补齐"})
    assert bad.status_code == 400 and "整改时限不能早于今天" in bad.content.decode()
    assert LedgerItem.objects.get(pk=item.pk).state == S.OPEN
    ok = web.post(f"{BASE}{item.pk}/assign/", {
        "assign-responsible_unit": "崆峒镇民政办", "assign-responsible_person": "李娟",
        "assign-due_on": "2026-03-31", "assign-measures": "逐户补齐"})
    assert ok.status_code == 302
    web.post(f"{BASE}{item.pk}/start/")
    # Submitting without evidence is refused and says why.
    refused = web.post(f"{BASE}{item.pk}/submit/", {"submit-rectification": "已补齐"})
    assert refused.status_code == 400 and "无佐证材料不能销号" in refused.content.decode()
    assert LedgerItem.objects.get(pk=item.pk).state == S.RECTIFYING
    upload = web.post(f"{BASE}{item.pk}/evidence/", {
        "evidence-description": "补齐后的档案",
        "evidence-file": SimpleUploadedFile("档案.pdf", PDF)})
    assert upload.status_code == 302
    web.post(f"{BASE}{item.pk}/submit/", {"submit-rectification": "已补齐"})
    # The submitter is not offered the 销号; the township's reviewer is.
    assert 'id="action-close"' not in web.get(f"{BASE}{item.pk}/").content.decode()
    checker = client_for(reviewer_a)
    assert 'id="action-close"' in checker.get(f"{BASE}{item.pk}/").content.decode()
    assert checker.post(f"{BASE}{item.pk}/close/", {"close-review_note": "属实"}).status_code == 302
    item.refresh_from_db()
    assert (item.state, item.closed_by_id) == (S.CLOSED, reviewer_a.pk)
    timeline = checker.get(f"{BASE}{item.pk}/").content.decode()
    assert "审核销号" in timeline and "上传佐证材料" in timeline


def test_bad_evidence_by_form_is_shown_and_not_stored(clerk_a: Any) -> None:
    item = register(clerk_a)
    LedgerItem.objects.filter(pk=item.pk).update(state=S.RECTIFYING)
    response = client_for(clerk_a).post(f"{BASE}{item.pk}/evidence/", {
        "evidence-description": "照片", "evidence-file": SimpleUploadedFile("a.pdf", b"MZ exe")})
    assert response.status_code == 400 and "PDF、JPG 或 PNG" in response.content.decode()
    assert item.evidence.count() == 0


def test_evidence_download_is_scoped_and_not_cached(clerk_a: Any, clerk_b: Any,
                                                    auditor: Any) -> None:
    item = register(clerk_a)
    LedgerItem.objects.filter(pk=item.pk).update(state=S.RECTIFYING)
    evidence = attach(clerk_a, item)
    url = f"{BASE}{item.pk}/evidence/{evidence.pk}/"
    response = client_for(auditor).get(url)
    assert response.status_code == 200 and response.getvalue() == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert client_for(clerk_b).get(url).status_code == 404
    other = register(clerk_a, title="另一事项")
    assert client_for(clerk_a).get(f"{BASE}{other.pk}/evidence/{evidence.pk}/").status_code == 404


def test_township_b_gets_404_and_the_auditor_only_reads(clerk_a: Any, clerk_b: Any,
                                                       auditor: Any) -> None:
    item = register(clerk_a)
    b = client_for(clerk_b)
    assert b.get(f"{BASE}{item.pk}/").status_code == 404
    assert b.post(f"{BASE}{item.pk}/assign/", {}).status_code == 404
    assert b.post(f"{BASE}{item.pk}/evidence/", {}).status_code == 404
    reader = client_for(auditor)
    page = reader.get(f"{BASE}{item.pk}/").content.decode()
    assert item.number in page and 'id="action-assign"' not in page
    assert reader.post(f"{BASE}{item.pk}/assign/", {}).status_code == 403
    assert reader.get(f"{BASE}new/").status_code == 403
    assert LedgerItem.objects.get(pk=item.pk).state == S.OPEN


def test_export_columns_read_back(clerk_a: Any, reviewer_a: Any, clerk_b: Any) -> None:
    item = submitted(clerk_a)
    from supervision.services.ledgers import ledger_item_close

    ledger_item_close(actor=reviewer_a, item_id=item.pk, note="属实")
    late = register(clerk_a, title="逾期事项")
    LedgerItem.objects.filter(pk=late.pk).update(state=S.RECTIFYING, due_on=date(2026, 3, 9),
                                                 responsible_person="王五")
    register(clerk_b, region=TOWNSHIP_B, title="乙镇事项")
    response = client_for(clerk_a).get(f"{BASE}export/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(
        values_only=True))
    assert "崆峒镇问题清单台账" in rows[0][0] and "2026-03-10" in rows[0][0]
    assert list(rows[1]) == HEADER
    body = {r[0]: dict(zip(HEADER, r, strict=True)) for r in rows[2:]}
    assert set(body) == {item.number, late.number}
    closed = body[item.number]
    assert closed == {
        "编号": item.number, "清单": "问题清单", "来源": "排查自查发现", "地区": "崆峒镇",
        "事项": "低保档案资料不全", "责任单位": "崆峒镇民政办", "责任人": "李娟",
        "整改时限": closed["整改时限"], "整改措施": "逐户补齐收入证明并归档",
        "整改情况": "3户收入证明已补齐", "状态": "已销号", "是否逾期": "否",
        "销号时间": closed["销号时间"], "销号审核人": reviewer_a.display_name,
    }
    assert closed["整改时限"].date() == date(2026, 3, 31)
    assert closed["销号时间"].date() == date(2026, 3, 10)
    assert (body[late.number]["是否逾期"], body[late.number]["销号时间"]) == ("是", None)
    # The export follows the filters.
    only_late = client_for(clerk_a).get(f"{BASE}export/", {"overdue": "1"})
    rows = list(load_workbook(io.BytesIO(only_late.getvalue())).active.iter_rows(
        values_only=True))
    assert [r[0] for r in rows[2:]] == [late.number]


def test_dashboard_tile_counts_overdue_items_in_scope(clerk_a: Any, clerk_b: Any,
                                                      county_admin: Any, reviewer_a: Any) -> None:
    late = register(clerk_a)
    LedgerItem.objects.filter(pk=late.pk).update(state=S.RECTIFYING, due_on=date(2026, 3, 9))
    closed_late = submitted(clerk_a)
    LedgerItem.objects.filter(pk=closed_late.pk).update(due_on=date(2026, 3, 1))
    from supervision.services.ledgers import ledger_item_close

    ledger_item_close(actor=reviewer_a, item_id=closed_late.pk)
    from supervision.selectors.ledgers import dashboard_tiles

    tile = dashboard_tiles(clerk_a)[0]
    assert (tile["id"], tile["n"], tile["warn"]) == ("ledger-overdue-stat", 1, True)
    assert dashboard_tiles(clerk_b)[0]["n"] == 0 and not dashboard_tiles(clerk_b)[0]["warn"]
    assert dashboard_tiles(county_admin)[0]["n"] == 1
    html = client_for(clerk_a).get("/").content.decode()
    assert 'id="ledger-overdue-stat"' in html
