"""The member's own dues in the portal, mounted at /m/dues/ (see core/portal.py)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from grassroots.core.portal import PortalEntry, member_required
from grassroots.dues import exports, selectors
from grassroots.dues.models import Payment

PREFIX = "dues"


@member_required
def my_dues(request: HttpRequest) -> HttpResponse:
    """Years, due, paid, exempt and outstanding, with the member's own valid receipts."""
    years = selectors.member_status(request.member)  # type: ignore[attr-defined]
    owing = sum((y["outstanding"] for y in years), start=selectors.ZERO)
    return render(request, "dues/portal/my_dues.html", {"years": years, "owing": owing})


@member_required
def my_receipt(request: HttpRequest, payment_id: int) -> HttpResponse:
    """A receipt of the member's own (voided ones too, marked as such); anyone else's is 404."""
    payment = (
        Payment.objects.filter(pk=payment_id, record__member=request.member)  # type: ignore[attr-defined]
        .select_related("record__member", "record__unit", "unit")
        .first()
    )
    if payment is None:
        raise Http404
    return exports.receipt_response(payment)


urlpatterns = [
    path("", my_dues, name="portal-dues"),
    path("receipts/<int:payment_id>/", my_receipt, name="portal-dues-receipt"),
]

MENU = [PortalEntry(label=_("我的会费"), url_name="portal-dues", icon="payments", order=35)]
