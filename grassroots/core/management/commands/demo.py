"""`grassroots demo [--seed S] [--members N] [--reset]`: build the demo province and exit."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from grassroots.accounts.models import Role
from grassroots.core.demo import demo_generate
from grassroots.core.management.base import ScopedCommand


class Command(ScopedCommand):
    help = _("生成演示数据：一个省委会、14个市委会、约120个基层组织和会员档案")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2026, help=_("随机种子（相同种子生成相同数据）")
        )
        parser.add_argument(
            "--members", type=int, default=8000, help=_("会员人数（最多1,000,000）")
        )
        parser.add_argument("--reset", action="store_true", help=_("先删除已有的演示数据"))

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["members"]
        if not 1 <= count <= 1_000_000:
            raise CommandError(_("--members 应在 1 到 1000000 之间"))
        quiet = options["verbosity"] < 1
        result = demo_generate(
            seed=options["seed"],
            members=count,
            reset=options["reset"],
            log=(lambda line: None) if quiet else (lambda line: self.stdout.write(line)),
        )
        if result.already_existed:
            self.stdout.write(_("演示数据已存在，未做改动（如需重建请加 --reset）。"))
        else:
            self.stdout.write(
                _(
                    "已生成演示数据：%(m)d 名会员，%(u)d 个组织，%(a)d 个账号，用时 %(s).1f 秒（%(r).0f 人/秒）。"
                )
                % {
                    "m": result.members,
                    "u": result.units,
                    "a": result.users,
                    "s": result.seconds,
                    "r": result.rate,
                }
            )
        if result.logins:
            self.stdout.write(_("登录账号（控制台 /admin/）："))
            for role, username, password, where in result.logins:
                self.stdout.write(f"  {role:<12} {username:<22} {password}  {where}")
            portal = [
                username
                for role, username, _pw, _where in result.logins
                if role in (str(Role.MEMBER.label), str(Role.BRANCH_OFFICER.label))
            ]
            if portal:
                self.stdout.write(
                    _("会员门户（手机浏览器或微信打开 /m/）：%(users)s，密码同上。")
                    % {"users": "、".join(portal)}
                )
