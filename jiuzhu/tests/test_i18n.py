"""The English catalogue is compiled and the language switcher reaches the rendered pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_default_login_page_is_chinese(client: Client) -> None:
    body = client.get("/accounts/login/").content.decode()
    assert "工作人员登录" in body
    assert "Staff login" not in body


def test_set_language_english_translates_login_page(client: Client) -> None:
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert resp.status_code == 302
    body = client.get("/accounts/login/").content.decode()
    assert "Staff login" in body
    assert "Policy handbook" in body
    assert "工作人员登录" not in body


def test_catalogue_has_key_terms() -> None:
    with translation.override("en"):
        assert translation.gettext("工作台") == "Dashboard"
        assert translation.gettext("家庭档案") == "Household records"
        assert translation.gettext("%(year)s 年工作日历") % {"year": 2026} == "Working calendar 2026"
        assert translation.gettext("待乡镇审核") == "Awaiting township review"
        assert translation.gettext("入户调查") == "Household survey"
