"""Members over the API: the scoped roster with the console's search, and one member's archive.

The full ID number never leaves through the API; only the masked form is served.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema
from ninja.errors import HttpError

from grassroots.api.auth import acting_user
from grassroots.api.pagination import DEFAULT_PAGE_SIZE, paginate
from grassroots.api.schemas import ErrorOut
from grassroots.core.scope import get_visible_or_404
from grassroots.members.models import Member, MemberStatus
from grassroots.members.selectors import member_search, members_in_unit, members_visible
from grassroots.organizations.models import Unit

PREFIX = "/members"
router = Router(tags=["members"])


class MemberOut(Schema):
    id: int
    name: str
    sex: str
    unit: str
    member_number: str | None
    status: str
    id_number: str
    phone: str

    @staticmethod
    def resolve_unit(obj: Member) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_id_number(obj: Member) -> str:
        return obj.id_number_masked


class MemberDetailOut(MemberOut):
    unit_name: str
    ethnicity: str | None
    birth_date: datetime.date | None
    email: str
    education: str | None
    degree: str
    title: str | None
    sector: str | None
    employer: str
    post: str
    is_talent: bool
    talent_kind: str | None
    join_date: datetime.date | None
    status_date: datetime.date | None

    @staticmethod
    def resolve_unit_name(obj: Member) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_ethnicity(obj: Member) -> str | None:
        return obj.ethnicity.name if obj.ethnicity is not None else None

    @staticmethod
    def resolve_education(obj: Member) -> str | None:
        return obj.education.name if obj.education is not None else None

    @staticmethod
    def resolve_title(obj: Member) -> str | None:
        return obj.title.name if obj.title is not None else None

    @staticmethod
    def resolve_sector(obj: Member) -> str | None:
        return obj.sector.name if obj.sector is not None else None

    @staticmethod
    def resolve_talent_kind(obj: Member) -> str | None:
        return obj.talent_kind.name if obj.talent_kind is not None else None


class MemberPage(Schema):
    count: int
    page: int
    items: list[MemberOut]


@router.get("", response={200: MemberPage, 404: ErrorOut, 422: ErrorOut})
def member_list(
    request: HttpRequest,
    q: str = "",
    unit: str | None = None,
    status: str | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """Search by name, full pinyin, initials, phone or the ID's last four, like the console.

    ``unit`` is a unit code and includes every unit below it; a unit outside scope is a 404.
    """
    qs = members_visible(acting_user(request)).select_related("unit")
    if unit:
        qs = members_in_unit(
            qs, get_visible_or_404(Unit.objects.all(), acting_user(request), code=unit)
        )
    if status:
        if status not in MemberStatus.values:
            raise HttpError(
                422,
                gettext("参数status：未知状态“%(s)s”，可选值为%(values)s")
                % {"s": status, "values": "、".join(MemberStatus.values)}
                + f" / unknown status {status!r}",
            )
        qs = qs.filter(status=status)
    return paginate(member_search(qs, q), page, page_size)


@router.get("/{int:member_id}", response={200: MemberDetailOut, 404: ErrorOut})
def member_detail(request: HttpRequest, member_id: int):
    return get_visible_or_404(
        Member.objects.select_related(
            "unit", "ethnicity", "education", "title", "sector", "talent_kind"
        ),
        acting_user(request),
        pk=member_id,
    )
