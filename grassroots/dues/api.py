"""Dues over the API: rules by year, a unit's figures, a member's status, recording a payment."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from grassroots.api.pagination import DEFAULT_PAGE_SIZE, paginate
from grassroots.core.scope import get_visible_or_404
from grassroots.dues import selectors, services
from grassroots.dues.models import DuesRule, Payment
from grassroots.members.models import Member
from grassroots.organizations.models import Unit

PREFIX = "/dues"
router = Router(tags=["dues"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _unprocessable(exc: ValidationError) -> HttpError:
    if hasattr(exc, "error_dict"):
        text = "；".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    else:
        text = "；".join(exc.messages)
    return HttpError(422, text)


def _this_year() -> int:
    return datetime.date.today().year


class BandOut(Schema):
    code: str
    name: str
    amount: Decimal
    is_default: bool


class ShareOut(Schema):
    level: int
    share: Decimal


class RuleOut(Schema):
    id: int
    year: int
    unit: str
    unit_name: str
    kind: str
    flat_amount: Decimal | None
    note: str
    bands: list[BandOut]
    shares: list[ShareOut]

    @staticmethod
    def resolve_unit(obj: DuesRule) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: DuesRule) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_bands(obj: DuesRule) -> list[Any]:
        return list(obj.bands.all())

    @staticmethod
    def resolve_shares(obj: DuesRule) -> list[Any]:
        return list(obj.shares.all())


class PaymentOut(Schema):
    id: int
    receipt_number: str
    member_id: int
    year: int
    unit: str
    amount: Decimal
    paid_on: datetime.date
    method: str
    recorded_by: str
    voided: bool

    @staticmethod
    def resolve_member_id(obj: Payment) -> int:
        return obj.record.member_id

    @staticmethod
    def resolve_year(obj: Payment) -> int:
        return obj.record.year

    @staticmethod
    def resolve_unit(obj: Payment) -> str:
        return obj.unit.code


class PaymentIn(Schema):
    member_id: int
    year: int
    amount: Decimal
    paid_on: datetime.date
    method: str
    note: str = ""


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


@router.get("/years", response=dict)
def years(request: HttpRequest):
    """The years for which a rule is visible to the caller (their own or a level above)."""
    items = selectors.years_with_rules(_user(request))
    return {"count": len(items), "page": 1, "items": items}


@router.get("/rules", response=dict)
def rules(
    request: HttpRequest, year: int | None = None, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
):
    qs = (
        DuesRule.objects.visible_to(_user(request))  # type: ignore[attr-defined]
        .select_related("unit")
        .prefetch_related("bands", "shares")
        .order_by("-year", "unit__path")
    )
    if year:
        qs = qs.filter(year=year)
    return paginate(qs, page, page_size, lambda r: RuleOut.from_orm(r).dict())


def _figures(figures: selectors.Figures) -> dict[str, Any]:
    return {
        "due": _money(figures.due),
        "collected": _money(figures.collected),
        "exempt": _money(figures.exempt),
        "outstanding": _money(figures.outstanding),
        "members": figures.members,
        "in_arrears": figures.in_arrears,
        "exempted": figures.exempted,
    }


@router.get("/units/{unit_id}/summary", response=dict)
def unit_summary(request: HttpRequest, unit_id: int, year: int | None = None):
    """The unit's subtree figures, its remittance position, and each unit directly below it."""
    user = _user(request)
    unit = get_visible_or_404(Unit.objects.all(), user, pk=unit_id)
    year = year or _this_year()
    rows = selectors.unit_rows(user=user, unit=unit, year=year)
    top = rows[0]
    children = [r for r in rows if r.unit.parent_id == unit.pk]
    return {
        "unit": unit.code,
        "year": year,
        **_figures(top.total),
        "received": _money(top.received),
        "share": str(top.share),
        "owed": _money(top.owed),
        "remitted": _money(top.remitted),
        "remit_outstanding": _money(top.remit_outstanding),
        "children": [
            {
                "unit": r.unit.code,
                "unit_name": r.unit.name,
                **_figures(r.total),
                "owed": _money(r.owed),
                "remitted": _money(r.remitted),
                "remit_outstanding": _money(r.remit_outstanding),
            }
            for r in children
        ],
    }


@router.get("/members/{member_id}", response=dict)
def member_status(request: HttpRequest, member_id: int):
    """A member's dues by year with their valid receipts (only rows the caller may see)."""
    user = _user(request)
    member = get_visible_or_404(Member.objects.all(), user, pk=member_id)
    visible = set(
        selectors.records_visible(user).filter(member=member).values_list("pk", flat=True)
    )
    items = [
        {
            "year": s["year"],
            "unit": s["unit"].code,
            "due": _money(s["due"]),
            "paid": _money(s["paid"]),
            "exempt": _money(s["exempt"]),
            "outstanding": _money(s["outstanding"]),
            "is_exempt": s["is_exempt"],
            "receipts": [
                {
                    "receipt_number": p.receipt_number,
                    "amount": _money(p.amount),
                    "paid_on": p.paid_on,
                }
                for p in s["receipts"]
            ],
        }
        for s in selectors.member_status(member)
        if s["record"].pk in visible
    ]
    return {"member_id": member.pk, "name": member.name, "count": len(items), "items": items}


@router.post("/payments", response={201: PaymentOut})
def payment_create(request: HttpRequest, body: PaymentIn):
    """Record a payment; the collecting unit is the member's dues row's, set by the server."""
    user = _user(request)
    member = get_visible_or_404(Member.objects.all(), user, pk=body.member_id)
    record = (
        selectors.records_visible(user)
        .filter(member=member, year=body.year)
        .select_related("unit", "member")
        .first()
    )
    if record is None:
        raise HttpError(
            422,
            f"year: {member.name}没有{body.year}年度的会费记录（请先生成年度会费）",
        )
    try:
        payment = services.payment_record(
            record=record,
            amount=body.amount,
            paid_on=body.paid_on,
            method=body.method,
            note=body.note,
            actor=user,
        )
    except ValidationError as exc:
        raise _unprocessable(exc) from exc
    return Status(201, payment)


@router.get("/payments", response=dict)
def payments_list(
    request: HttpRequest,
    year: int | None = None,
    unit: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    qs = (
        selectors.payments_visible(_user(request))
        .select_related("record", "unit")
        .order_by("-paid_on", "-id")
    )
    if year:
        qs = qs.filter(record__year=year)
    if unit:
        qs = qs.filter(unit__code=unit)
    return paginate(qs, page, page_size, lambda p: PaymentOut.from_orm(p).dict())
