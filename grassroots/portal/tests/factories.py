"""Portal test helpers: a member with a portal account, and a branch officer who is a member."""

from __future__ import annotations

import datetime

from grassroots.accounts.models import Role, User
from grassroots.accounts.services import user_create
from grassroots.members.models import Member, Officer
from grassroots.members.tests.factories import create_member

PASSWORD = "Portal-pass-2026!"


def member_with_account(
    unit, username: str, *, must_change_password: bool = False, **data
) -> tuple[Member, User]:
    member = create_member(unit, **data)
    user = user_create(
        username=username,
        password=PASSWORD,
        unit=unit,
        role=Role.MEMBER,
        full_name=member.name,
        must_change_password=must_change_password,
        validate=False,
    )
    Member.objects.filter(pk=member.pk).update(user=user)
    member.refresh_from_db()
    return member, user


def officer_with_account(unit, username: str, **data) -> tuple[Member, User]:
    member, user = member_with_account(unit, username, **data)
    Officer.objects.create(
        unit=unit, member=member, post=Officer.Post.CHAIR, start_date=datetime.date(2022, 1, 1)
    )
    return member, user
