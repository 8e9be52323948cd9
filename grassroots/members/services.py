"""Member archive writes: create, update, status, reveal, numbers, transfers, officers."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import audit, pinyin, sequences
from grassroots.core.context import actor_name as _actor_name
from grassroots.core.scope import unit_in_scope, user_scope_path
from grassroots.members.identity import check_identity, id_hashes, normalize_phone
from grassroots.members.models import Member, MemberStatus, NameKey, StatusChange, Transfer
from grassroots.organizations.models import Unit

# Sent inside the writing transaction after members, transfers or status rows were written
# without Model.save() (bulk inserts, COPY loads), with ``member_ids`` (None: any member), so
# that tables derived from them (planning's membership spells) follow.
members_written = Signal()

EDITABLE_FIELDS = {
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "email",
    "education",
    "degree",
    "title",
    "sector",
    "employer",
    "post",
    "is_talent",
    "talent_kind",
    "join_date",
    "photo",
    "member_number",
}


def member_validate(
    *, data: dict[str, Any], instance: Member | None = None, actor: Any = None
) -> dict[str, Any]:
    """Normalize and validate member fields; raises ValidationError keyed by field (Chinese)."""
    errors: dict[str, str] = {}
    cleaned = dict(data)
    if "name" in cleaned:
        cleaned["name"] = "".join(str(cleaned["name"] or "").split())
        if not cleaned["name"]:
            errors["name"] = _("姓名不能为空")
    if "phone" in cleaned:
        try:
            cleaned["phone"] = normalize_phone(cleaned["phone"])
        except ValueError as exc:
            errors["phone"] = str(exc)
    id_number = cleaned.get("id_number", instance.id_number if instance else "")
    birth = cleaned.get("birth_date", instance.birth_date if instance else None)
    sex = cleaned.get("sex", instance.sex if instance else None)
    parsed, identity_errors = check_identity(id_number or "", birth, sex)
    # When only the ID changed, a stale derived value is replaced rather than reported.
    if parsed is not None:
        for derived in ("birth_date", "sex"):
            if derived not in data:
                identity_errors.pop(derived, None)
        cleaned["birth_date"], cleaned["sex"] = parsed.birth_date, parsed.sex
        cleaned["id_number"] = parsed.value
        exact, _tail, _masked = id_hashes(parsed.value)
        clash = Member.objects.filter(id_number_hash=exact)
        if instance is not None and instance.pk:
            clash = clash.exclude(pk=instance.pk)
        other = clash.only("pk", "unit__path").select_related("unit").first()
        if other is not None:
            path = user_scope_path(actor)
            if path is not None and other.unit.path.startswith(path):
                errors["id_number"] = _("该身份证号已登记：%(name)s（%(unit)s）") % {
                    "name": other.name,
                    "unit": other.unit.name,
                }
            else:
                errors["id_number"] = _("该身份证号已在其他组织登记")
    errors.update(identity_errors)
    if not cleaned.get("sex") and (instance is None or not instance.sex):
        errors.setdefault("sex", _("请填写性别或身份证号"))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _derive(member: Member) -> None:
    if member.id_number:
        member.id_number_hash, member.id_tail_hash, member.id_number_masked = id_hashes(
            member.id_number
        )
    else:
        member.id_number_hash, member.id_tail_hash, member.id_number_masked = None, "", ""
    member.pinyin_full, member.pinyin_initials = pinyin.primary(member.name)


def name_keys_for(member: Member) -> list[NameKey]:
    return [
        NameKey(member=member, key=k[:64], unit_id=member.unit_id, sort_key=member.pinyin_full)
        for k in pinyin.search_keys(member.name)
    ]


def _refresh_name_keys(member: Member) -> None:
    NameKey.objects.filter(member=member).delete()
    NameKey.objects.bulk_create(name_keys_for(member))


def member_number_next(*, join_date: datetime.date | None, unit: Unit) -> str:
    year = (join_date or timezone.localdate()).year
    seq = sequences.next_value(f"member_number:{year}")
    return settings.GRASSROOTS_MEMBER_NUMBER_FORMAT.format(year=year, seq=seq, unit=unit.code)


def _check_unit_in_scope(unit: Unit, actor: Any) -> None:
    if actor is None:
        return
    if not unit_in_scope(unit, actor):
        raise ValidationError({"unit": _("所选组织不在您的管理范围内")})


@transaction.atomic
def member_create(
    *, unit: Unit, data: dict[str, Any], actor: Any = None, assign_number: bool = True
) -> Member:
    _check_unit_in_scope(unit, actor)
    cleaned = member_validate(data=data, actor=actor)
    member = Member(unit=unit, **{k: v for k, v in cleaned.items() if k in EDITABLE_FIELDS})
    if assign_number and not member.member_number:
        member.member_number = member_number_next(join_date=member.join_date, unit=unit)
    _derive(member)
    member.status_date = member.join_date
    member.save()
    _refresh_name_keys(member)
    StatusChange.objects.create(
        member=member,
        from_status="",
        to_status=MemberStatus.ACTIVE,
        date=member.join_date or timezone.localdate(),
        reason=_("建档"),
        recorded_by=_actor_name(actor),
    )
    return member


@transaction.atomic
def member_update(*, member: Member, data: dict[str, Any], actor: Any = None) -> Member:
    """Change editable fields. The unit is never changed here: moving is a transfer."""
    if "unit" in data or "unit_id" in data:
        raise ValidationError({"unit": _("变更所属组织请办理组织关系转接")})
    cleaned = member_validate(data=data, instance=member, actor=actor)
    old_name = member.name
    for key, value in cleaned.items():
        if key in EDITABLE_FIELDS:
            setattr(member, key, value)
    _derive(member)
    member.save()
    if member.name != old_name:
        _refresh_name_keys(member)
    return member


@transaction.atomic
def member_set_status(
    *, member: Member, status: str, date: datetime.date, reason: str = "", actor: Any = None
) -> Member:
    if status not in MemberStatus.values:
        raise ValidationError({"status": _("未知状态")})
    if status == member.status:
        raise ValidationError({"status": _("会员已是该状态")})
    if not reason and status in (MemberStatus.EXPELLED, MemberStatus.RESIGNED):
        raise ValidationError({"reason": _("请填写原因")})
    StatusChange.objects.create(
        member=member,
        from_status=member.status,
        to_status=status,
        date=date,
        reason=reason,
        recorded_by=_actor_name(actor),
    )
    member.status, member.status_date = status, date
    member.save(update_fields=["status", "status_date", "updated_at"])
    return member


def member_reveal_id_number(*, member: Member, actor: Any) -> str:
    """The full ID number, for holders of the permission; every reveal is audited."""
    if not actor.has_perm("members.reveal_id_number"):
        raise PermissionDenied(_("您没有查看完整身份证号的权限"))
    audit.record(audit.AuditEvent.Action.REVEAL, instance=member, extra={"field": "id_number"})
    return member.id_number


# --- transfers (组织关系转接) -------------------------------------------------------------


@transaction.atomic
def transfer_start(
    *, member: Member, to_unit: Unit, reason: str = "", actor: Any = None
) -> Transfer:
    """Within the province: the source starts, the member stays with the source until accepted."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    _check_unit_in_scope(member.unit, actor)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError({"member": _("只有在册会员可以转接")})
    if to_unit.pk == member.unit_id:
        raise ValidationError({"to_unit": _("转入组织与当前组织相同")})
    if Transfer.objects.filter(member=member, state=Transfer.State.PENDING).exists():
        raise ValidationError({"member": _("该会员已有未完成的转接")})
    return Transfer.objects.create(
        member=member,
        kind=Transfer.Kind.INTERNAL,
        from_unit=member.unit,
        to_unit=to_unit,
        reason=reason,
        started_by=_actor_name(actor),
    )


