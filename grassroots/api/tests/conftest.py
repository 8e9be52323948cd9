"""A small province with a little of everything the API serves, built through the services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from grassroots.branches import services as branches
from grassroots.branches.tests.factories import make_activity
from grassroots.core.testing import SmallProvince
from grassroots.evaluation import services as evaluation
from grassroots.evaluation.tests.conftest import five_izations_scheme
from grassroots.members.tests.factories import create_member
from grassroots.platforms.tests.factories import make_piece, make_project, make_proposal, make_topic
from grassroots.recruitment.tests.factories import create_application, run_to

API = "/api/v1"


def issue_token(tree: SmallProvince, who: str) -> str:
    user = tree.users[who]
    response = Client().post(
        f"{API}/auth/token",
        {"username": user.username, "password": tree.password(user.username)},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def as_user(province):
    """as_user("city_a") -> a client sending that user's bearer token."""

    def make(who: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {issue_token(province, who)}"})

    return make


@dataclass
class Populated:
    tree: SmallProvince
    objects: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.objects[key]


@pytest.fixture
def populated(province) -> Populated:
    """Members, applications at several stages, activities with attendance, one record of each
    platform, an evaluation scheme with results, in both cities and directly under the province."""
    cache.clear()
    tree = province
    prov = tree.users["province"]
    today = datetime.date.today()
    o: dict[str, Any] = {}
    o["a1"] = create_member(tree.branch_a1, name="汪涵")
    o["a1b"] = create_member(tree.branch_a1, name="李娜")
    o["a2"] = create_member(tree.branch_a2, name="曾国藩")
    o["b1"] = create_member(tree.branch_b1, name="王维")
    o["direct"] = create_member(tree.direct_branch, name="杜甫")
    o["app_a"] = create_application(tree, name="欧阳娜娜")
    o["app_a_review"] = run_to(tree, create_application(tree, name="司马光"), "city-review")
    o["app_b"] = create_application(tree, unit=tree.branch_b1, name="诸葛亮")
    o["activity_a"] = make_activity(tree.branch_a1, today - datetime.timedelta(days=10))
    o["activity_b"] = make_activity(tree.branch_b1, today - datetime.timedelta(days=12))
    branches.attendance_record(activity=o["activity_a"], member=o["a1"], status="attended")
    branches.attendance_record(activity=o["activity_b"], member=o["b1"], status="attended")
    o["proposal_a"] = make_proposal(prov, o["a1"])
    o["proposal_b"] = make_proposal(prov, o["b1"], title="关于发展县域职业教育的建议")
    o["piece_a"] = make_piece(prov, o["a1"])
    o["topic_a"] = make_topic(prov, o["a1"], o["a1b"])
    o["project_a"] = make_project(prov, tree.branch_a1)
    o["project_b"] = make_project(prov, tree.branch_b1)
    scheme = five_izations_scheme(tree)
    evaluation.scheme_open(scheme=scheme, actor=prov)
    evaluation.scheme_recompute(scheme=scheme)
    o["scheme"] = scheme
    o["evaluation_a"] = scheme.evaluations.get(unit=tree.branch_a1)
    o["evaluation_b"] = scheme.evaluations.get(unit=tree.branch_b1)
    return Populated(tree=tree, objects=o)
