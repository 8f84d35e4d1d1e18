from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from accounts.services import user_create
from jiuzhu.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_is_chinese_and_login_works(county: None) -> None:
    client = Client()
    assert "工作人员登录" in client.get("/accounts/login/").content.decode()
    response = _login(client, "clerk_a", "jiuzhu-demo")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_lockout_after_repeated_failures(county: None, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        assert "用户名或密码错误" in _login(client, "clerk_a", "wrong").content.decode()
    locked = _login(client, "clerk_a", "jiuzhu-demo")
    assert "已临时锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_usernames_lock_the_same_way(county: None, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 2
    client = Client()
    _login(client, "nobody", "x")
    _login(client, "nobody", "x")
    assert "已临时锁定" in _login(client, "nobody", "x").content.decode()


def test_open_redirect_is_ignored(county: None) -> None:
    client = Client()
    response = client.post("/accounts/login/?next=https://evil.example/",
                           {"username": "clerk_a", "password": "jiuzhu-demo"})
    assert response["Location"] == "/"


def test_passwords_are_hashed_with_argon2(county: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = user_create(actor=None, username="new_clerk", password="a-long-passphrase",
                       role="clerk", region_code="620802100000")
    assert user.password.startswith("argon2")


def test_user_role_must_match_region_level(county: None) -> None:
    with pytest.raises(ApplicationError) as exc:
        user_create(actor=None, username="x", password="a-long-passphrase", role="grid_worker",
                    region_code="620802100000")
    assert exc.value.field == "region"
    assert not User.objects.filter(username="x").exists()


def test_issue_token_command_prints_a_working_token(county: None) -> None:
    out = StringIO()
    call_command("issue_token", "clerk_a", stdout=out)
    token = out.getvalue().strip()
    assert len(token) > 30
    response = Client().get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_logout_needs_post(county: None) -> None:
    client = Client()
    _login(client, "clerk_a", "jiuzhu-demo")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302
