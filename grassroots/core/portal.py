"""The member portal's contract: who may open a portal page, and how apps add pages to it.

Any app listed in GRASSROOTS_APPS may ship ``grassroots/<app>/portal.py`` with

    PREFIX = "notices"                     # mounted at /m/notices/
    urlpatterns = [path("", views.index, name="portal-notices")]   # namespace-free, unique names
    MENU = [PortalEntry(label=_("通知"), url_name="portal-notices", icon="campaign", order=20)]

The portal app collects them (as the console collects nav.py and the API collects api.py), shows
MENU entries on the portal home and in the bottom bar, and templates extend ``portal/base.html``
(blocks ``title`` and ``content``). Views are decorated with ``member_required`` (a signed-in
member; sets ``request.member``) or ``officer_required`` (a branch officer; sets
``request.branch`` and ``request.member``, which is None for an officer account with no member
record). What a portal page shows is decided from ``request.member`` / ``request.branch``, never
from the console's staff scope: a member sees only themselves and what is addressed to them, an
officer also their branch, and every other object answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

LOGIN_URL_NAME = "portal-login"
PASSWORD_URL_NAME = "portal-password"

# Values of members.MemberStatus and organizations.UnitKind.Level, named here because core sits
# below those apps and may not import them.
ACTIVE_STATUS = "active"
GRASSROOTS_LEVEL = 4
BRANCH_OFFICER_ROLE = "branch-officer"


@dataclass
class PortalEntry:
    """One tile on the portal home (and in the bottom bar when ``bottom`` is set)."""

    label: Any
    url_name: str
    icon: str = "apps"  # a Material Symbols name (the font ships with the console, served locally)
    badge: Callable[[HttpRequest], int | None] | None = None
    order: int = 50
    bottom: bool = False
    officer_only: bool = False


def portal_member(user: Any) -> Any | None:
    """The active member record linked to a signed-in account, or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        member = user.member
    except Exception:  # RelatedObjectDoesNotExist: the account has no member record
        return None
    return member if member is not None and member.status == ACTIVE_STATUS else None


def portal_branch(user: Any, member: Any | None = None) -> Any | None:
    """The branch a user looks after in the portal, or None.

    A branch-officer account with a unit looks after that unit; otherwise a member who holds a
    current office (主委, 副主委, 委员 …) in a grassroots unit looks after that unit (the most
    recent term when there are several).
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if getattr(user, "role", "") == BRANCH_OFFICER_ROLE and getattr(user, "unit_id", None):
        return user.unit
    member = member if member is not None else portal_member(user)
    if member is None:
        return None
    today = timezone.localdate()
    office = (
        member.offices.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today),
            start_date__lte=today,
            unit__kind__level=GRASSROOTS_LEVEL,
            unit__is_active=True,
        )
        .select_related("unit")
        .order_by("-start_date", "-id")
        .first()
    )
    return office.unit if office else None


def in_branch(queryset: QuerySet, branch: Any) -> QuerySet:
    """Rows of a scoped model that belong to the branch (and any unit under it)."""
    return queryset.filter(queryset.model.scope_q(branch.path))  # type: ignore[attr-defined]


def _gate(request: HttpRequest) -> HttpResponse | None:
    """Anonymous → sign-in page; a password still to be changed → the change page."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(LOGIN_URL_NAME)}?{query}")
    if getattr(user, "must_change_password", False):
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(PASSWORD_URL_NAME)}?{query}")
    return None


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A signed-in account linked to an active member; sets ``request.member``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        redirect = _gate(request)
        if redirect is not None:
            return redirect
        member = portal_member(request.user)
        if member is None:
            raise Http404
        request.member = member  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def officer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A signed-in branch officer; sets ``request.branch`` and ``request.member`` (may be None)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        redirect = _gate(request)
        if redirect is not None:
            return redirect
        member = portal_member(request.user)
        branch = portal_branch(request.user, member)
        if branch is None:
            raise Http404
        request.member = member  # type: ignore[attr-defined]
        request.branch = branch  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def portal_user_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A member or a branch officer (the portal home); sets both attributes, either may be None."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        redirect = _gate(request)
        if redirect is not None:
            return redirect
        member = portal_member(request.user)
        branch = portal_branch(request.user, member)
        if member is None and branch is None:
            raise Http404
        request.member = member  # type: ignore[attr-defined]
        request.branch = branch  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
