"""`grassroots demo` gives the portal something to show: member accounts, an officer, an
activity open for sign-up; the printed portal logins work on /m/."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from grassroots.accounts.models import User
from grassroots.core.demo import DEMO_PASSWORD
from grassroots.core.demo.generator import PORTAL_MEMBERS
from grassroots.members.models import Member

pytestmark = pytest.mark.django_db


def test_demo_prints_portal_logins_that_work(client):
    out = io.StringIO()
    call_command("demo", "--members", "300", "--seed", "5", stdout=out)
    printed = out.getvalue()
    line = next(x for x in printed.splitlines() if "/m/" in x)
    users = re.findall(r"(demo-member|officer-[\w-]+)", line)
    assert "demo-member" in users and any(u.startswith("officer-") for u in users)
    members = User.objects.filter(username__startswith="demo-member", member__isnull=False)
    units = {u.member.unit_id for u in members}
    assert len(units) == 1  # one branch, so they meet at its activities
    eligible = (
        Member.objects.filter(unit_id__in=units, status="active")
        .exclude(user__username__startswith="officer-")
        .count()
    )
    assert members.count() == min(PORTAL_MEMBERS, eligible)

    assert (
        client.post("/m/login/", {"login": "demo-member", "password": DEMO_PASSWORD})["Location"]
        == "/m/"
    )
    assert "主题学习会（演示）" in client.get("/m/activities/").content.decode()

    officer = Client()
    username = next(u for u in users if u.startswith("officer-"))
    officer.post("/m/login/", {"login": username, "password": DEMO_PASSWORD})
    assert officer.get("/m/branch/members/").status_code == 200
