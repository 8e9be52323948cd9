"""A branch officer's daily work on a phone: members, activities and attendance, prospects,
applications and the five-izations at a glance — all limited to their branch (``request.branch``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.branches import selectors as branch_selectors
from grassroots.branches import services as branch_services
from grassroots.branches import signups
from grassroots.branches.models import Activity, ActivitySignup, Attendance
from grassroots.core.portal import in_branch, officer_required
from grassroots.members.models import Member, MemberStatus
from grassroots.portal.actors import acting_as_officer
from grassroots.portal.forms import ActivityForm, ProspectForm, apply_errors
from grassroots.recruitment.models import Application, Prospect
from grassroots.recruitment.services import prospect_create


def _actor(request: HttpRequest):
    return acting_as_officer(request.user, request.branch)  # type: ignore[attr-defined]


# --- members ---------------------------------------------------------------------------------


@officer_required
def members(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()
    rows = in_branch(Member.objects.all(), request.branch).filter(  # type: ignore[attr-defined]
        status=MemberStatus.ACTIVE
    )
    if q:
        rows = rows.filter(
            Q(name__contains=q) | Q(pinyin_full__startswith=q.lower()) | Q(phone__startswith=q)
        )
    rows = rows.select_related("unit").order_by("pinyin_full", "id")
    return render(
        request,
        "portal/officer/members.html",
        {"rows": rows[:200], "total": rows.count(), "q": q},
    )


@officer_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = (
        in_branch(Member.objects.all(), request.branch)  # type: ignore[attr-defined]
        .select_related("unit", "education", "title", "sector")
        .filter(pk=pk)
        .first()
    )
    if member is None:
        raise Http404
    return render(request, "portal/officer/member.html", {"m": member})


# --- activities and attendance ---------------------------------------------------------------


def _branch_activities(request: HttpRequest):
    branch = request.branch  # type: ignore[attr-defined]
    return Activity.objects.filter(Activity.scope_q(branch.path))


@officer_required
def activities(request: HttpRequest) -> HttpResponse:
    rows = _branch_activities(request).select_related("kind", "lead_unit").order_by("-starts_at")
    return render(request, "portal/officer/activities.html", {"rows": rows[:50]})


@officer_required
def activity_new(request: HttpRequest) -> HttpResponse:
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = _actor(request)
        try:
            activity = branch_services.activity_create(
                kind=data["kind"],
                topic=data["topic"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                lead_unit=request.branch,  # type: ignore[attr-defined]
                place=data["place"],
                minutes=data["minutes"],
                hours=data["hours"],
                organizer=getattr(request.user, "full_name", "") or request.user.get_username(),
                actor=actor,
            )
            if data["open_signup"]:
                signups.opening_set(activity=activity, actor=actor)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("活动已登记。"))
            return HttpResponseRedirect(reverse("portal-officer-activity", args=[activity.pk]))
    return render(request, "portal/officer/activity_new.html", {"form": form})


@officer_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Attendance of the branch's members, the sign-up list and the check-in QR code."""
    branch = request.branch  # type: ignore[attr-defined]
    activity = _branch_activities(request).select_related("kind", "lead_unit").filter(pk=pk).first()
    if activity is None:
        raise Http404
    actor = _actor(request)
    roster = list(
        in_branch(Member.objects.all(), branch)
        .filter(status=MemberStatus.ACTIVE)
        .select_related("unit")
        .order_by("pinyin_full", "id")
    )
    if request.method == "POST":
        return _activity_post(request, activity, roster, actor)
    statuses = dict(
        Attendance.objects.filter(activity=activity, member__in=roster).values_list(
            "member_id", "status"
        )
    )
    signed = set(
        ActivitySignup.objects.filter(
            activity=activity, status=ActivitySignup.Status.SIGNED_UP, member__in=roster
        ).values_list("member_id", flat=True)
    )
    opening = getattr(activity, "opening", None)
    qr_svg = checkin_url = None
    if opening is not None:
        checkin_url = request.build_absolute_uri(
            reverse("portal-checkin", args=[opening.checkin_token])
        )
        qr_svg = signups.checkin_qr_svg(checkin_url)
    rows = [(m, statuses.get(m.pk, ""), m.pk in signed) for m in roster]
    return render(
        request,
        "portal/officer/activity.html",
        {
            "a": activity,
            "rows": rows,
            "statuses": Attendance.Status.choices,
            "opening": opening,
            "qr_svg": qr_svg,
            "checkin_url": checkin_url,
            "attended": sum(1 for s in statuses.values() if s == Attendance.Status.ATTENDED),
            "is_lead": activity.lead_unit.path.startswith(branch.path),
        },
    )


def _activity_post(request: HttpRequest, activity: Activity, roster: list[Member], actor):
    action = request.POST.get("action")
    target = reverse("portal-officer-activity", args=[activity.pk])
    if action == "open":
        try:
            signups.opening_set(activity=activity, actor=actor)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已开放报名和扫码签到。"))
        return HttpResponseRedirect(target)
    if action != "attendance":
        raise Http404
    valid = set(Attendance.Status.values)
    changed = 0
    errors: list[str] = []
    existing = dict(
        Attendance.objects.filter(activity=activity, member__in=roster).values_list(
            "member_id", "status"
        )
    )
    for member in roster:
        status = request.POST.get(f"m{member.pk}", "")
        if not status or status == existing.get(member.pk):
            continue
        if status not in valid:
            errors.append(_("%(name)s：出席情况无效") % {"name": member.name})
            continue
        try:
            branch_services.attendance_record(
                activity=activity, member=member, status=status, actor=actor
            )
            changed += 1
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            errors.append(f"{member.name}：{text}")
    if errors:
        messages.error(request, "；".join(errors))
    messages.success(request, _("已保存%(n)d人的出席情况。") % {"n": changed})
    return HttpResponseRedirect(target)


# --- prospects and applications --------------------------------------------------------------


@officer_required
def prospects(request: HttpRequest) -> HttpResponse:
    branch = request.branch  # type: ignore[attr-defined]
    form = ProspectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "note" and v}
        try:
            prospect_create(
                unit=branch,
                data=data,
                actor=_actor(request),
                recruiter=request.member,  # type: ignore[attr-defined]
                source=_("支部推荐"),
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, ValidationError):
                apply_errors(form, exc)
            else:
                form.add_error(None, str(exc))
        else:
            messages.success(request, _("已推荐，市委会将跟进培养。"))
            return HttpResponseRedirect(reverse("portal-officer-prospects"))
    rows = in_branch(Prospect.objects.all(), branch).order_by("-created_at")[:100]
    return render(request, "portal/officer/prospects.html", {"form": form, "rows": rows})


@officer_required
def applications(request: HttpRequest) -> HttpResponse:
    rows = (
        in_branch(Application.objects.all(), request.branch)  # type: ignore[attr-defined]
        .select_related("stage", "unit")
        .order_by("state", "-id")
    )
    return render(request, "portal/officer/applications.html", {"rows": rows[:200]})


@officer_required
def five_izations(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    panel = branch_selectors.five_izations(
        unit=request.branch,  # type: ignore[attr-defined]
        year=year,
        user=_actor(request),
    )
    return render(request, "portal/officer/five.html", {"p": panel, "year": year})
