"""Roles are permission groups kept in sync after every migrate (so new apps' permissions join)."""

from __future__ import annotations

from fnmatch import fnmatch

from django.contrib.auth.models import Group, Permission

from grassroots.accounts.models import Role

OWN_APPS_PREFIX = "grassroots."

# Patterns over "app_label.codename"; a leading "-" removes what an earlier pattern granted.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PROVINCE_STAFF: ["*", "-core.delete_auditevent", "-core.change_auditevent"],
    Role.UNIT_STAFF: [
        "*.view_*",
        "*.add_*",
        "*.change_*",
        "-organizations.*unitkind",
        "-core.*",
        "core.view_auditevent",
        "core.view_notification",
        "-accounts.*",
        "accounts.view_user",
        "*.delete_*",
        "-organizations.delete_*",
        "-core.delete_*",
        "-members.delete_member",
        "-members.*_sector",
        "-members.*_education",
        "-members.*_title",
        "-members.*_ethnicity",
        "-members.*_arrangementkind",
        "-members.*_arrangementlevel",
        "-members.*_talentkind",
        "members.view_*",
    ],
    # Branch officers record their branch's daily work: meetings, attendance, visits.
    Role.BRANCH_OFFICER: [
        "*.view_*",
        "-core.view_auditevent",
        "-accounts.*",
        "branches.add_activity",
        "branches.change_activity",
        "branches.add_activityhost",
        "branches.add_attendance",
        "branches.change_attendance",
        "branches.add_activityfile",
        "branches.add_visit",
        "branches.change_visit",
        "branches.add_followup",
        "branches.change_followup",
        # Branches collect dues and issue receipts; the rule and exemptions are set above them.
        "dues.add_payment",
    ],
    Role.LEADER: ["*.view_*", "-accounts.*"],
    Role.MEMBER: [],
}


def permissions_for(role: str, available: list[str]) -> set[str]:
    granted: set[str] = set()
    for pattern in ROLE_PERMISSIONS.get(role, []):
        if pattern.startswith("-"):
            granted -= {p for p in granted if fnmatch(p, pattern[1:])}
        else:
            granted |= {p for p in available if fnmatch(p, pattern)}
    return granted


def sync_role_groups(sender=None, **kwargs) -> None:
    from django.apps import apps

    own_labels = [c.label for c in apps.get_app_configs() if c.name.startswith(OWN_APPS_PREFIX)]
    perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.filter(content_type__app_label__in=own_labels).select_related(
            "content_type"
        )
    }
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = permissions_for(role.value, sorted(perms))
        group.permissions.set([perms[p] for p in wanted])