@transaction.atomic
def transfer_accept(
    *, transfer: Transfer, date: datetime.date | None = None, actor: Any = None
) -> Transfer:
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != Transfer.State.PENDING or transfer.kind != Transfer.Kind.INTERNAL:
        raise ValidationError(_("该转接已处理"))
    assert transfer.to_unit is not None
    _check_unit_in_scope(transfer.to_unit, actor)
    member = transfer.member
    member.unit = transfer.to_unit
    member.save(update_fields=["unit", "updated_at"])
    NameKey.objects.filter(member=member).update(unit=member.unit)
    transfer.state, transfer.decided_by = Transfer.State.ACCEPTED, _actor_name(actor)
    transfer.decided_at, transfer.effective_date = timezone.now(), date or timezone.localdate()
    transfer.save()
    return transfer


@transaction.atomic
def transfer_decline(
    *, transfer: Transfer, cancel: bool, note: str = "", actor: Any = None
) -> Transfer:
    """The source cancels, or the target returns it; the member stays where they were."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != Transfer.State.PENDING:
        raise ValidationError(_("该转接已处理"))
    side = transfer.from_unit if cancel else transfer.to_unit
    if side is not None:
        _check_unit_in_scope(side, actor)
    transfer.state = Transfer.State.CANCELLED if cancel else Transfer.State.REJECTED
    transfer.decided_by, transfer.decided_at, transfer.note = (
        _actor_name(actor),
        timezone.now(),
        note,
    )
    transfer.save()
    return transfer


@transaction.atomic
def transfer_out_of_province(
    *,
    member: Member,
    external_org: str,
    letter_number: str,
    letter_date: datetime.date,
    reason: str = "",
    actor: Any = None,
) -> Transfer:
    """The introduction letter (介绍信) is issued; the member leaves the roster on that date."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    _check_unit_in_scope(member.unit, actor)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError({"member": _("只有在册会员可以转出")})
    if not external_org or not letter_number:
        raise ValidationError({"letter_number": _("请填写转入组织和介绍信编号")})
    transfer = Transfer.objects.create(
        member=member,
        kind=Transfer.Kind.OUT,
        state=Transfer.State.PENDING,
        from_unit=member.unit,
        external_org=external_org,
        letter_number=letter_number,
        letter_date=letter_date,
        reason=reason,
        started_by=_actor_name(actor),
        effective_date=letter_date,
    )
    member_set_status(
        member=member,
        status=MemberStatus.TRANSFERRED_OUT,
        date=letter_date,
        reason=_("转往%(org)s") % {"org": external_org},
        actor=actor,
    )
    return transfer


