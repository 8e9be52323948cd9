"""The members' notice pages in the portal (/m/notices/): list, read and reply, files, groups.

A member reaches only notices addressed to them and groups of their own unit (and the units
above it); every other id answers 404.
"""

from __future__ import annotations

import mimetypes

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from grassroots.core.portal import member_required
from grassroots.notices import selectors, services

PAGE_SIZE = 30


class ReplyForm(forms.Form):
    choice = forms.ChoiceField(label=_("回执"), widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("备注"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("选填，例如请假原因")}),
    )

    def __init__(self, *args, choices: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [(c, c) for c in choices]  # type: ignore[attr-defined]


@member_required
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = selectors.notices_for_member(request.member)  # type: ignore[attr-defined]
    try:
        page = max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        page = 1
    start = (page - 1) * PAGE_SIZE
    items = list(notices[start : start + PAGE_SIZE + 1])
    return render(
        request,
        "notices/portal/list.html",
        {
            "notices": items[:PAGE_SIZE],
            "page": page,
            "has_next": len(items) > PAGE_SIZE,
            "unread": selectors.unread_count(request.member),  # type: ignore[attr-defined]
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    notice = selectors.notice_for_member_or_404(member, notice_id)
    receipt = services.notice_mark_read(notice=notice, member=member)
    form = None
    if notice.reply_required:
        initial = {"choice": receipt.reply_choice, "comment": receipt.reply_comment}
        form = ReplyForm(
            request.POST if request.method == "POST" else None,
            choices=notice.choices,
            initial=initial,
        )
        if request.method == "POST" and form.is_valid() and notice.reply_open():
            try:
                services.notice_reply(
                    notice=notice,
                    member=member,
                    choice=form.cleaned_data["choice"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                for text in exc.messages:
                    form.add_error(None, text)
            else:
                messages.success(
                    request, gettext("回执已提交：%(c)s") % {"c": form.cleaned_data["choice"]}
                )
                return HttpResponseRedirect(reverse("portal-notice", args=[notice.pk]))
    elif request.method == "POST":
        raise Http404
    receipt.refresh_from_db()
    return render(
        request,
        "notices/portal/detail.html",
        {
            "notice": notice,
            "receipt": receipt,
            "form": form,
            "reply_open": notice.reply_open(),
            "attachments": list(notice.attachments.all()),
        },
    )


@member_required
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = selectors.attachment_for_member_or_404(
        request.member,  # type: ignore[attr-defined]
        attachment_id,
    )
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    kind = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=attachment.name, content_type=kind)
    response["Cache-Control"] = "private, no-store"
    return response  # type: ignore[return-value]


@member_required
def groups(request: HttpRequest) -> HttpResponse:
    found = list(selectors.groups_for_member(request.member))  # type: ignore[attr-defined]
    return render(request, "notices/portal/groups.html", {"groups": found})


@member_required
def group_qr(request: HttpRequest, group_id: int) -> HttpResponse:
    """A group's QR image, for members of the group's unit or of a unit below it only."""
    group = (
        selectors.groups_for_member(request.member)  # type: ignore[attr-defined]
        .filter(pk=group_id)
        .first()
    )
    if group is None or not group.qr_image:
        raise Http404
    try:
        handle = group.qr_image.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    kind = mimetypes.guess_type(group.qr_image.name or "")[0] or "image/png"
    response = FileResponse(handle, content_type=kind)
    response["Cache-Control"] = "private, max-age=300"
    return response  # type: ignore[return-value]
