"""Personas: the demo county's accounts, two townships, several roles."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from demo.reference import load_reference_data
from registry.models import Household

from .factories import household_with_applicant


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Argon2 is deliberately slow; the tests of hashing itself override this back.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Row ids repeat across rolled-back tests, so cached page counts must not leak between them.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> None:
    # LocaleMiddleware leaves the last request's language active in the thread; a test that
    # switched to English must not make the next one write English text.
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    # Uploaded case documents must not land in the working tree during tests.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def county(db: Any) -> None:
    load_reference_data()


def _user(username: str) -> User:
    return User.objects.select_related("region").get(username=username)


@pytest.fixture
def county_admin(county: None) -> User:
    return _user("county_admin")


@pytest.fixture
def county_checker(county: None) -> User:
    return _user("county_checker")


@pytest.fixture
def clerk_a(county: None) -> User:
    return _user("clerk_a")


@pytest.fixture
def reviewer_a(county: None) -> User:
    return _user("reviewer_a")


@pytest.fixture
def clerk_b(county: None) -> User:
    return _user("clerk_b")


@pytest.fixture
def grid_a(county: None) -> User:
    return _user("grid_a")


@pytest.fixture
def auditor(county: None) -> User:
    return _user("auditor")


@pytest.fixture
def liaison(county: None) -> User:
    return _user("liaison_hrss")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def household_a(county: None) -> Household:
    """A household in 大寨村, township A (崆峒镇)."""
    return household_with_applicant("620802100201", name="张三", phone="13912345678")


@pytest.fixture
def household_b(county: None) -> Household:
    """A household in 白水村, township B (白水镇)."""
    return household_with_applicant("620802101201", name="李四")
