"""Account writes: users, tokens and the login lock-out."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from jiuzhu.errors import ApplicationError
from regions.models import Level, Region

from .models import ApiToken, LoginFailure, User, hash_token
from .roles import ROLE_REGION_LEVEL, Role


@transaction.atomic
def user_create(
    *, actor: Any, username: str, password: str, role: str, region_code: str,
    full_name: str = "", department: str = "",
) -> User:
    if role not in Role.values:
        raise ApplicationError(_("未知角色：%(role)s") % {"role": role}, field="role")
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise ApplicationError(_("区划代码不存在"), field="region")
    expected = ROLE_REGION_LEVEL[Role(role)]
    if region.level != expected:
        raise ApplicationError(
            _("该角色须分配到%(level)s级区划") % {"level": Level(expected).label}, field="region"
        )
    if User.objects.filter(username=username).exists():
        raise ApplicationError(_("用户名已存在"), field="username", code="duplicate")
    user = User(username=username, role=role, region=region, department=department)
    user.first_name = full_name
    user.set_password(password)
    user.save()
    audit_record(actor=actor, action="user.create", obj=user, region_code=region.code,
                 after={"username": username, "role": role, "region": region.code})
    return user


@transaction.atomic
def token_issue(*, actor: Any, user: User, label: str = "") -> str:
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=hash_token(raw), label=label)
    audit_record(actor=actor, action="token.issue", obj=token,
                 region_code=user.region_id or "", after={"user": user.username})
    return raw


def token_authenticate(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch at most once a minute so a busy client does not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def login_locked_until(username: str) -> Any:
    failure = LoginFailure.objects.filter(username=username.lower()).first()
    if failure and failure.locked_until and failure.locked_until > timezone.now():
        return failure.locked_until
    return None


@transaction.atomic
def login_failure_record(username: str) -> None:
    failure, _created = LoginFailure.objects.select_for_update().get_or_create(
        username=username.lower()
    )
    failure.count += 1
    if failure.count >= settings.LOGIN_FAILURE_LIMIT:
        failure.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        failure.count = 0
    failure.save()


def login_failure_clear(username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()
