"""A member's own pages: profile, branch, sign-ups and check-in, submissions, training, archive.

Every object is looked up through the signed-in member (``request.member``): a sign-up, a
submission or an introduction of somebody else answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grassroots.branches import signups
from grassroots.branches.models import (
    Activity,
    ActivitySignup,
    Attendance,
    TrainingCourse,
    ancestor_paths,
)
from grassroots.core.portal import member_required
from grassroots.evaluation.selectors import member_archive
from grassroots.members.models import Officer
from grassroots.platforms.models import InformationPiece, Proposal
from grassroots.platforms.selectors import member_contributions
from grassroots.platforms.services.common import Credit
from grassroots.platforms.services.information import information_create
from grassroots.platforms.services.proposals import proposal_create
from grassroots.portal import services
from grassroots.portal.actors import acting_as
from grassroots.portal.forms import (
    ContactForm,
    CoreChangeForm,
    InformationForm,
    ProposalForm,
    apply_errors,
)
from grassroots.portal.models import ProfileChangeRequest
from grassroots.recruitment.models import Application, Introducer
from grassroots.recruitment.services import introducer_confirm


def _year(request: HttpRequest) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or this_year)
    except ValueError:
        return this_year
    return year if 2000 <= year <= this_year + 1 else this_year


# --- profile ---------------------------------------------------------------------------------


@member_required
def profile(request: HttpRequest) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    contact = ContactForm(initial={"phone": member.phone, "email": member.email})
    core = CoreChangeForm(member=member)
    if request.method == "POST":
        if request.POST.get("form") == "contact":
            contact = ContactForm(request.POST)
            if contact.is_valid():
                try:
                    services.profile_contact_update(
                        member=member, actor=request.user, **contact.cleaned_data
                    )
                except ValidationError as exc:
                    apply_errors(contact, exc)
                else:
                    messages.success(request, _("联系方式已更新。"))
                    return HttpResponseRedirect(reverse("portal-profile"))
        elif request.POST.get("form") == "core":
            core = CoreChangeForm(request.POST, member=member)
            if core.is_valid():
                data = {k: v for k, v in core.cleaned_data.items() if k != "reason"}
                try:
                    services.profile_change_request(
                        member=member, data=data, reason=core.cleaned_data["reason"]
                    )
                except ValidationError as exc:
                    apply_errors(core, exc)
                else:
                    messages.success(request, _("变更申请已提交，组织工作人员审核通过后生效。"))
                    return HttpResponseRedirect(reverse("portal-profile"))
    requests = ProfileChangeRequest.objects.filter(member=member)[:5]
    return render(
        request,
        "portal/profile.html",
        {
            "m": member,
            "contact": contact,
            "core": core,
            "requests": requests,
            "pending": any(r.status == ProfileChangeRequest.Status.PENDING for r in requests),
        },
    )


@member_required
@require_POST
def change_request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(ProfileChangeRequest, pk=pk, member=request.member)  # type: ignore[attr-defined]
    try:
        services.profile_change_withdraw(request=change, member=request.member)  # type: ignore[attr-defined]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已撤回变更申请。"))
    return HttpResponseRedirect(reverse("portal-profile"))


# --- my branch -------------------------------------------------------------------------------


@member_required
def my_branch(request: HttpRequest) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    today = timezone.localdate()
    units = list(member.unit.ancestors(include_self=True).order_by("-depth"))
    officers = (
        Officer.objects.filter(unit__in=units, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("member", "unit")
        .order_by("-unit__depth", "post", "member__pinyin_full")
    )
    by_unit: dict[int, list[Officer]] = {}
    for officer in officers:
        by_unit.setdefault(officer.unit_id, []).append(officer)
    return render(
        request,
        "portal/branch.html",
        {"units": [(u, by_unit.get(u.pk, [])) for u in units], "unit": member.unit},
    )


# --- activities: sign-up and check-in --------------------------------------------------------


def _my_activity(request: HttpRequest, pk: int) -> Activity:
    """An activity hosted by the member's unit or a unit above it; anything else is a 404."""
    member = request.member  # type: ignore[attr-defined]
    activity = (
        Activity.objects.filter(signups.hosted_for_member(member), pk=pk)
        .select_related("kind", "lead_unit")
        .first()
    )
    if activity is None:
        raise Http404
    return activity


