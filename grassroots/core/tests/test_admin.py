"""Core console: the audit log is browsable, filterable, scoped and strictly read-only;
notifications are each person's own, with a bell in the header."""

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.core.models import AuditEvent, Notification
from grassroots.core.notifications import notification_send
from grassroots.members.tests.factories import create_member

pytestmark = pytest.mark.django_db


def login(client, province, who):
    client.force_login(province.users[who])
    return client


@pytest.fixture
def members(province):
    return create_member(province.branch_a1, name="长沙甲"), create_member(
        province.branch_b1, name="株洲乙"
    )


@pytest.mark.parametrize("who", ["province", "city_a"])
def test_audit_pages_render(client, province, members, who):
    login(client, province, who)
    response = client.get(reverse("admin:core_auditevent_changelist"))
    assert response.status_code == 200
    event = AuditEvent.objects.filter(object_repr="长沙甲").first()
    assert client.get(reverse("admin:core_auditevent_change", args=[event.pk])).status_code == 200


def test_audit_is_scoped(client, province, members):
    login(client, province, "city_a")
    shown = client.get(reverse("admin:core_auditevent_changelist")).context["cl"].result_list
    reprs = {e.object_repr for e in shown}
    assert "长沙甲" in reprs and "株洲乙" not in reprs
    outside = AuditEvent.objects.filter(object_repr="株洲乙").first()
    assert client.get(reverse("admin:core_auditevent_change", args=[outside.pk])).status_code == 404


def test_audit_filters(client, province, members):
    login(client, province, "province")
    url = reverse("admin:core_auditevent_changelist")
    created = client.get(url, {"action": "create", "object_type__icontains": "members.member"})
    events = list(created.context["cl"].result_list)
    assert events and all(
        e.action == "create" and e.object_type == "members.member" for e in events
    )
    by_actor = client.get(url, {"actor_username__icontains": "nobody-at-all"})
    assert list(by_actor.context["cl"].result_list) == []
    by_system = client.get(url, {"actor_username__icontains": "system"})
    assert {e.actor_username for e in by_system.context["cl"].result_list} == {"system"}
    dated = client.get(url, {"occurred_at_from": "2000-01-01", "occurred_at_to": "2000-01-02"})
    assert dated.status_code == 200 and list(dated.context["cl"].result_list) == []
    today = timezone.localdate().isoformat()
    today_events = client.get(url, {"occurred_at_from": today, "occurred_at_to": today})
    visible = AuditEvent.objects.visible_to(province.users["province"]).count()
    assert len(today_events.context["cl"].result_list) == visible > 0


@pytest.mark.parametrize("who", ["province", "admin"])
def test_audit_is_read_only_even_for_superuser(client, province, members, who):
    login(client, province, who)
    event = AuditEvent.objects.first()
    before = (event.object_repr, event.changes)
    assert client.get(reverse("admin:core_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:core_auditevent_delete", args=[event.pk])).status_code == 403
    change = reverse("admin:core_auditevent_change", args=[event.pk])
    assert client.post(change, {"object_repr": "forged"}).status_code == 403
    response = client.post(
        reverse("admin:core_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk]},
    )
    event.refresh_from_db()
    assert (event.object_repr, event.changes) == before
    assert response.status_code in (200, 302)
    page = client.get(change).content.decode()
    assert 'type="submit" name="_save"' not in page


def test_branch_officer_has_no_audit_log(client, province):
    assert (
        login(client, province, "branch_a1")
        .get(reverse("admin:core_auditevent_changelist"))
        .status_code
        == 403
    )


@pytest.mark.parametrize("who", ["province", "city_a"])
def test_notifications_are_ones_own_and_the_bell_counts_unread(client, province, who):
    me, other = province.users[who], province.users["city_b"]
    notification_send(recipients=[me, me], title="待审核申请", url="/admin/")
    notification_send(recipients=[other], title="别人的通知")
    login(client, province, who)
    response = client.get(reverse("admin:core_notification_changelist"))
    assert response.status_code == 200
    assert [n.title for n in response.context["cl"].result_list] == ["待审核申请"] * 2
    html = response.content.decode()
    assert 'id="notification-bell"' in html and 'data-unread="2"' in html
    foreign = Notification.objects.get(recipient=other)
    for name in ("admin:core_notification_change", "admin:core_notification_open"):
        assert client.get(reverse(name, args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_superuser_also_sees_only_own_notifications(client, province):
    notification_send(recipients=[province.users["city_b"]], title="别人的通知")
    response = login(client, province, "admin").get(reverse("admin:core_notification_changelist"))
    assert list(response.context["cl"].result_list) == []


def test_mark_read_action_and_open(client, province):
    me = province.users["city_a"]
    notification_send(recipients=[me, me], title="待办", url="/admin/members/member/")
    first, second = Notification.objects.filter(recipient=me)
    login(client, province, "city_a")
    response = client.post(
        reverse("admin:core_notification_changelist"),
        {"action": "mark_read", "_selected_action": [first.pk]},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    opened = client.get(reverse("admin:core_notification_open", args=[second.pk]))
    assert opened.status_code == 302 and opened["Location"] == "/admin/members/member/"
    second.refresh_from_db()
    assert second.read_at is not None
    html = client.get(reverse("admin:core_notification_changelist")).content.decode()
    assert "data-unread" not in html


def test_mark_all_read(client, province):
    me = province.users["leader"]
    notification_send(recipients=[me, me, me], title="报告")
    login(client, province, "leader")
    url = reverse("admin:core_notification_mark_all_read")
    assert client.get(url).status_code == 200
    assert Notification.objects.filter(recipient=me, read_at__isnull=True).count() == 3
    response = client.post(url)
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()


def test_sidebar_hides_system_items_without_permission(client, province):
    url = reverse("admin:core_notification_changelist")
    tokens = reverse("admin:accounts_apitoken_changelist")
    assert tokens in login(client, province, "province").get(url).content.decode()
    html = login(client, province, "leader").get(url).content.decode()
    assert tokens not in html
    assert reverse("admin:core_auditevent_changelist") in html
