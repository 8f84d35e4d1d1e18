"""Staff pages: lists in the user's region, batch issue from a form, a card with its preview,
revoke and re-issue, the household page's card box, and the PDFs (Chinese text extracted)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from typing import Any

import pytest
from django.test import Client

from cards import services
from cards.models import Card, CardBatch
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.cases import VILLAGE_A, VILLAGE_B
from jiuzhu.testing.factories import household_with_applicant
from jiuzhu.testing.fixtures import client_for
from outreach.models import Visit
from registry.models import Household

from .conftest import DIBAO_AMOUNT, MEDICAL_AMOUNT

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None,
                                     reason="pdftotext (Debian poppler-utils) is not installed")


def _pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, whitespace removed (pdftotext ends each page with a form feed)."""
    assert PDFTOTEXT is not None
    result = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", "-", "-"], input=pdf,  # noqa: S603
                            capture_output=True, check=True)
    pages = result.stdout.decode("utf-8").split("\f")
    return [re.sub(r"\s+", "", p) for p in pages if p.strip()]


def _recipients(village: str, n: int) -> list[Household]:
    households = [household_with_applicant(village, name=f"户主{i}") for i in range(n)]
    for h in households:
        enrolled(h, account=False)
    return households


@pytest.fixture
def card(recipient: Household, clerk_a: Any) -> Card:
    return services.card_issue(actor=clerk_a, household=recipient)


def test_card_list_is_scoped_and_filtered(card: Card, clerk_a: Any, clerk_b: Any,
                                          grid_a: Any, county_admin: Any) -> None:
    _recipients(VILLAGE_B, 1)
    services.card_batch_issue(actor=clerk_b, village_code=VILLAGE_B)
    ids = lambda r: [c.pk for c in r.context["page_obj"]]  # noqa: E731
    assert ids(client_for(clerk_a).get("/cards/")) == [card.pk]
    assert ids(client_for(grid_a).get("/cards/")) == [card.pk]
    assert len(ids(client_for(county_admin).get("/cards/"))) == 2
    assert card.pk not in ids(client_for(clerk_b).get("/cards/"))
    web = client_for(county_admin)
    assert ids(web.get("/cards/", {"village": VILLAGE_A})) == [card.pk]
    assert ids(web.get("/cards/", {"delivered": "yes"})) == []
    services.card_deliver(actor=grid_a, card=card)
    assert ids(web.get("/cards/", {"delivered": "yes"})) == [card.pk]
    assert card.pk not in ids(web.get("/cards/", {"delivered": "no"}))
    services.card_revoke(actor=clerk_a, card=card, reason="遗失")
    assert ids(web.get("/cards/", {"state": "revoked"})) == [card.pk]
    assert card.pk not in ids(web.get("/cards/", {"state": "live"}))
    html = web.get("/cards/").content.decode()
    assert "王秀英" in html and "已作废" in html