@member_required
def activities(request: HttpRequest) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    mine = list(signups.signups_of(member)[:30])
    signed = {s.activity_id for s in mine if s.status == ActivitySignup.Status.SIGNED_UP}
    attended = set(
        Attendance.objects.filter(
            member=member,
            activity_id__in=[s.activity_id for s in mine],
            status=Attendance.Status.ATTENDED,
        ).values_list("activity_id", flat=True)
    )
    return render(
        request,
        "portal/activities.html",
        {
            "open": list(signups.open_for_member(member)[:50]),
            "mine": mine,
            "signed": signed,
            "attended": attended,
            "now": timezone.now(),
        },
    )


@member_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    activity = _my_activity(request, pk)
    opening = getattr(activity, "opening", None)
    signup = ActivitySignup.objects.filter(activity=activity, member=member).first()
    attendance = Attendance.objects.filter(activity=activity, member=member).first()
    taken = activity.signups.filter(status=ActivitySignup.Status.SIGNED_UP).count()
    can_sign_up = signups.signup_refusal(opening, member) is None and not (
        signup and signup.status == ActivitySignup.Status.SIGNED_UP
    )
    return render(
        request,
        "portal/activity.html",
        {
            "a": activity,
            "opening": opening,
            "signup": signup,
            "attendance": attendance,
            "taken": taken,
            "full": bool(opening and opening.capacity is not None and taken >= opening.capacity),
            "can_sign_up": can_sign_up,
            "can_cancel": signup is not None
            and signup.status == ActivitySignup.Status.SIGNED_UP
            and timezone.now() < activity.starts_at,
        },
    )


