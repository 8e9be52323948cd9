"""Property: on any unit tree, a staff user sees exactly the members of their own subtree.

Hypothesis draws a tree (each unit's parent is an earlier unit), sometimes moves a subtree,
places members and staff users, and compares what the API and the console answer with an
oracle computed from the drawn parent links alone (never from the stored paths).
"""

from __future__ import annotations

import os
from typing import Any

from django.test import Client, RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from grassroots.accounts.models import Role
from grassroots.core import pinyin
from grassroots.core.testing import make_unit, make_user

API = "/api/v1"
NAMES = ["汪涵", "曾国藩", "王维", "李白", "杜甫", "单雄信", "解缙", "王涵"]
QUERIES = ["wh", "zgf", "ww", "w", "sxx", "xiejin", "王", "涵"]
# Small by default (each example builds a tree); raise it for a deeper search.
EXAMPLES = int(os.environ.get("GRASSROOTS_SCOPE_EXAMPLES", "20"))


@st.composite
def worlds(draw: Any) -> dict[str, Any]:
    size = draw(st.integers(min_value=2, max_value=7))
    parents = [None] + [draw(st.integers(min_value=0, max_value=i - 1)) for i in range(1, size)]
    move = draw(st.none() | st.tuples(st.integers(1, size - 1), st.integers(0, size - 1)))
    members = draw(
        st.lists(
            st.tuples(st.integers(0, size - 1), st.sampled_from(NAMES)), min_size=1, max_size=8
        )
    )
    staff = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=3, unique=True))
    return {
        "parents": parents,
        "move": move,
        "members": members,
        "staff": staff,
        "query": draw(st.sampled_from(QUERIES)),
        "filter_unit": draw(st.integers(0, size - 1)),
    }


def ancestors(parents: list[int | None], i: int) -> set[int]:
    """i and every unit above it, following the drawn parent links."""
    chain = {i}
    while parents[i] is not None:
        i = parents[i]  # type: ignore[assignment]
        chain.add(i)
    return chain


def matches(name: str, query: str) -> bool:
    if pinyin.is_pinyin_query(query):
        return any(key.startswith(query) for key in pinyin.search_keys(name))
    return query in name


class ScopeProperty(TestCase):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(world=worlds())
    def test_api_sees_exactly_the_subtree(self, world: dict[str, Any]) -> None:
        from grassroots.members.tests.factories import create_member
        from grassroots.organizations.services import unit_move

        parents: list[int | None] = list(world["parents"])
        units: list[Any] = []
        for i, parent in enumerate(parents):
            kind = "province" if parent is None else "branch"
            units.append(
                make_unit(f"P{i}", f"组织{i}", kind, None if parent is None else units[parent])
            )
        if world["move"] is not None:
            node, target = world["move"]
            if node not in ancestors(parents, target):  # never under itself
                unit_move(unit=units[node], new_parent=units[target])
                parents[node] = target
                for unit in units:
                    unit.refresh_from_db()  # paths below the moved unit changed in the database
        members = [create_member(units[u], name=name) for u, name in world["members"]]
        where = [u for u, _name in world["members"]]

        for index in world["staff"]:
            user = make_user(f"staff{index}", units[index], Role.UNIT_STAFF)
            inside = {
                m.pk for m, u in zip(members, where, strict=True) if index in ancestors(parents, u)
            }
            client = Client()
            client.force_login(user)

            # list and count
            body = client.get(f"{API}/members", {"page_size": 200}).json()
            assert body["count"] == len(inside)
            assert {item["id"] for item in body["items"]} == inside

            # detail: 200 inside, 404 outside
            for member in members:
                status = client.get(f"{API}/members/{member.pk}").status_code
                assert status == (200 if member.pk in inside else 404), (member.name, status)

            # search, like the console
            query = world["query"]
            found = client.get(f"{API}/members", {"q": query, "page_size": 200}).json()
            expected = {m.pk for m in members if m.pk in inside and matches(m.name, query)}
            assert {item["id"] for item in found["items"]} == expected
            assert found["count"] == len(expected)

            # unit filter: the unit's subtree when visible, 404 otherwise
            chosen = world["filter_unit"]
            response = client.get(f"{API}/members", {"unit": units[chosen].code})
            if index in ancestors(parents, chosen):
                below = {
                    m.pk
                    for m, u in zip(members, where, strict=True)
                    if chosen in ancestors(parents, u)
                }
                assert {item["id"] for item in response.json()["items"]} == below
            else:
                assert response.status_code == 404

            # units: exactly the subtree
            unit_codes = {u["code"] for u in client.get(f"{API}/units").json()["items"]}
            assert unit_codes == {
                units[j].code for j in range(len(units)) if index in ancestors(parents, j)
            }

            # the console's member list goes through the same rule
            assert console_member_ids(user) == inside


def console_member_ids(user: Any) -> set[int]:
    from django.contrib import admin

    from grassroots.members.models import Member

    request = RequestFactory().get("/admin/members/member/")
    request.user = type(user).objects.get(pk=user.pk)  # as the session would load it
    return set(admin.site._registry[Member].get_queryset(request).values_list("pk", flat=True))
