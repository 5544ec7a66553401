"""Playwright driving Debian's Chromium (never a downloaded browser) against a live server."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from ..activities.conftest import classes  # noqa: F401 — the fixture, for the activities test
from ..conftest import PASSWORD
from ..inventory.conftest import stock  # noqa: F401 — the fixture, for the receiving test
from ..live import serve
from ..vouchers.conftest import aid  # noqa: F401 — the fixture, for the scanning test

SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        await instance.close()


@pytest.fixture
def live_url(app, people):
    with serve(app) as url:
        yield url


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


async def sign_in(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in form, as a person at the tablet would, and land on the start page."""
    await page.goto(f"{url}/login")
    await page.fill("#f-username", username)
    await page.fill("#f-password", password)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"{url}/")


async def open_menu_entry(page: Page, path: str) -> None:
    """Follow a main-menu entry as a person would: through the Menu button when the menu is collapsed."""
    toggle = page.locator(".menu-toggle")
    if await toggle.is_visible():
        await toggle.tap()
    await page.click(f".mainnav a[href='{path}']")
