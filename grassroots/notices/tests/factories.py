"""Notice test helpers: a published notice to a unit's members, a member with a portal account."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.accounts.models import Role, User
from grassroots.accounts.services import user_create
from grassroots.members.models import Member
from grassroots.members.tests.factories import create_member
from grassroots.notices import services
from grassroots.notices.models import Notice, UnitGroup

PASSWORD = "Notice-pass-2026!"


def system_staff() -> User:
    """A superuser acting where a test does not care who acts."""
    user = User.objects.filter(username="notices-root").first()
    return user or User.objects.create_superuser("notices-root", "", "root-pass-2026-x")


def make_notice(
    unit: Any,
    *,
    actor: Any = None,
    title: str = "关于参加学习会的通知",
    targets: list | None = None,
    publish: bool = True,
    attachment: bytes | None = None,
    **data: Any,
) -> Notice:
    files = []
    if attachment is not None:
        files.append(SimpleUploadedFile("学习材料.pdf", attachment, "application/pdf"))
    notice = services.notice_create(
        unit=unit,
        title=title,
        body=data.pop("body", "请按时参加本月学习会。"),
        actor=actor or system_staff(),
        target_units=targets if targets is not None else [unit],
        attachments=files,
        **data,
    )
    if publish:
        services.notice_publish(notice=notice, actor=actor or system_staff())
        notice.refresh_from_db()
    return notice


def member_with_account(unit: Any, username: str, **data: Any) -> tuple[Member, User]:
    member = create_member(unit, **data)
    user = user_create(
        username=username,
        password=PASSWORD,
        unit=unit,
        role=data.pop("role", Role.MEMBER),
        full_name=member.name,
        must_change_password=False,
        validate=False,
    )
    Member.objects.filter(pk=member.pk).update(user=user)
    member.refresh_from_db()
    return member, user


def make_group(unit: Any, name: str = "长沙第一支部会员群", **data: Any) -> UnitGroup:
    group = UnitGroup(
        unit=unit,
        platform=data.pop("platform", UnitGroup.Platform.QQ),
        name=name,
        number=data.pop("number", "123456789"),
        **data,
    )
    return services.group_save(group=group, actor=system_staff())
