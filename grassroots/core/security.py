"""Browser security headers: one strict Content Security Policy, relaxed only for the console."""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


class ScopedCSPMiddleware(CSPMiddleware):
    """The strict policy everywhere; the console's relaxed directives under its prefix only.

    A view's own ``@csp_override``/``@csp_update`` still wins (it sets the response config).
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if (
            not report_only
            and parts.config is None
            and request.path_info.startswith(settings.GRASSROOTS_CSP_CONSOLE_PREFIX)
        ):
            parts.config = dict(settings.GRASSROOTS_CSP_CONSOLE_DIRECTIVES)
        return parts
