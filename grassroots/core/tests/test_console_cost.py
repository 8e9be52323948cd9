"""What makes console pages cheaper must not change them: the lazy app list, column headers
computed once per changelist, badges included only where an item has one, and cached badges."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.test import override_settings
from django.urls import reverse
from unfold.templatetags import unfold_list

from grassroots.config.console_site import ConsoleSite
from grassroots.core.nav import cached_badge
from grassroots.members.tests.factories import create_member

pytestmark = pytest.mark.django_db


def test_the_console_runs_on_the_lighter_site():
    assert isinstance(admin.site, ConsoleSite)


def test_the_app_list_is_built_only_when_read(rf, province, monkeypatch):
    from django.contrib.admin.sites import AdminSite

    built = []
    original = AdminSite._build_app_dict

    def counting(self, request, label=None):
        built.append(label)
        return original(self, request, label)

    monkeypatch.setattr(AdminSite, "_build_app_dict", counting)
    request = rf.get("/admin/")
    request.user = province.users["city_a"]
    context = admin.site.each_context(request)
    assert built == []  # every console page builds its context: no app list there
    assert "members" in {app["app_label"] for app in context["available_apps"]}
    assert built == [None]  # built once, when read


def test_member_list_headers_are_computed_once_per_page(client, province, monkeypatch):
    for _ in range(3):
        create_member(province.city_a)
    import grassroots.config.console_site as console

    assert unfold_list.result_headers is console.result_headers_once
    calls = []
    original = console._unfold_result_headers

    def counting(cl):  # Unfold's own computation, counted
        calls.append(cl)
        return original(cl)

    monkeypatch.setattr(console, "_unfold_result_headers", counting)
    client.force_login(province.users["city_a"])
    page = client.get(reverse("admin:members_member_changelist"))
    assert page.status_code == 200
    assert len({id(cl) for cl in calls}) == 1 and len(calls) == 1
    text = page.content.decode()
    assert text.count("data-label=") >= 3  # every row still carries its column labels


def test_only_items_with_a_badge_include_the_badge_template(client, province):
    client.force_login(province.users["province"])
    page = client.get(reverse("admin:index")).content.decode()
    assert page.count("min-w-[18px]") <= 3  # the three badge items at most, not every item


@override_settings(GRASSROOTS_BADGE_CACHE_SECONDS=30)
def test_badges_are_cached_per_user_for_a_short_while():
    from django.core.cache import cache

    cache.clear()
    answers = iter(["3", "5", "7"])

    @cached_badge
    def count(request) -> str:
        return next(answers)

    alice, bob = (
        SimpleNamespace(user=SimpleNamespace(pk=1)),
        SimpleNamespace(user=SimpleNamespace(pk=2)),
    )
    assert count(alice) == "3"
    assert count(alice) == "3"  # from the cache
    assert count(bob) == "5"  # another user, another entry
    with override_settings(GRASSROOTS_BADGE_CACHE_SECONDS=0):
        assert count(alice) == "7"  # cache off: always fresh
    cache.clear()


@override_settings(GRASSROOTS_SIDEBAR_CACHE_SECONDS=60)
def test_the_sidebar_is_built_once_per_user_and_active_item(client, province, monkeypatch):
    from django.core.cache import cache
    from unfold.sites import UnfoldAdminSite

    cache.clear()
    built = []
    original = UnfoldAdminSite.get_sidebar_list

    def counting(self, request):
        built.append((request.user.username, request.path))
        return original(self, request)

    monkeypatch.setattr(UnfoldAdminSite, "get_sidebar_list", counting)
    members = reverse("admin:members_member_changelist")
    client.force_login(province.users["city_a"])
    first = client.get(members).content.decode()
    again = client.get(members + "?q=zhang").content.decode()
    assert built == [("city_a", members)]  # the second page reused the fragment
    start = first.index('id="nav-sidebar-apps"')
    sidebar = first[start : first.index("<form", start)]  # the items, not the sign-out form
    assert sidebar in again and 'href="' + members in sidebar
    client.get(reverse("admin:organizations_unit_changelist"))  # another active item
    client.force_login(province.users["city_b"])
    client.get(members)  # another user
    assert len(built) == 3
    cache.clear()


@pytest.mark.parametrize(
    ("url", "preserved", "popup", "to_field"),
    [
        ("/admin/members/member/31/change/", "_changelist_filters=unit%3D12%26q%3Dzh", False, None),
        ("/admin/members/member/31/change/", "", False, None),
        ("/admin/members/member/31/change/", "_changelist_filters=", False, None),
        ("/admin/members/member/", "_changelist_filters=unit%3D12", False, None),  # itself
        ("/admin/members/member/31/change/?a=1", "_changelist_filters=q%3Dx", False, None),
        ("/admin/members/member/31/change/", "_changelist_filters=q%3Dx", True, "id"),
        ("/admin/members/member/%E4%B8%AD/change/", "_changelist_filters=q%3Dx", False, None),
    ],
)
def test_row_links_keep_the_filters_as_django_adds_them(url, preserved, popup, to_field):
    from django.contrib.admin.templatetags.admin_urls import add_preserved_filters

    from grassroots.config.console_site import add_preserved_filters_fast
    from grassroots.members.models import Member

    assert unfold_list.add_preserved_filters is add_preserved_filters_fast
    context = {"opts": Member._meta, "preserved_filters": preserved}
    assert add_preserved_filters_fast(context, url, popup, to_field) == add_preserved_filters(
        context, url, popup, to_field
    )


def test_unfold_finds_the_per_row_attributes_on_the_console_admins():
    """Unfold's templates read ``list_sections`` and ``conditional_fields`` per row and field;
    when they are missing, every lookup makes the template engine call ``dir()`` on the admin."""
    from grassroots.members.models import Member

    member_admin = admin.site._registry[Member]
    assert member_admin.list_sections == [] and member_admin.conditional_fields == {}


def test_member_rows_render_as_unfold_renders_them(client, province, settings):
    """The copy of ``change_list_results.html`` only hoists per-page lookups out of the row loop."""
    from pathlib import Path

    import unfold

    for _ in range(3):
        create_member(province.city_a)
    client.force_login(province.users["city_a"])
    url = reverse("admin:members_member_changelist") + f"?unit={province.city_a.pk}"
    response = client.get(url)
    ours = response.content.decode()

    def origin(response) -> str:
        names = [t.origin.name for t in response.templates]
        return next(n for n in names if n.endswith("admin/change_list_results.html"))

    assert "grassroots/templates" in origin(response)
    unfold_dir = Path(unfold.__file__).parent / "templates"
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [unfold_dir, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    response = client.get(url)
    assert origin(response).startswith(str(unfold_dir))
    theirs = response.content.decode()

    def rows(page: str) -> str:
        start = page.index('<table id="result_list"')
        return page[start : page.index("</table>", start)]

    assert rows(ours) == rows(theirs) and rows(ours).count('class="data-row') == 3
    assert "x-sort" not in rows(ours) and "_changelist_filters=unit" in rows(ours)


@override_settings(GRASSROOTS_FILTER_CACHE_SECONDS=60)
def test_filter_panel_is_cached_per_user_and_path_for_a_short_while(client, province, monkeypatch):
    """A sibling city never sees another's cached choices; a new unit shows once the short
    cache has expired; another selection is another entry."""
    import time

    from django.core.cache import cache

    from grassroots.core.testing import make_unit

    cache.clear()
    members = reverse("admin:members_member_changelist")

    def panel(who: str, query: str = "") -> str:
        client.force_login(province.users[who])
        page = client.get(members + query).content.decode()
        start = page.index('id="changelist-filter"')
        return page[start : page.index("</form>", start)]

    first = panel("city_a")
    assert "长沙第一支部" in first and "株洲第一支部" not in first
    other = panel("city_b")  # a sibling city: its own units only, never city_a's cached panel
    assert "株洲第一支部" in other and "长沙第一支部" not in other
    make_unit("430103", "长沙第三支部", "branch", province.city_a)
    assert panel("city_a") == first  # within the delay: the cached panel
    assert "长沙第三支部" in panel("city_a", "?status__exact=active")  # another selection
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert "长沙第三支部" in panel("city_a")  # after the delay
    cache.clear()
