"""Shared fixtures: a small province with two cities and branches, and a user for each role."""

import importlib
import os
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db.models.signals import post_migrate
from django.utils import translation

from grassroots.core.testing import build_small_province

# Reference data seeded by data migrations, in dependency order: (app, migration, a seeded model).
SEEDED = [
    ("organizations", "0002_seed_unit_kinds", "UnitKind"),
    ("members", "0002_seed_reference_lists", "Sector"),
    ("branches", "0002_seed_activity_kinds", "ActivityKind"),
    ("platforms", "0002_seed_reference_lists", "Level"),
    ("recruitment", "0002_preset_stages_and_rules", "Stage"),
]


def _reseed_after_flush(sender, using="default", **kwargs):
    """A transactional test (live server, browser, concurrency) ends with a flush that empties
    every table, the seeded reference data included; flush then sends post_migrate, and this
    puts that data back so the next test finds the database as migrations left it."""
    if sender.name != "grassroots.core":
        return
    for app, migration, model_name in SEEDED:
        if not django_apps.get_model(app, model_name).objects.using(using).exists():
            module = importlib.import_module(f"grassroots.{app}.migrations.{migration}")
            module.seed(django_apps, None)


post_migrate.connect(_reseed_after_flush, dispatch_uid="grassroots-tests-reseed")


@pytest.fixture
def province(db):
    return build_small_province()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves the thread's language active; the next test starts afresh."""
    yield
    translation.deactivate()


# Browser tests: Playwright drives Debian's Chromium, never a downloaded browser.
CHROMIUM = Path(os.environ.get("GRASSROOTS_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[1] / "var" / "test-artifacts"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    # WeChat's built-in browser announces itself with MicroMessenger.
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47"
    ),
}


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself (fixtures, assertions) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


def _browser_page(chromium, live_server, request, options):
    """A fresh browser context whose page resolves relative URLs against the live server.

    Every request the page makes is kept in `page.requests_seen`, so a test can prove no asset
    comes from outside the site; a screenshot is saved as a test artifact when the test ends.
    """
    context = chromium.new_context(base_url=live_server.url, **options)
    page = context.new_page()
    page.requests_seen = []
    page.on("request", lambda r: page.requests_seen.append(r.url))
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def phone_page(chromium, live_server, request):
    """A page in a phone-sized viewport (as in WeChat's built-in browser)."""
    yield from _browser_page(chromium, live_server, request, PHONE)


@pytest.fixture
def desktop_page(chromium, live_server, request):
    """A page in a desktop viewport, for the staff console."""
    yield from _browser_page(
        chromium, live_server, request, {"viewport": {"width": 1366, "height": 900}}
    )
