"""The console's sign-in page renders in a real browser with every asset served by the site."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_console_sign_in_loads_only_local_assets(desktop_page, live_server):
    desktop_page.goto("/admin/login/")
    desktop_page.wait_for_load_state("networkidle")

    assert desktop_page.locator("input[name=username]").is_visible()
    site = urlsplit(live_server.url).netloc
    outside = [u for u in desktop_page.requests_seen if urlsplit(u).netloc not in ("", site)]
    assert desktop_page.requests_seen, "the page made no requests at all"
    assert outside == []
