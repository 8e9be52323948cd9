"""Notices, their attachments and per-member receipts; member tags; units' QQ/WeChat groups."""

from __future__ import annotations

import uuid

from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.accounts.models import Role
from grassroots.core.audit import AuditedModel
from grassroots.core.scope import ScopedModel

# Reply choices are typed by staff separated by any of these.
CHOICE_SEPARATORS = "、,，;；/|\n"


def split_choices(text: str) -> list[str]:
    """ "参加、请假" -> ["参加", "请假"] (blank and repeated entries dropped, order kept)."""
    for sep in CHOICE_SEPARATORS:
        text = text.replace(sep, "\n")
    return list(dict.fromkeys(part.strip() for part in text.split("\n") if part.strip()))


class MemberTag(AuditedModel, ScopedModel):
    """A label staff put on members (e.g. 青年会员, 骨干) to address notices to them."""

    scope_path_lookup = "unit__path"

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="member_tags",
        verbose_name=_("所属组织"),
    )
    name = models.CharField(_("标签名称"), max_length=50)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    members = models.ManyToManyField(
        "members.Member",
        through="MemberTagging",
        related_name="notice_tags",
        blank=True,
        verbose_name=_("会员"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("会员标签")
        verbose_name_plural = _("会员标签")
        ordering = ["unit__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="notices_tag_unique_name")
        ]

    def __str__(self) -> str:
        return str(self.name)


class MemberTagging(ScopedModel):
    """One member carrying one tag."""

    scope_path_lookup = "tag__unit__path"

    tag = models.ForeignKey(
        MemberTag, on_delete=models.CASCADE, related_name="taggings", verbose_name=_("标签")
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="notice_taggings",
        verbose_name=_("会员"),
    )
    tagged_at = models.DateTimeField(_("添加时间"), default=timezone.now)
    tagged_by = models.CharField(_("添加人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("标签成员")
        verbose_name_plural = _("标签成员")
        ordering = ["-tagged_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tag", "member"], name="notices_tagging_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tag}: {self.member}"


class Notice(AuditedModel, ScopedModel):
    """A notice written by staff of a unit and addressed to members of that unit's subtree."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤回")

    scope_path_lookup = "unit__path"
    audit_exclude = ("recipient_count",)

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name=_("发布组织"),
        help_text=_("通知只能发给本组织及下级组织的会员"),
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    reply_required = models.BooleanField(_("需要回执"), default=False)
    reply_choices = models.CharField(
        _("回执选项"),
        max_length=200,
        blank=True,
        help_text=_("以顿号分隔，例如：参加、请假"),
    )
    deadline = models.DateTimeField(_("回执截止时间"), null=True, blank=True)
    target_units = models.ManyToManyField(
        "organizations.Unit",
        related_name="+",
        blank=True,
        verbose_name=_("发送组织（含下级）"),
    )
    target_roles = models.JSONField(_("发送角色"), default=list, blank=True)
    target_tags = models.ManyToManyField(
        MemberTag, related_name="notices", blank=True, verbose_name=_("发送标签")
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.DRAFT, db_index=True
    )
    created_by = models.CharField(_("起草人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now, editable=False)
    published_by = models.CharField(_("发布人"), max_length=150, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    recipient_count = models.PositiveIntegerField(_("接收人数"), default=0)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-published_at", "-created_at", "-id"]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def choices(self) -> list[str]:
        return split_choices(self.reply_choices)

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    def reply_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.reply_required and (self.deadline is None or now <= self.deadline)

    def role_labels(self) -> list[str]:
        names = dict(Role.choices)
        return [str(names.get(r, r)) for r in self.target_roles]


def attachment_path(instance: NoticeAttachment, filename: str) -> str:
    # A random directory: uploads may be served by the proxy, so names must not be guessable.
    return f"notices/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


def group_qr_path(instance: UnitGroup, filename: str) -> str:
    return f"notices/groups/{uuid.uuid4().hex}/{filename}"


ATTACHMENT_EXTENSIONS = [
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "wps",
    "et",
    "txt",
    "jpg",
    "jpeg",
    "png",
    "zip",
    "rar",
    "7z",
]


class NoticeAttachment(ScopedModel):
    """A file sent with a notice; downloaded only by the notice's recipients and its staff."""

    scope_path_lookup = "notice__unit__path"

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("通知")
    )
    file = models.FileField(
        _("文件"),
        upload_to=attachment_path,
        max_length=255,
        validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS)],
    )
    name = models.CharField(_("文件名"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or self.file.name or ""

    def save(self, *args, **kwargs):
        if self.file and not self.name:
            self.name = self.file.name.rsplit("/", 1)[-1][:200]
        if self.file and not self.size:
            try:
                self.size = self.file.size
            except (OSError, ValueError):
                self.size = 0
        super().save(*args, **kwargs)


class NoticeReminder(ScopedModel):
    """One reminder round: the unread recipients it claimed point at it."""

    scope_path_lookup = "notice__unit__path"

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("通知")
    )
    sent_at = models.DateTimeField(_("提醒时间"), default=timezone.now)
    sent_by = models.CharField(_("提醒人"), max_length=150, blank=True)
    recipient_count = models.PositiveIntegerField(_("提醒人数"), default=0)
    delivered_at = models.DateTimeField(_("送达处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("未读提醒")
        verbose_name_plural = _("未读提醒")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.notice} @ {self.sent_at:%Y-%m-%d %H:%M}"


class NoticeRecipient(ScopedModel):
    """A member a notice was addressed to: read receipt, reply, and what was delivered when.

    ``unit`` is the member's unit when the notice was published, so read rates stay those of
    the units addressed even after a member moves.
    """

    scope_path_lookup = "notice__unit__path"

    # No single-column indexes on notice and member: the unique (notice, member) and the
    # (member, read_at) indexes lead with them, and every index slows the bulk insert.
    notice = models.ForeignKey(
        Notice,
        on_delete=models.CASCADE,
        related_name="recipients",
        verbose_name=_("通知"),
        db_index=False,
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.CASCADE,
        related_name="notice_receipts",
        verbose_name=_("会员"),
        db_index=False,
    )
    unit = models.ForeignKey(
        "organizations.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织")
    )
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    reply_choice = models.CharField(_("回执"), max_length=50, blank=True)
    reply_comment = models.CharField(_("回执备注"), max_length=500, blank=True)
    replied_at = models.DateTimeField(_("回执时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    texted_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True)
    reminder = models.ForeignKey(
        NoticeReminder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recipients",
        verbose_name=_("最近提醒"),
    )
    reminded_at = models.DateTimeField(_("最近提醒时间"), null=True, blank=True)
    remind_count = models.PositiveSmallIntegerField(_("提醒次数"), default=0)

    class Meta:
        verbose_name = _("通知接收人")
        verbose_name_plural = _("通知接收人")
        constraints = [
            models.UniqueConstraint(fields=["notice", "member"], name="notices_recipient_unique")
        ]
        indexes = [
            models.Index(fields=["member", "read_at"], name="notices_rcpt_member_read"),
            models.Index(fields=["notice", "unit"], name="notices_rcpt_notice_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.notice} → {self.member}"


class UnitGroup(AuditedModel, ScopedModel):
    """A unit's QQ or WeChat group, as staff entered it, shown to the unit's members."""

    class Platform(models.TextChoices):
        WECHAT = "wechat", _("微信群")
        QQ = "qq", _("QQ群")

    scope_path_lookup = "unit__path"

    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.CASCADE,
        related_name="contact_groups",
        verbose_name=_("组织"),
    )
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    name = models.CharField(_("群名称"), max_length=100)
    number = models.CharField(
        _("群号"), max_length=50, blank=True, help_text=_("QQ群号；微信群可留空")
    )
    qr_image = models.ImageField(
        _("群二维码"),
        upload_to=group_qr_path,
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "gif", "webp"])],
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("群组信息")
        verbose_name_plural = _("群组信息")
        ordering = ["unit__path", "order", "id"]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.name}"
