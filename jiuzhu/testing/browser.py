"""Real-browser fixtures: headless Debian Chromium driven by Playwright (sync API).

Use with pytest-django's ``live_server`` and mark the test ``@pytest.mark.browser``:

    @pytest.mark.browser
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_something(live_server, county, browser_page):
        login(browser_page, live_server.url, "clerk_a")

Chromium is the system one (``shutil.which("chromium")``); ``playwright install`` is never needed.
Screenshots go to ``artifacts/screenshots/`` (gitignored). When a browser test fails, the page as it
was is saved there as ``FAILED-<test name>.png``. Screenshots used by the documentation are also
copied to ``docs/screenshots/`` when JIUZHU_UPDATE_DOCS_SCREENSHOTS=1, so that an ordinary test run
never rewrites tracked files.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response, ViewportSize, expect, sync_playwright

from demo.reference import DEMO_PASSWORD

SCREENSHOT_DIR = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
DOCS_SCREENSHOT_DIR = Path(settings.BASE_DIR) / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# Playwright's sync API keeps an asyncio loop registered in the test's thread, which makes Django
# refuse ORM calls from the test body ("SynchronousOnlyOperation"). The calls really are
# synchronous, so the check is switched off for browser tests only.
_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def chromium_path() -> str:
    path = shutil.which("chromium")
    if not path:
        pytest.fail("Chromium not found on PATH (Debian package 'chromium'); browser tests need it")
    return path


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Keep each phase's report on the item so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"_jiuzhu_report_{report.when}", report)
    return report


@pytest.fixture
def browser_page(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Generator[Page, None, None]:
    """A fresh page in headless Chromium (1280×900, zh-CN) that fails the test on JS errors.

    An uncaught JavaScript exception, or a static asset answering with an error status, is a defect
    even when the page otherwise works, so both are reported when the test finishes.
    """
    monkeypatch.setenv(_ASYNC_UNSAFE, "true")
    problems: list[str] = []

    def on_response(response: Response) -> None:
        if "/static/" in response.url and response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport=VIEWPORT,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
        page.on("response", on_response)
        try:
            yield page
            call_report = getattr(request.node, "_jiuzhu_report_call", None)
            if call_report is not None and call_report.failed:
                name = re.sub(r"[^\w.-]+", "_", request.node.name)
                with contextlib.suppress(PlaywrightError):  # a crashed page must not hide the failure
                    save_screenshot(page, f"FAILED-{name}")
        finally:
            # While Playwright runs, ORM calls in the test get their own connection (Django keeps
            # connections per async context); close it here, or PostgreSQL refuses to drop the test
            # database at the end of the run ("being accessed by other users").
            connections.close_all()
            context.close()
            browser.close()
    assert not problems, "browser problems:\n" + "\n".join(problems)


def login(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real login form and wait for the dashboard."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def save_screenshot(page: Page, name: str, *, docs: bool = False) -> Path:
    """Save a full-page PNG to artifacts/screenshots/<name>.png.

    docs=True marks a screenshot the documentation shows; it is copied to docs/screenshots/ when
    JIUZHU_UPDATE_DOCS_SCREENSHOTS=1.
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs and os.environ.get("JIUZHU_UPDATE_DOCS_SCREENSHOTS") == "1":
        DOCS_SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOT_DIR / path.name)
    return path
