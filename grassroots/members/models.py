"""Member archive tables. Officers live here (not in organizations) because they are members."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.audit import MASK_ID, AuditedModel
from grassroots.core.scope import ScopedModel
from grassroots.core.sensitive import EncryptedTextField


class ReferenceEntry(models.Model):
    """Editable reference list entry, seeded by a migration."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    aliases = models.CharField(
        _("别名"), max_length=200, blank=True, help_text=_("以顿号或逗号分隔，导入时识别")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return str(self.name)


class Sector(ReferenceEntry):
    is_main = models.BooleanField(_("主界别"), default=False)

    class Meta(ReferenceEntry.Meta):
        verbose_name = _("界别")
        verbose_name_plural = _("界别")


class Education(ReferenceEntry):
    rank = models.PositiveSmallIntegerField(_("等级"), default=0, help_text=_("越大学历越高"))
    bachelor_or_higher = models.BooleanField(_("本科及以上"), default=False)

    class Meta(ReferenceEntry.Meta):
        verbose_name = _("学历")
        verbose_name_plural = _("学历")


class Title(ReferenceEntry):
    class Grade(models.TextChoices):
        FULL_SENIOR = "full_senior", _("正高")
        DEPUTY_SENIOR = "deputy_senior", _("副高")
        INTERMEDIATE = "intermediate", _("中级")
        JUNIOR = "junior", _("初级")
        NONE = "none", _("无")

    grade = models.CharField(_("级别"), max_length=16, choices=Grade.choices, default=Grade.NONE)

    class Meta(ReferenceEntry.Meta):
        verbose_name = _("职称")
        verbose_name_plural = _("职称")


class Ethnicity(ReferenceEntry):
    class Meta(ReferenceEntry.Meta):
        verbose_name = _("民族")
        verbose_name_plural = _("民族")


class ArrangementKind(ReferenceEntry):
    class Meta(ReferenceEntry.Meta):
        verbose_name = _("政治安排类别")
        verbose_name_plural = _("政治安排类别")


class ArrangementLevel(ReferenceEntry):
    rank = models.PositiveSmallIntegerField(_("等级"), default=0)

    class Meta(ReferenceEntry.Meta):
        verbose_name = _("政治安排级别")
        verbose_name_plural = _("政治安排级别")


class TalentKind(ReferenceEntry):
    class Meta(ReferenceEntry.Meta):
        verbose_name = _("优才类别")
        verbose_name_plural = _("优才类别")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Degree(models.TextChoices):
    NONE = "", _("无")
    BACHELOR = "bachelor", _("学士")
    MASTER = "master", _("硕士")
    DOCTOR = "doctor", _("博士")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    TRANSFERRED_OUT = "transferred_out", _("已转出")
    RESIGNED = "resigned", _("退会")
    DECEASED = "deceased", _("去世")
    EXPELLED = "expelled", _("开除")


def _reference_list(to: type[models.Model], verbose_name: Any) -> models.ForeignKey:
    """A member's optional entry of a reference list (sector, education…). Checked by the
    application, not the database: every write resolves it first (forms, services, the
    importer's lookups), PROTECT refuses deleting an entry still in use (Django's collector,
    whatever the constraint), and entries are deactivated rather than deleted. The index stays
    for those PROTECT checks and the filters (docs/decisions/0047-member-indexes.md)."""
    return models.ForeignKey(
        to,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=verbose_name,
        db_constraint=False,
    )


class Member(AuditedModel, ScopedModel):
    """A member's archive. Its indexes are the ones a query uses, each declared once in Meta
    (no ``db_index``/``unique`` on text fields: on PostgreSQL each would add a
    ``varchar_pattern_ops`` twin that no query uses); every index is paid for by every import
    (docs/decisions/0047-member-indexes.md)."""

    scope_path_lookup = "unit__path"
    audit_exclude = (
        "id_number_hash",
        "id_tail_hash",
        "id_number_masked",
        "pinyin_full",
        "pinyin_initials",
        "updated_at",
        "created_at",
    )
    audit_masked = MASK_ID

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("所属组织"),
        db_index=False,  # the (unit, status) index serves every lookup by unit
    )
    member_number = models.CharField(_("会员编号"), max_length=32, null=True, blank=True)
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    ethnicity = _reference_list(Ethnicity, _("民族"))
    birth_date = models.DateField(_("出生日期"), null=True, blank=True, db_index=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True, default="")
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    id_tail_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=24, blank=True, editable=False)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    education = _reference_list(Education, _("学历"))
    degree = models.CharField(_("学位"), max_length=16, choices=Degree.choices, blank=True)
    title = _reference_list(Title, _("职称"))
    sector = _reference_list(Sector, _("界别"))
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    post = models.CharField(_("职务"), max_length=100, blank=True)
    is_talent = models.BooleanField(_("优才"), default=False)
    talent_kind = _reference_list(TalentKind, _("优才类别"))
    join_date = models.DateField(_("入会日期"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=MemberStatus.choices,
        default=MemberStatus.ACTIVE,
    )
    status_date = models.DateField(_("状态日期"), null=True, blank=True)
    photo = models.FileField(_("照片"), upload_to="members/photos/", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
        verbose_name=_("登录账号"),
    )
    pinyin_full = models.CharField(max_length=120, blank=True, editable=False)
    pinyin_initials = models.CharField(max_length=20, blank=True, editable=False)
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        ordering = ["pinyin_full", "id"]
        permissions = [("reveal_id_number", _("查看完整身份证号"))]
        constraints = [
            # Exact lookups only (duplicate checks, the import's batches, member_number = q).
            models.UniqueConstraint(fields=["id_number_hash"], name="member_id_number_hash_uniq"),
            models.UniqueConstraint(fields=["member_number"], name="member_number_uniq"),
        ]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["pinyin_full", "id"]),
            # phone = (portal sign-in) and phone LIKE 'x%' (search) both use the pattern ops.
            models.Index(
                fields=["phone"], name="member_phone_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["name"], name="member_name"),  # name = (introducer lookups)
            models.Index(fields=["id_tail_hash"], name="member_id_tail"),  # last four of the ID
            models.Index(fields=["status"], name="member_status"),  # status lists province-wide
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: datetime.date | None = None) -> int | None:
        if not self.birth_date:
            return None
        day = day or timezone.localdate()
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class NameKey(models.Model):
    """Pinyin search keys of a member's name (full and initials, every reading).

    A derived search index, kept by the members services: each row also carries the member's
    unit and sort key (``pinyin_full``), so a prefix search inside a subtree is answered from
    the index alone and only the members actually shown are read. No database-level foreign
    keys: the rows are rewritten with their member, and a 100,000-row import would otherwise
    pay ~375,000 constraint checks at commit (docs/decisions/0009-search-keys.md).
    """

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="name_keys", db_constraint=False
    )
    key = models.CharField(max_length=64)
    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
        null=True,
    )
    sort_key = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        # A prefix range on key, the subtree's units and the sort key all come from this index.
        indexes = [
            models.Index(fields=["key", "unit", "sort_key", "member"], name="namekey_key_unit_sort")
        ]

    def __str__(self) -> str:
        return self.key


