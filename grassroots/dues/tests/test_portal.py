"""The member's own dues in the portal: their years and receipts only; anyone else's is 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grassroots.dues import services
from grassroots.dues.models import DuesRecord
from grassroots.dues.tests.factories import YEAR, make_record, pay
from grassroots.notices.tests.factories import member_with_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client, province):
    member, user = member_with_account(province.branch_a1, "payer1", name="赵六")
    record = make_record(province.branch_a1)  # the rule exists from here on
    DuesRecord.objects.filter(pk=record.pk).delete()
    services.dues_generate(unit=province.branch_a1, year=YEAR)
    client.force_login(user)
    return DuesRecord.objects.get(member=member, year=YEAR)


def test_my_dues_lists_my_years_and_receipts_only(client, province, me):
    mine = pay(me, "40")
    other = pay(make_record(province.branch_a1), "99")
    page = client.get(reverse("portal-dues")).content.decode()
    assert f"{YEAR}" in page and mine.receipt_number in page and "80.00" in page
    assert other.receipt_number not in page


def test_receipts_download_for_my_own_only(client, province, me):
    mine = pay(me, "40")
    response = client.get(reverse("portal-dues-receipt", args=[mine.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    sibling = pay(make_record(province.branch_a1), "10")
    elsewhere = pay(make_record(province.branch_b1), "10")
    for payment_id in (sibling.pk, elsewhere.pk, 987654321):
        assert client.get(reverse("portal-dues-receipt", args=[payment_id])).status_code == 404


def test_staff_without_a_member_record_get_404(client, province):
    client.force_login(province.users["city_a"])
    assert client.get(reverse("portal-dues")).status_code == 404