def test_card_list_pages_in_constant_queries(clerk_a: Any, grid_a: Any,
                                             django_assert_max_num_queries: Any) -> None:
    _recipients(VILLAGE_A, 30)
    batch = services.card_batch_issue(actor=clerk_a, village_code=VILLAGE_A)
    for card in batch.cards.all()[:10]:  # delivered, with the visit, by whom: no query per row
        visit = Visit.objects.create(household=card.household, worker=grid_a,
                                     visited_on=date(2026, 11, 2), card_delivered=True)
        services.card_deliver(actor=grid_a, card=card, visit=visit)
    web = client_for(clerk_a)
    with django_assert_max_num_queries(8):
        response = web.get("/cards/")
    assert len(response.context["page_obj"]) == 25
    partial = web.get("/cards/", {"page": "2", "village": VILLAGE_A}, HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "cards/_card_table.html"
    assert f'href="/cards/sheet.pdf?village={VILLAGE_A}"' in partial.content.decode()


def test_batch_form_offers_only_own_villages_and_issues(clerk_a: Any) -> None:
    _recipients(VILLAGE_A, 3)
    web = client_for(clerk_a)
    form = web.get("/cards/batches/new/").context["form"]
    codes = [c for c, _label in form.fields["village"].choices if c]
    assert VILLAGE_A in codes and VILLAGE_B not in codes
    assert all(c.startswith("620802100") for c in codes)
    response = web.post("/cards/batches/new/", {"village": VILLAGE_A})
    batch = CardBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cards/batches/{batch.pk}/"
    assert batch.cards_issued == 3 and batch.created_by == clerk_a
    detail = web.get(f"/cards/batches/{batch.pk}/")
    assert len(detail.context["page_obj"]) == 3
    assert batch.pk in [b.pk for b in web.get("/cards/batches/").context["page_obj"]]


def test_batch_form_refuses_and_keeps_input(clerk_a: Any) -> None:
    _recipients(VILLAGE_A, 1)
    web = client_for(clerk_a)
    web.post("/cards/batches/new/", {"village": VILLAGE_A})
    again = web.post("/cards/batches/new/", {"village": VILLAGE_A})
    assert again.status_code == 200 and again.context["form"].errors["village"]
    assert again.context["form"]["village"].value() == VILLAGE_A
    foreign = web.post("/cards/batches/new/", {"village": VILLAGE_B})
    assert foreign.context["form"].errors["village"]
    assert CardBatch.objects.count() == 1


def test_grid_worker_and_auditor_read_but_do_not_manage(card: Card, grid_a: Any,
                                                        auditor: Any) -> None:
    for user in (grid_a, auditor):
        web = client_for(user)
        page = web.get(f"/cards/{card.pk}/")
        assert page.status_code == 200 and not page.context["can_manage"]
        assert web.post(f"/cards/{card.pk}/revoke/", {"revoke-reason": "x"}).status_code == 403
        assert web.post(f"/cards/{card.pk}/reissue/", {"reissue-reason": "x"}).status_code == 403
        assert web.post("/cards/batches/new/", {"village": VILLAGE_A}).status_code == 403
    card.refresh_from_db()
    assert card.live


def test_card_detail_previews_the_printed_card(card: Card, reviewer_a: Any) -> None:
    response = client_for(reviewer_a).get(f"/cards/{card.pk}/")
    html = response.content.decode()
    assert "cards/_card.html" in [t.name for t in response.templates]
    assert "暖心关怀联系卡" in html and DIBAO_AMOUNT in html and MEDICAL_AMOUNT in html
    assert "0933-8211002" in html  # 区医疗保障局
    assert "您家享受 <b>2</b> 个部门 <b>2</b> 类救助政策" in html
    assert "data:image/svg+xml;base64," in html
    assert f"http://testserver/k/{card.token}/" in html
    assert response.context["can_manage"]


def test_revoke_and_reissue_from_the_page(card: Card, clerk_a: Any) -> None:
    web = client_for(clerk_a)
    bad = web.post(f"/cards/{card.pk}/reissue/", {"reissue-reason": ""})
    assert bad.status_code == 400 and bad.context["reissue_form"].errors["reason"]
    response = web.post(f"/cards/{card.pk}/reissue/", {"reissue-reason": "卡片损坏"})
    new = Card.objects.get(household=card.household, revoked_at__isnull=True)
    assert response["Location"] == f"/cards/{new.pk}/" and new.pk != card.pk
    old_page = web.get(f"/cards/{card.pk}/")
    assert old_page.context["successor"] == new and not old_page.context["can_manage"]
    again = web.post(f"/cards/{card.pk}/revoke/", {"revoke-reason": "再作废"})
    assert again.status_code == 400
    assert web.get(f"/cards/{card.pk}/card.pdf").status_code == 404  # never printed again
    web.post(f"/cards/{new.pk}/revoke/", {"revoke-reason": "停保"})
    new.refresh_from_db()
    assert not new.live and new.revoke_reason == "停保"


def test_household_page_shows_the_card_box(recipient: Household, clerk_a: Any,
                                           grid_a: Any) -> None:
    web = client_for(clerk_a)
    html = web.get(f"/households/{recipient.pk}/").content.decode()
    assert f'action="/cards/households/{recipient.pk}/issue/"' in html
    # A grid worker sees the box but is not offered the issue button.
    assert "/issue/" not in client_for(grid_a).get(f"/households/{recipient.pk}/").content.decode()
    response = web.post(f"/cards/households/{recipient.pk}/issue/")
    card = Card.objects.get(household=recipient)
    assert response["Location"] == f"/cards/{card.pk}/"
    html = web.get(f"/households/{recipient.pk}/").content.decode()
    assert f'href="/cards/{card.pk}/"' in html and "/issue/" not in html
    # A second issue is refused with a message on the household page.
    again = web.post(f"/cards/households/{recipient.pk}/issue/", follow=True)
    assert "已有有效的联系卡" in again.content.decode()
    assert Card.objects.filter(household=recipient).count() == 1


@needs_pdftotext
def test_card_pdf_has_the_chinese_text(card: Card, clerk_a: Any) -> None:
    response = client_for(clerk_a).get(f"/cards/{card.pk}/card.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    [text] = _pdf_pages(response.content)
    assert "暖心关怀联系卡" in text and "崆峒区（演示）社会救助" in text
    assert "农村最低生活保障" in text and "医疗救助" in text
    assert DIBAO_AMOUNT in text and MEDICAL_AMOUNT in text and "1111.05" in text
    assert "区医疗保障局" in text and "0933-8211002" in text and "0933-8211001" in text
    assert "您家享受2个部门2类救助政策" in text and "王秀英" in text
    assert "0931-12349" in text and "12345" in text


@needs_pdftotext
@pytest.mark.parametrize(("n", "pages"), [(1, 1), (4, 1), (5, 2), (9, 3)])
def test_batch_sheet_has_four_cards_a_page(clerk_a: Any, n: int, pages: int) -> None:
    _recipients(VILLAGE_A, n)
    batch = services.card_batch_issue(actor=clerk_a, village_code=VILLAGE_A)
    response = client_for(clerk_a).get(f"/cards/batches/{batch.pk}/cards.pdf")
    texts = _pdf_pages(response.content)
    assert len(texts) == pages
    assert sum(t.count("暖心关怀联系卡") for t in texts) == n


@needs_pdftotext
def test_village_sheet_reprints_live_cards_only(clerk_a: Any, clerk_b: Any) -> None:
    first, *_others = _recipients(VILLAGE_A, 3)
    batch = services.card_batch_issue(actor=clerk_a, village_code=VILLAGE_A)
    services.card_revoke(actor=clerk_a, card=batch.cards.get(household=first), reason="停保")
    response = client_for(clerk_a).get("/cards/sheet.pdf", {"village": VILLAGE_A})
    text = "".join(_pdf_pages(response.content))
    assert text.count("暖心关怀联系卡") == 2 and "户主0" not in text and "户主1" in text
    assert client_for(clerk_b).get("/cards/sheet.pdf", {"village": VILLAGE_A}).status_code == 404


def test_empty_sheet_is_not_printed(clerk_a: Any) -> None:
    response = client_for(clerk_a).get("/cards/sheet.pdf", {"village": VILLAGE_A})
    assert response.status_code == 302 and response["Location"] == f"/cards/?village={VILLAGE_A}"


def test_township_b_gets_404_on_township_a_cards(card: Card, clerk_b: Any) -> None:
    web: Client = client_for(clerk_b)
    assert web.get(f"/cards/{card.pk}/").status_code == 404
    assert web.get(f"/cards/{card.pk}/card.pdf").status_code == 404
    assert web.post(f"/cards/{card.pk}/revoke/", {"revoke-reason": "x"}).status_code == 404
    assert web.post(f"/cards/households/{card.household_id}/issue/").status_code == 404
    card.refresh_from_db()
    assert card.live


def test_card_detail_shows_who_delivered_it_on_which_visit(card: Card, grid_a: Any,
                                                           auditor: Any) -> None:
    visit = Visit.objects.create(household=card.household, worker=grid_a,
                                 visited_on=date(2026, 11, 2), card_delivered=True)
    services.card_deliver(actor=grid_a, card=card, visit=visit)
    html = client_for(auditor).get(f"/cards/{card.pk}/").content.decode()
    assert "马小军 于" in html and "2026-11-02 走访时签收" in html
    assert f'href="/visits/{visit.pk}/"' in html
