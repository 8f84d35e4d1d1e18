"""The visit pages: lists per role, scope, the phone form keeping input, files, and the tile."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from cards.models import Card
from jiuzhu.testing.benefits import enrolled
from jiuzhu.testing.fixtures import client_for
from outreach.models import Visit, Wish
from registry.models import Household

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG).decode()


def _overdue(household: Household, worker: User) -> None:
    """On the list (dibao, 90 days) and last visited long ago."""
    enrolled(household, programme="dibao_rural")
    Visit.objects.create(household=household, worker=worker, visited_on=date(2026, 1, 5))


def _post(**fields: Any) -> dict[str, Any]:
    return {"visited_on": timezone.localdate().isoformat(), "kind": "scheduled",
            "findings": "家中有人常年卧床，需要护理", "needs": "护理床", **fields}


# -- lists ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_grid_worker_lands_on_their_village_list(household_a: Household,
                                                   household_b: Household, grid_a: User) -> None:
    _overdue(household_a, grid_a)
    enrolled(household_b, programme="dibao_rural")

    response = client_for(grid_a).get("/visits/")

    assert response.status_code == 200
    assert response.context["village"].code == "620802100201"
    assert response.context["counts"] == {"total": 1, "overdue": 1}
    html = response.content.decode()
    assert "张三" in html and "李四" not in html
    # Full addresses only for the registry's full-record roles (design.md "Privacy").
    assert household_a.address and household_a.address not in html
    assert f"/visits/households/{household_a.pk}/new/" in html
    # A grid worker's list ignores another village asked for in the URL.
    other = client_for(grid_a).get("/visits/?village=620802101201")
    assert other.context["village"].code == "620802100201"


@pytest.mark.django_db
def test_township_staff_get_a_summary_and_drill_down_within_their_township(
        household_a: Household, household_b: Household, clerk_a: User, clerk_b: User,
        grid_a: User) -> None:
    _overdue(household_a, grid_a)
    _overdue(household_b, grid_a)
    web = client_for(clerk_a)

    summary = web.get("/visits/")
    assert summary.status_code == 200
    assert summary.context["totals"] == {"households": 1, "overdue": 1}
    rows = {r.village.code: r for r in summary.context["page_obj"]}
    assert "620802101201" not in rows and rows["620802100201"].overdue == 1

    village = web.get("/visits/?village=620802100201&overdue=1")
    assert village.status_code == 200 and len(village.context["rows"]) == 1
    assert household_a.address in village.content.decode()  # a clerk sees where to go

    assert client_for(clerk_b).get("/visits/?village=620802100201").status_code == 404
    assert web.get("/visits/?village=620802101201").status_code == 404
    assert web.get("/visits/?village=620802100000").status_code == 404  # a township
    assert web.get("/visits/?village=x").status_code == 404


@pytest.mark.django_db
def test_the_summary_filters_villages_with_overdue_households(
        household_a: Household, county_admin: User, grid_a: User) -> None:
    _overdue(household_a, grid_a)

    response = client_for(county_admin).get("/visits/?overdue=1")

    assert [r.village.code for r in response.context["page_obj"]] == ["620802100201"]


@pytest.mark.django_db
def test_the_auditor_reads_lists_but_records_nothing(household_a: Household, auditor: User,
                                                    grid_a: User) -> None:
    _overdue(household_a, grid_a)
    web = client_for(auditor)

    page = web.get("/visits/?village=620802100201")
    assert page.status_code == 200 and "/new/" not in page.content.decode()
    assert web.get(f"/visits/households/{household_a.pk}/").status_code == 200
    assert web.get(f"/visits/households/{household_a.pk}/new/").status_code == 403
    assert web.post(f"/visits/households/{household_a.pk}/new/", _post()).status_code == 403
    assert not Visit.objects.filter(worker=auditor).exists()


@pytest.mark.django_db
def test_a_households_visit_history_is_scoped(household_a: Household, grid_a: User,
                                              clerk_b: User) -> None:
    _overdue(household_a, grid_a)
    visit = Visit.objects.get()

    page = client_for(grid_a).get(f"/visits/households/{household_a.pk}/")
    assert page.status_code == 200 and page.context["due"].overdue
    assert f"/visits/{visit.pk}/" in page.content.decode()
    web_b = client_for(clerk_b)
    assert web_b.get(f"/visits/households/{household_a.pk}/").status_code == 404
    assert web_b.get(f"/visits/{visit.pk}/").status_code == 404


# -- the form ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_form_is_phone_sized_and_defaults_to_today(household_a: Household,
                                                       grid_a: User) -> None:
    response = client_for(grid_a).get(f"/visits/households/{household_a.pk}/new/")

    html = response.content.decode()
    assert 'name="viewport"' in html and "outreach/visits.css" in html
    assert "outreach/signature-pad.js" in html and "<canvas" in html
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert f'max="{timezone.localdate().isoformat()}"' in html
    assert 'enctype="multipart/form-data"' in html
    assert response.context["form"]["wish_person_name"].value() == "张三"


@pytest.mark.django_db
def test_recording_a_visit_with_photos_card_and_wish(household_a: Household,
                                                     grid_a: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    card = Card.objects.create(household=household_a, token="c" * 32)
    web = client_for(grid_a)

    response = web.post(f"/visits/households/{household_a.pk}/new/", _post(
        card_delivered="on", signature=SIGNATURE, wish_content="需要一张护理床",
        wish_category="care", wish_person_name="张三",
        photos=[SimpleUploadedFile("1.jpg", JPEG), SimpleUploadedFile("2.png", PNG)]))

    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/visits/{visit.pk}/"
    card.refresh_from_db()
    assert card.delivery_visit == visit and Wish.objects.get().visit == visit
    detail = web.get(f"/visits/{visit.pk}/").content.decode()
    assert "需要一张护理床" in detail and f"/visits/{visit.pk}/signature/" in detail
    png_photo = visit.photos.get(image__endswith=".png")
    photo = web.get(f"/visits/{visit.pk}/photo/?id={png_photo.pk}")
    assert photo["Content-Type"] == "image/png" and photo.getvalue() == PNG
    assert photo["Cache-Control"] == "private, no-store"
    signature = web.get(f"/visits/{visit.pk}/signature/")
    assert signature.getvalue() == PNG
    # A photo id of another visit is not served through this one.
    other = Visit.objects.create(household=household_a, worker=grid_a,
                                 visited_on=timezone.localdate())
    assert web.get(f"/visits/{other.pk}/photo/?id={png_photo.pk}").status_code == 404
    assert web.get(f"/visits/{other.pk}/signature/").status_code == 404


@pytest.mark.django_db
def test_an_error_keeps_the_input_and_asks_for_the_photos_again(
        household_a: Household, grid_a: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(grid_a).post(f"/visits/households/{household_a.pk}/new/", _post(
        card_delivered="on", signature=SIGNATURE, wish_content="需要一张护理床",
        wish_category="care", photos=[SimpleUploadedFile("1.jpg", JPEG)]))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["card_delivered"] == ["该家庭尚未制卡，请先制卡"]
    html = response.content.decode()
    assert "家中有人常年卧床，需要护理" in html and "需要一张护理床" in html
    # The drawn signature comes back, so the pad can redraw it.
    assert SIGNATURE in html
    assert 'id="photos-dropped"' in html
    assert not Visit.objects.exists() and not Wish.objects.exists()


@pytest.mark.django_db
def test_field_errors_show_beside_their_fields(household_a: Household, grid_a: User) -> None:
    web = client_for(grid_a)
    url = f"/visits/households/{household_a.pk}/new/"

    future = web.post(url, _post(visited_on="2099-01-01"))
    assert "visited_on" in future.context["form"].errors
    assert 'id="photos-dropped"' not in future.content.decode()
    unsigned = web.post(url, _post(card_delivered="on"))
    assert "signature" in unsigned.context["form"].errors
    forged = web.post(url, _post(card_delivered="on", signature="data:image/png;base64,@@"))
    assert "signature" in forged.context["form"].errors
    bare_category = web.post(url, _post(wish_category="care"))
    assert "wish_content" in bare_category.context["form"].errors
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_the_form_of_another_township_or_village_is_404(household_a: Household, clerk_b: User,
                                                        grid_a: User) -> None:
    url = f"/visits/households/{household_a.pk}/new/"
    assert client_for(clerk_b).get(url).status_code == 404
    assert client_for(clerk_b).post(url, _post()).status_code == 404
    neighbour = User.objects.create(username="grid_a2", role=Role.GRID_WORKER,
                                    region_id="620802100202")
    assert client_for(neighbour).post(url, _post()).status_code == 404
    assert not Visit.objects.exists()


# -- navigation and dashboard --------------------------------------------------------------------

@pytest.mark.django_db
def test_the_dashboard_tile_counts_overdue_visits_in_scope(
        household_a: Household, household_b: Household, grid_a: User, clerk_a: User,
        clerk_b: User, county_admin: User, auditor: User) -> None:
    _overdue(household_a, grid_a)
    _overdue(household_b, grid_a)

    def tile(user: User) -> dict[str, Any] | None:
        tiles = client_for(user).get("/").context["outreach_tiles"]
        return next((t for t in tiles if t["id"] == "visits-overdue-stat"), None)

    mine = tile(grid_a)
    assert mine is not None and mine["n"] == 1 and mine["warn"]
    assert mine["url"] == "/visits/?overdue=1"
    assert tile(clerk_a)["n"] == 1  # type: ignore[index]
    assert tile(county_admin)["n"] == 2  # type: ignore[index]
    assert tile(auditor) is None
    Visit.objects.create(household=household_b, worker=grid_a, visited_on=timezone.localdate())
    quiet = tile(clerk_b)
    assert quiet is not None and quiet["n"] == 0 and not quiet["warn"]
    assert 'id="visits-overdue-stat"' in client_for(grid_a).get("/").content.decode()
    # The grid worker's own figure drops as soon as the visit is recorded.
    Visit.objects.create(household=household_a, worker=grid_a, visited_on=timezone.localdate())
    assert tile(grid_a)["n"] == 0  # type: ignore[index]


@pytest.mark.django_db
def test_the_navigation_offers_visits_to_grid_workers_not_liaisons(grid_a: User,
                                                                  liaison: User) -> None:
    assert "/visits/" in [i["url"] for i in client_for(grid_a).get("/").context["nav_items"]]
    assert "/visits/" not in [i["url"] for i in client_for(liaison).get("/").context["nav_items"]]