class StatusChange(ScopedModel):
    scope_path_lookup = "member__unit__path"

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("会员")
    )
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=MemberStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=16, choices=MemberStatus.choices)
    date = models.DateField(_("日期"))
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    recorded_by = models.CharField(_("记录人"), max_length=150, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.member} {self.from_status}→{self.to_status} {self.date}"


class Transfer(AuditedModel, ScopedModel):
    """组织关系转接: within the province (start → accept) or across provinces (letter / receipt)."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("省内转接")
        OUT = "out", _("转出外省")
        IN = "in", _("外省转入")

    class State(models.TextChoices):
        PENDING = "pending", _("待接收")
        ACCEPTED = "accepted", _("已完成")
        REJECTED = "rejected", _("已退回")
        CANCELLED = "cancelled", _("已撤销")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("会员")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PENDING)
    from_unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers_out",
        verbose_name=_("转出组织"),
    )
    to_unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers_in",
        verbose_name=_("转入组织"),
    )
    external_org = models.CharField(_("外省组织"), max_length=200, blank=True)
    letter_number = models.CharField(_("介绍信编号"), max_length=50, blank=True)
    letter_date = models.DateField(_("介绍信日期"), null=True, blank=True)
    receipt_date = models.DateField(_("回执日期"), null=True, blank=True)
    reason = models.CharField(_("转接原因"), max_length=300, blank=True)
    started_by = models.CharField(_("发起人"), max_length=150, blank=True)
    started_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    decided_by = models.CharField(_("处理人"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    effective_date = models.DateField(_("生效日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.member} {self.get_kind_display()}"

    @classmethod
    def scope_q(cls, path: str) -> Q:
        return Q(from_unit__path__startswith=path) | Q(to_unit__path__startswith=path)

    def audit_unit_path(self) -> str:
        unit = self.from_unit or self.to_unit
        return unit.path if unit else ""


class PoliticalArrangement(AuditedModel, ScopedModel):
    """人大代表, 政协委员, government posts — with level and term."""

    scope_path_lookup = "member__unit__path"

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="arrangements", verbose_name=_("会员")
    )
    kind = models.ForeignKey(ArrangementKind, on_delete=models.PROTECT, verbose_name=_("类别"))
    level = models.ForeignKey(ArrangementLevel, on_delete=models.PROTECT, verbose_name=_("级别"))
    body = models.CharField(_("届次/机构"), max_length=100, blank=True)
    post = models.CharField(_("职务"), max_length=100, blank=True)
    start_date = models.DateField(_("开始"), null=True, blank=True)
    end_date = models.DateField(_("结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("政治安排")
        verbose_name_plural = _("政治安排")
        ordering = ["-start_date", "id"]

    def __str__(self) -> str:
        return f"{self.level} {self.kind}"


class Officer(AuditedModel, ScopedModel):
    """A unit's officer for a term (主委, 副主委, 委员 …)."""

    class Post(models.TextChoices):
        CHAIR = "chair", _("主委")
        VICE_CHAIR = "vice_chair", _("副主委")
        SECRETARY = "secretary", _("秘书长")
        COMMITTEE = "committee", _("委员")

    scope_path_lookup = "unit__path"

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.CASCADE,
        related_name="officers",
        verbose_name=_("组织"),
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="offices", verbose_name=_("会员")
    )
    post = models.CharField(_("职务"), max_length=16, choices=Post.choices)
    start_date = models.DateField(_("任期开始"))
    end_date = models.DateField(_("任期结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织负责人")
        verbose_name_plural = _("组织负责人")
        ordering = ["unit", "post", "-start_date"]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_post_display()} {self.member}"
