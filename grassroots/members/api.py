"""Members over the API: the scoped roster with the console's search and filters, one member's
archive, and creating or correcting a member through the members services (so it is audited).

The full ID number never leaves through the API; only the masked form is served. The unit of a new
member is the ``unit`` query parameter (in scope, else 404); its status is set by the server;
moving a member is a transfer, never a PATCH.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from grassroots.api.auth import acting_user
from grassroots.api.pagination import DEFAULT_PAGE_SIZE, paginate
from grassroots.api.schemas import ErrorOut, WriteIn
from grassroots.core.scope import get_visible_or_404, user_scope_path
from grassroots.members import services
from grassroots.members.models import (
    Education,
    Ethnicity,
    Member,
    MemberStatus,
    Sector,
    TalentKind,
    Title,
)
from grassroots.members.selectors import (
    PinyinRanking,
    is_pinyin_search,
    member_search,
    members_in_unit,
    members_visible,
    normalize_query,
)
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


AgeBand = Literal["lt35", "35-45", "45-55", "55-65", "ge65"]
# The console's age bands (members.admin.AgeBandFilter): [low, high) in whole years.
AGE_BANDS: dict[str, tuple[int | None, int | None]] = {
    "lt35": (None, 35),
    "35-45": (35, 45),
    "45-55": (45, 55),
    "55-65": (55, 65),
    "ge65": (65, None),
}


def _years_ago(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@router.get("", response={200: MemberPage, 404: ErrorOut, 422: ErrorOut})
def member_list(
    request: HttpRequest,
    q: str = "",
    unit: str | None = None,
    status: str | None = None,
    sector: str | None = None,
    education: str | None = None,
    title: str | None = None,
    age: AgeBand | None = None,
    is_talent: bool | None = None,
    talent_kind: str | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    """Search by name, full pinyin, initials, phone or the ID's last four, like the console.

    ``unit`` is a unit code and includes every unit below it; a unit outside scope is a 404.
    The other filters are the console's: ``sector``, ``education``, ``title`` and
    ``talent_kind`` take reference codes, ``age`` an age band, ``is_talent`` true or false.
    """
    qs = members_visible(acting_user(request)).select_related("unit")
    within = user_scope_path(acting_user(request))
    if unit:
        chosen = get_visible_or_404(Unit.objects.all(), acting_user(request), code=unit)
        qs, within = members_in_unit(qs, chosen), chosen.path
    if status:
        if status not in MemberStatus.values:
            raise HttpError(
                422,
                gettext("参数status：未知状态“%(s)s”，可选值为%(values)s")
                % {"s": status, "values": "、".join(MemberStatus.values)}
                + f" / unknown status {status!r}",
            )
        qs = qs.filter(status=status)
    for field, model, code in (
        ("sector", Sector, sector),
        ("education", Education, education),
        ("title", Title, title),
        ("talent_kind", TalentKind, talent_kind),
    ):
        if code:
            qs = qs.filter(**{field: _reference(model, code, field, "query")})
    if age:
        low, high = AGE_BANDS[age]
        today = timezone.localdate()
        if low is not None:
            qs = qs.filter(birth_date__lte=_years_ago(today, low))
        if high is not None:
            qs = qs.filter(birth_date__gt=_years_ago(today, high))
    if is_talent is not None:
        qs = qs.filter(is_talent=is_talent)
    narrowed = any(
        v is not None and v != ""
        for v in (status, sector, education, title, age, is_talent, talent_kind)
    )
    if within is not None and not narrowed and is_pinyin_search(q):
        # Only the subtree confines the list: rank and count from the search keys alone.
        ranking = PinyinRanking(qs, normalize_query(q).lower(), within)
        return paginate(ranking, page, page_size)
    return paginate(member_search(qs, q, within=within), page, page_size)


def _member(request: HttpRequest, member_id: int) -> Member:
    return get_visible_or_404(
        Member.objects.select_related(
            "unit", "ethnicity", "education", "title", "sector", "talent_kind"
        ),
        acting_user(request),
        pk=member_id,
    )


@router.get("/{member_id}", response={200: MemberDetailOut, 404: ErrorOut})
def member_detail(request: HttpRequest, member_id: int):
    return _member(request, member_id)


def _reference(model: type[Model], code: str, field: str, location: str = "body") -> Any:
    found = model._default_manager.filter(code=code).first()  # type: ignore[attr-defined]
    if found is None:
        raise NinjaValidationError(
            [
                {
                    "loc": [location, field],
                    "msg": gettext("代码“%(code)s”不存在") % {"code": code},
                    "type": "value_error",
                }
            ]
        )
    return found


class MemberPatch(WriteIn):
    """Fields a client may correct; a reference (ethnicity, education, title, sector,
    talent_kind) is given by its code, and an empty string clears it."""

    name: str | None = None
    sex: Literal["M", "F"] | None = None
    id_number: str | None = None
    birth_date: datetime.date | None = None
    ethnicity: str | None = None
    phone: str | None = None
    email: str | None = None
    education: str | None = None
    degree: str | None = None
    title: str | None = None
    sector: str | None = None
    employer: str | None = None
    post: str | None = None
    is_talent: bool | None = None
    talent_kind: str | None = None
    join_date: datetime.date | None = None


class MemberIn(MemberPatch):
    name: str  # type: ignore[assignment]


REFERENCES: dict[str, type[Model]] = {
    "ethnicity": Ethnicity,
    "education": Education,
    "title": Title,
    "sector": Sector,
    "talent_kind": TalentKind,
}


def _data(payload: MemberPatch) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in payload.model_dump(exclude_unset=True).items():
        if key in REFERENCES:
            data[key] = _reference(REFERENCES[key], value, key) if value else None
        elif value is None:
            raise NinjaValidationError(
                [
                    {
                        "loc": ["body", key],
                        "msg": gettext("不能为空（不修改请省略该字段）"),
                        "type": "value_error",
                    }
                ]
            )
        else:
            data[key] = value
    return data


def _service(fn: Any, **kwargs: Any) -> Member:
    try:
        member: Member = fn(**kwargs)
    except DjangoValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        raise NinjaValidationError(
            [
                {"loc": ["body", field], "msg": message, "type": "value_error"}
                for field, messages in errors.items()
                for message in messages
            ]
        ) from exc
    return member


@router.post("", response={201: MemberDetailOut, 404: ErrorOut, 422: ErrorOut})
def member_create(request: HttpRequest, unit: str, payload: MemberIn):
    """A new member of ``unit`` (a unit code in scope), active from ``join_date``; the member
    number is assigned by the server."""
    user = acting_user(request)
    target = get_visible_or_404(Unit.objects.all(), user, code=unit)
    member = _service(services.member_create, unit=target, data=_data(payload), actor=user)
    return Status(201, _member(request, member.pk))


@router.patch("/{member_id}", response={200: MemberDetailOut, 404: ErrorOut, 422: ErrorOut})
def member_update(request: HttpRequest, member_id: int, payload: MemberPatch):
    """Correct a member's fields (only those sent). The unit changes by a transfer and the status
    by the status actions, never here."""
    user = acting_user(request)
    member = _member(request, member_id)
    _service(services.member_update, member=member, data=_data(payload), actor=user)
    return _member(request, member_id)
