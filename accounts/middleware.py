"""Authenticate API requests by `Authorization: Bearer TOKEN`.

A bearer request never uses the session, so it needs no CSRF token; a request that presents a
bad token is marked so the permission middleware answers 401 instead of treating it as anonymous.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from .services import token_authenticate


class BearerTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            user = token_authenticate(header.removeprefix("Bearer ").strip())
            request.bearer_invalid = user is None  # type: ignore[attr-defined]
            request.user = user if user is not None else AnonymousUser()
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        return self.get_response(request)
