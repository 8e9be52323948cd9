"""`grassroots add-staff USERNAME --unit CODE --role ROLE`: a staff account with a role."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from grassroots.accounts.models import Role
from grassroots.accounts.services import user_create
from grassroots.core.management.base import ScopedCommand
from grassroots.core.scope import user_scope_path
from grassroots.organizations.models import Unit

STAFF_ROLES = [Role.PROVINCE_STAFF, Role.UNIT_STAFF, Role.BRANCH_OFFICER, Role.LEADER]


class Command(ScopedCommand):
    help = _("新增工作人员账号；密码从标准输入读取或交互输入两次")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--unit", required=True, help=_("所属组织代码"))
        parser.add_argument("--role", required=True, help=", ".join(STAFF_ROLES))
        parser.add_argument("--full-name", default="")
        parser.add_argument("--phone", default="")
        parser.add_argument(
            "--no-password-change",
            action="store_true",
            help=_("首次登录时不要求修改密码"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"]
        if role not in STAFF_ROLES:
            raise CommandError(
                _("未知角色“%(role)s”，可选：%(roles)s（unknown role）")
                % {"role": role, "roles": ", ".join(STAFF_ROLES)}
            )
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(
                _("未找到组织代码“%(code)s”（unknown unit code）") % {"code": options["unit"]}
            )
        path = user_scope_path(self.actor) if self.actor is not None else ""
        if path is None or not unit.path.startswith(path):
            raise CommandError(
                _("组织“%(code)s”不在 %(u)s 的管理范围内（unit outside the acting user's scope）")
                % {"code": unit.code, "u": self.actor.get_username()}
            )
        password = self.read_password()
        try:
            user = user_create(
                username=options["username"],
                password=password,
                unit=unit,
                role=role,
                full_name=options["full_name"],
                phone=options["phone"],
                must_change_password=not options["no_password_change"],
            )
        except ValidationError as exc:
            raise CommandError(_("未创建账号：%(why)s") % {"why": "；".join(exc.messages)}) from exc
        self.stdout.write(
            _("已创建账号 %(u)s（%(role)s，%(unit)s）")
            % {"u": user.username, "role": user.get_role_display(), "unit": unit.name}
        )

    def read_password(self) -> str:
        stdin = sys.stdin
        if not stdin.isatty():
            password = stdin.readline().rstrip("\r\n")
        else:
            password = getpass.getpass(_("密码："))
            if getpass.getpass(_("再次输入密码：")) != password:
                raise CommandError(_("两次输入的密码不一致"))
        if not password:
            raise CommandError(_("密码不能为空"))
        return password