@transaction.atomic
def transfer_record_receipt(
    *, transfer: Transfer, receipt_date: datetime.date, actor: Any = None
) -> Transfer:
    """The receiving province's receipt (回执) closes an outgoing transfer."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.kind != Transfer.Kind.OUT or transfer.state != Transfer.State.PENDING:
        raise ValidationError(_("只有待回执的转出记录可以登记回执"))
    if transfer.from_unit is not None:
        _check_unit_in_scope(transfer.from_unit, actor)
    transfer.receipt_date, transfer.state = receipt_date, Transfer.State.ACCEPTED
    transfer.decided_by, transfer.decided_at = _actor_name(actor), timezone.now()
    transfer.save()
    return transfer


@transaction.atomic
def transfer_into_province(
    *,
    unit: Unit,
    data: dict[str, Any],
    external_org: str,
    letter_number: str,
    letter_date: datetime.date,
    actor: Any = None,
) -> Transfer:
    """A member arrives with a letter from another province; the archive is created here."""
    member = member_create(unit=unit, data=data, actor=actor)
    return Transfer.objects.create(
        member=member,
        kind=Transfer.Kind.IN,
        state=Transfer.State.ACCEPTED,
        to_unit=unit,
        external_org=external_org,
        letter_number=letter_number,
        letter_date=letter_date,
        started_by=_actor_name(actor),
        decided_by=_actor_name(actor),
        decided_at=timezone.now(),
        effective_date=letter_date,
    )


# --- bulk writes (importer, demo generator) ------------------------------------------------


@transaction.atomic
def member_bulk_create(
    *,
    members: list[Member],
    operation: str,
    actor: Any = None,
    audit_each: bool = True,
    batch_size: int = 2000,
    extra: dict[str, Any] | None = None,
) -> list[Member]:
    """Insert already-validated members with their derived columns, search keys and first
    status row; audited as rows in bulk (or only the summary event) plus one operation event."""
    by_year: dict[int, list[Member]] = {}
    for member in members:
        _derive(member)
        member.status_date = member.status_date or member.join_date
        if not member.member_number:
            by_year.setdefault((member.join_date or timezone.localdate()).year, []).append(member)
    for year, group in by_year.items():
        first = sequences.next_value(f"member_number:{year}", count=len(group))
        for offset, member in enumerate(group):
            member.member_number = settings.GRASSROOTS_MEMBER_NUMBER_FORMAT.format(
                year=year, seq=first + offset, unit=getattr(member.unit, "code", "")
            )
    Member.objects.bulk_create(members, batch_size=batch_size)
    recorded_by = _actor_name(actor)
    keys: list[NameKey] = []
    history: list[StatusChange] = []
    for member in members:
        keys.extend(name_keys_for(member))
        history.append(
            StatusChange(
                member=member,
                from_status="",
                to_status=member.status,
                date=member.join_date or timezone.localdate(),
                reason=_("建档"),
                recorded_by=recorded_by,
            )
        )
    NameKey.objects.bulk_create(keys, batch_size=batch_size * 4)
    StatusChange.objects.bulk_create(history, batch_size=batch_size)
    members_written.send(sender=Member, member_ids=[m.pk for m in members])
    audit.record_bulk(
        operation,
        "create",
        members,
        per_object=audit_each,
        summary_object_type="members.member",
        extra=extra,
    )
    return members


def existing_id_hashes(hashes: list[str]) -> dict[str, Member]:
    """Members already holding any of these ID hashes (any scope), with their unit loaded."""
    found: dict[str, Member] = {}
    for start in range(0, len(hashes), 900):
        chunk = hashes[start : start + 900]
        for member in (
            Member.objects.filter(id_number_hash__in=chunk)
            .select_related("unit")
            .only("pk", "name", "id_number_hash", "unit__path", "unit__name", "unit__code")
        ):
            found[member.id_number_hash or ""] = member
    return found