@member_required
@require_POST
def activity_signup(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _my_activity(request, pk)
    try:
        signups.signup_create(activity=activity, member=request.member)  # type: ignore[attr-defined]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("报名成功。"))
    return HttpResponseRedirect(reverse("portal-activity", args=[activity.pk]))


@member_required
@require_POST
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _my_activity(request, pk)
    signup = get_object_or_404(ActivitySignup, activity=activity, member=request.member)  # type: ignore[attr-defined]
    try:
        signups.signup_cancel(signup=signup)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已取消报名。"))
    return HttpResponseRedirect(reverse("portal-activity", args=[activity.pk]))


@member_required
def check_in(request: HttpRequest, token: str) -> HttpResponse:
    """Opened by scanning the activity's QR code: records attendance once, says what happened."""
    try:
        result = signups.checkin_record(token=token, member=request.member)  # type: ignore[attr-defined]
    except signups.CheckInRefused as refused:
        return render(
            request,
            "portal/check_in.html",
            {"ok": False, "message": refused.message, "a": refused.activity},
        )
    return render(
        request,
        "portal/check_in.html",
        {
            "ok": True,
            "already": result.already,
            "a": result.activity,
            "attendance": result.attendance,
        },
    )


# --- submissions -----------------------------------------------------------------------------


@member_required
def submissions(request: HttpRequest) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    proposals = (
        Proposal.objects.filter(authors__member=member)
        .select_related("kind")
        .distinct()
        .order_by("-created_at")[:50]
    )
    pieces = (
        InformationPiece.objects.filter(authors__member=member)
        .distinct()
        .order_by("-submitted_on", "-id")[:50]
    )
    return render(request, "portal/submissions.html", {"proposals": proposals, "pieces": pieces})


@member_required
def submit(request: HttpRequest, kind: str) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    if kind not in ("proposal", "information"):
        raise Http404
    form_class = ProposalForm if kind == "proposal" else InformationForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        authors = [Credit(member=member)]
        record: Proposal | InformationPiece
        try:
            if kind == "proposal":
                record = proposal_create(
                    actor=request.user,
                    kind=data["kind"],
                    title=data["title"],
                    body=data["body"],
                    authors=authors,
                    submit=True,
                )
            else:
                record = information_create(
                    actor=request.user, title=data["title"], body=data["body"], authors=authors
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已提交，可在此查看办理进度。"))
            return HttpResponseRedirect(reverse("portal-submission", args=[kind, record.pk]))
    return render(request, "portal/submit.html", {"form": form, "kind": kind})


@member_required
def submission_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    record: Proposal | InformationPiece | None
    if kind == "proposal":
        record = (
            Proposal.objects.filter(authors__member=member, pk=pk)
            .select_related("kind", "adoption_level")
            .first()
        )
    elif kind == "information":
        record = (
            InformationPiece.objects.filter(authors__member=member, pk=pk)
            .prefetch_related("adoptions__level")
            .first()
        )
    else:
        record = None
    if record is None:
        raise Http404
    return render(request, "portal/submission.html", {"r": record, "kind": kind})


# --- training and archive --------------------------------------------------------------------


@member_required
def training(request: HttpRequest) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    year = _year(request)
    rows = (
        Attendance.objects.filter(member=member, date__year=year)
        .select_related("activity", "activity__kind", "activity__course")
        .order_by("-date")
    )
    attended = rows.filter(status=Attendance.Status.ATTENDED)
    training_hours = attended.filter(activity__kind__is_training=True).aggregate(h=Sum("hours"))[
        "h"
    ] or Decimal(0)
    all_hours = attended.aggregate(h=Sum("hours"))["h"] or Decimal(0)
    courses = (
        TrainingCourse.objects.filter(year=year, unit__path__in=ancestor_paths(member.unit.path))
        .select_related("unit", "kind")
        .order_by("-is_mandatory", "title")
    )
    attended_courses = set(attended.values_list("activity__course_id", flat=True))
    return render(
        request,
        "portal/training.html",
        {
            "year": year,
            "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
            "rows": rows,
            "training_hours": training_hours,
            "all_hours": all_hours,
            "attended_count": attended.count(),
            "courses": [(c, c.pk in attended_courses) for c in courses],
        },
    )


@member_required
def archive(request: HttpRequest) -> HttpResponse:
    member = request.member  # type: ignore[attr-defined]
    year = _year(request)
    # The archive's evaluations are read with the member's own unit as scope; the selector
    # filters them to this member.
    data = member_archive(member=member, year=year, user=acting_as(request.user, member.unit))
    return render(
        request,
        "portal/archive.html",
        {
            "year": year,
            "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
            "archive": data,
            "contributions": member_contributions(member, year),
        },
    )


# --- introductions ---------------------------------------------------------------------------


def _my_introductions(request: HttpRequest):
    return (
        Introducer.objects.filter(member=request.member)  # type: ignore[attr-defined]
        .select_related("application", "application__unit", "application__stage")
        .order_by("confirmed_at", "-application__id")
    )


def pending_introductions(request: HttpRequest) -> int | None:
    member = getattr(request, "member", None)
    if member is None:
        return None
    n = (
        Introducer.objects.filter(member=member, confirmed_at__isnull=True)
        .exclude(application__state__in=[Application.State.REJECTED, Application.State.WITHDRAWN])
        .count()
    )
    return n or None


@member_required
def introductions(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/introductions.html", {"rows": _my_introductions(request)})


@member_required
def introduction_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    row = _my_introductions(request).filter(pk=pk).first()
    if row is None:
        raise Http404
    if request.method == "POST":
        try:
            introducer_confirm(
                introducer=row, actor=request.user, note=request.POST.get("note", "")[:300]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已确认作为介绍人。"))
            return HttpResponseRedirect(reverse("portal-introductions"))
    return render(request, "portal/introduction.html", {"row": row, "app": row.application})
