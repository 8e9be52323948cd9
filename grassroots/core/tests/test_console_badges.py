"""Sidebar badges show a count or nothing: a callback answering None never shows an empty badge."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

BADGE = re.compile(r"min-w-\[18px\][^>]*>(.*?)</span>", re.S)


@pytest.mark.parametrize("who", ["province", "city_a", "branch_a1", "leader", "admin"])
def test_every_sidebar_badge_holds_a_count(client, province, who):
    client.force_login(province.users[who])
    page = client.get(reverse("admin:index")).content.decode()
    assert "<nav" in page or "sidebar" in page  # the sidebar was rendered
    shown = [" ".join(text.split()) for text in BADGE.findall(page)]
    assert all(text.isdigit() and text != "0" for text in shown), shown
