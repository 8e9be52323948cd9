"""The console home: figures in scope, every number linked to the list behind it, local charts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from grassroots.dashboard.selectors import dashboard
from grassroots.members.models import Member
from grassroots.members.tests.factories import create_member
from grassroots.planning.services import plan_create, plan_target_set


@pytest.fixture
def populated(province):
    today = datetime.date.today()
    for _ in range(3):
        create_member(province.branch_a1, join_date=datetime.date(2015, 5, 1))
    create_member(province.branch_a2, join_date=today)
    create_member(province.branch_b1, join_date=datetime.date(2016, 5, 1))
    plan = plan_create(
        unit=province.province,
        name="规划",
        start_year=today.year,
        end_year=today.year + 4,
    )
    plan_target_set(
        plan=plan,
        unit=province.city_a,
        year=today.year,
        values={"new_members": 4, "women_share": "50", "talents": 2},
    )
    return province


@pytest.mark.django_db
def test_figures_follow_scope(populated):
    board = dashboard(populated.users["city_a"])
    assert board is not None and board.unit == populated.city_a
    cards = {c.label: c for c in board.cards}
    assert cards["在册会员"].value == 4
    assert cards["今年新发展"].value == 1
    assert cards["今年新发展"].note == "计划4人"
    assert [line.unit for line in board.units] == [populated.branch_a1, populated.branch_a2]
    assert sum(line.members for line in board.units) == 4
    women = next(i for i in board.indicators if i.label == "女性占比")
    assert women.target == 50.0
    assert any(a.key == "talents" and a.needed == 2 for a in board.advice)
    province_board = dashboard(populated.users["province"])
    assert {c.label: c.value for c in province_board.cards}["在册会员"] == 5


@pytest.mark.django_db
def test_home_page_renders_with_links_and_local_chart_assets(client, populated):
    client.force_login(populated.users["city_a"])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    html = response.content.decode()
    members = reverse("admin:members_member_changelist")
    assert f"{members}?unit={populated.city_a.pk}&amp;status__exact=active" in html
    assert f"{members}?unit={populated.branch_a1.pk}" in html
    assert "unfold/js/chart/chart.js" in html
    assert 'data-type="line"' in html and 'data-type="bar"' in html
    assert "//cdn" not in html and "https://" not in html.split("<body", 1)[-1]
    # A sibling's branch never appears.
    assert populated.branch_b1.display_name not in html


@pytest.mark.django_db
def test_linked_member_list_matches_the_figure(client, populated):
    client.force_login(populated.users["city_a"])
    board = dashboard(populated.users["city_a"])
    card = next(c for c in board.cards if c.label == "在册会员")
    response = client.get(card.url)
    assert response.status_code == 200
    html = response.content.decode()
    inside = Member.objects.filter(unit__path__startswith=populated.city_a.path)
    assert inside.count() == card.value
    for member in inside:
        assert member.name in html
    outside = Member.objects.get(unit=populated.branch_b1)
    assert outside.name not in html


@pytest.mark.django_db
def test_planned_figures_equal_quota_for(populated):
    """The dashboard reads quotas for the unit and its children at once; each equals
    quota_for: a plan's new-member target, else the yearly quota row, else none."""
    from grassroots.planning.models import YearlyQuota
    from grassroots.planning.selectors import quota_for

    year = datetime.date.today().year
    YearlyQuota.objects.create(unit=populated.province, year=year, new_members=9)
    YearlyQuota.objects.create(unit=populated.city_a, year=year, new_members=7)
    YearlyQuota.objects.create(unit=populated.branch_a1, year=year, new_members=3)
    for who in ("province", "city_a"):
        board = dashboard(populated.users[who])
        assert board is not None
        planned = quota_for(board.unit, year)
        note = next(c.note for c in board.cards if c.label == "今年新发展")
        assert note == f"计划{planned}人"
        for line in board.units:
            assert line.planned == quota_for(line.unit, year)
    assert quota_for(populated.city_a, year) == 4  # the plan's target wins over the row
    assert quota_for(populated.province, year) == 9
