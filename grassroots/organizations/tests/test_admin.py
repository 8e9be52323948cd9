"""Unit console: pages, scope, creation and moves through services, the tree with counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grassroots.core.testing import make_unit
from grassroots.members.models import MemberStatus
from grassroots.members.tests.factories import create_member
from grassroots.organizations.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


def login(client, province, who):
    client.force_login(province.users[who])
    return client


@pytest.mark.parametrize("who", ["province", "city_a"])
@pytest.mark.parametrize(
    "name",
    [
        "admin:organizations_unit_changelist",
        "admin:organizations_unit_tree",
    ],
)
def test_pages_render_for_staff(client, province, who, name):
    assert login(client, province, who).get(reverse(name)).status_code == 200


def test_unit_kinds_are_province_staff_business(client, province):
    url = reverse("admin:organizations_unitkind_changelist")
    assert login(client, province, "province").get(url).status_code == 200
    assert login(client, province, "city_a").get(url).status_code == 403


@pytest.mark.parametrize("who", ["province", "city_a"])
def test_unit_detail_and_move_pages_render(client, province, who):
    login(client, province, who)
    for name in ("admin:organizations_unit_change", "admin:organizations_unit_move"):
        assert client.get(reverse(name, args=[province.branch_a1.pk])).status_code == 200


def test_add_page_for_province_staff(client, province):
    assert (
        login(client, province, "province").get(reverse("admin:organizations_unit_add")).status_code
        == 200
    )


def test_out_of_scope_unit_answers_404(client, province):
    login(client, province, "city_a")
    for name in ("admin:organizations_unit_change", "admin:organizations_unit_move"):
        assert client.get(reverse(name, args=[province.branch_b1.pk])).status_code == 404
    units = client.get(reverse("admin:organizations_unit_changelist")).context["cl"].result_list
    assert {u.code for u in units} == {"4301", "430101", "430102"}


def test_create_unit_goes_through_the_service(client, province):
    login(client, province, "province")
    response = client.post(
        reverse("admin:organizations_unit_add"),
        {
            "code": "430103",
            "name": "长沙第三支部",
            "short_name": "",
            "kind": UnitKind.objects.get(code="branch").pk,
            "parent": province.city_a.pk,
            "order": 0,
        },
    )
    assert response.status_code == 302
    unit = Unit.objects.get(code="430103")
    assert unit.path.startswith(province.city_a.path) and unit.depth == 2


def test_duplicate_code_is_a_field_error(client, province):
    login(client, province, "province")
    response = client.post(
        reverse("admin:organizations_unit_add"),
        {
            "code": "430101",
            "name": "重复",
            "kind": UnitKind.objects.get(code="branch").pk,
            "parent": province.city_a.pk,
            "order": 0,
        },
    )
    assert response.status_code == 200
    assert "code" in response.context["adminform"].form.errors
    assert Unit.objects.filter(code="430101").count() == 1


def test_move_rewrites_the_subtree(client, province):
    login(client, province, "province")
    response = client.post(
        reverse("admin:organizations_unit_move", args=[province.branch_a1.pk]),
        {"new_parent": province.city_b.pk},
    )
    assert response.status_code == 302
    province.branch_a1.refresh_from_db()
    assert province.branch_a1.parent == province.city_b
    assert province.branch_a1.path.startswith(province.city_b.path)


def test_move_target_must_be_in_scope(client, province):
    login(client, province, "city_a")
    response = client.post(
        reverse("admin:organizations_unit_move", args=[province.branch_a1.pk]),
        {"new_parent": province.city_b.pk},
    )
    assert response.status_code == 200
    assert "new_parent" in response.context["form"].errors
    province.branch_a1.refresh_from_db()
    assert province.branch_a1.parent == province.city_a


def test_leader_cannot_add_change_or_move(client, province):
    login(client, province, "leader")
    assert client.get(reverse("admin:organizations_unit_add")).status_code == 403
    url = reverse("admin:organizations_unit_change", args=[province.city_a.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "改名"}).status_code == 403
    move = reverse("admin:organizations_unit_move", args=[province.branch_a1.pk])
    assert client.post(move, {"new_parent": province.city_b.pk}).status_code == 403
    province.city_a.refresh_from_db()
    assert province.city_a.name == "长沙市委会"


def tree_counts(response) -> dict[str, tuple[int, int]]:
    counts: dict[str, tuple[int, int]] = {}

    def walk(nodes):
        for node in nodes:
            counts[node.unit.code] = (node.own, node.total)
            walk(node.children)

    walk(response.context["nodes"])
    return counts


def test_tree_counts_active_members_own_and_below(client, province):
    for _ in range(3):
        create_member(province.branch_a1)
    create_member(province.branch_a2)
    create_member(province.city_a)  # held directly by the city committee
    create_member(province.branch_b1)
    gone = create_member(province.branch_a2)
    gone.status = MemberStatus.DECEASED
    gone.save()
    login(client, province, "province")
    client.get(reverse("admin:organizations_unit_tree"))  # the session's first-request writes
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:organizations_unit_tree"))
    counts = tree_counts(response)
    assert counts["43"] == (0, 6)
    assert counts["4301"] == (1, 5)
    assert counts["430101"] == (3, 3)
    assert counts["430102"] == (1, 1)
    assert counts["4302"] == (0, 1)
    assert counts["4399"] == (0, 0)
    # Units and counts take one query each whatever the tree's size (the rest is session, user
    # and the sidebar's badges): more branches with members cost no extra query.
    for i in range(3):
        branch = make_unit(f"43019{i}", f"新支部{i}", "branch", province.city_a)
        create_member(branch)
    with CaptureQueriesContext(connection) as bigger:
        response = client.get(reverse("admin:organizations_unit_tree"))
    assert tree_counts(response)["4301"] == (1, 8)
    assert len(bigger) == len(queries)


def test_tree_is_scoped(client, province):
    create_member(province.branch_b1)
    create_member(province.branch_a1)
    response = login(client, province, "city_a").get(reverse("admin:organizations_unit_tree"))
    counts = tree_counts(response)
    assert set(counts) == {"4301", "430101", "430102"}
    assert counts["4301"] == (0, 1)
    assert [n.unit.code for n in response.context["nodes"]] == ["4301"]
