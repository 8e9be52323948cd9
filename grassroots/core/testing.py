"""Test helpers shared across apps: a small unit tree and staff accounts for each role."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field

from grassroots.accounts.models import Role, User
from grassroots.accounts.services import user_create
from grassroots.core import ids
from grassroots.organizations.models import Unit, UnitKind
from grassroots.organizations.services import unit_create

_sequence = itertools.count(1)


def unique_id_number(
    region: str = "430102", birth: datetime.date | None = None, sex: str = "M"
) -> str:
    n = next(_sequence)
    birth = birth or datetime.date(1970, 1, 1) + datetime.timedelta(days=n * 37 % 9000)
    return ids.build(region, birth, n % 500, sex)


def make_unit(code: str, name: str, kind: str, parent: Unit | None) -> Unit:
    return unit_create(code=code, name=name, kind=UnitKind.objects.get(code=kind), parent=parent)


def make_user(username: str, unit: Unit | None, role: str, superuser: bool = False) -> User:
    user = user_create(
        username=username,
        password=None,
        unit=unit,
        role=role,
        validate=False,
        must_change_password=False,
    )
    user.set_password("pass-" + username + "-2026")
    user.is_superuser = superuser
    user.save()
    return user


@dataclass
class SmallProvince:
    province: Unit
    city_a: Unit
    city_b: Unit
    branch_a1: Unit
    branch_a2: Unit
    branch_b1: Unit
    direct_branch: Unit
    users: dict[str, User] = field(default_factory=dict)

    def password(self, username: str) -> str:
        return "pass-" + username + "-2026"


def build_small_province() -> SmallProvince:
    p = make_unit("43", "湖南省委会", "province", None)
    a = make_unit("4301", "长沙市委会", "city", p)
    b = make_unit("4302", "株洲市委会", "city", p)
    tree = SmallProvince(
        province=p,
        city_a=a,
        city_b=b,
        branch_a1=make_unit("430101", "长沙第一支部", "branch", a),
        branch_a2=make_unit("430102", "长沙第二支部", "branch", a),
        branch_b1=make_unit("430201", "株洲第一支部", "branch", b),
        direct_branch=make_unit("4399", "省直属支部", "branch", p),
    )
    tree.users = {
        "province": make_user("prov", p, Role.PROVINCE_STAFF),
        "city_a": make_user("city_a", a, Role.UNIT_STAFF),
        "city_b": make_user("city_b", b, Role.UNIT_STAFF),
        "branch_a1": make_user("branch_a1", tree.branch_a1, Role.BRANCH_OFFICER),
        "leader": make_user("leader", p, Role.LEADER),
        "admin": _superuser(),
    }
    return tree


def _superuser() -> User:
    return User.objects.create_superuser("root", "root@example.org", "root-pass-2026")
