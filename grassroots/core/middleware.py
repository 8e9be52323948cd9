"""Binds each request's user, id and address to the acting context used by the audit."""

import uuid

from grassroots.core import context


def client_ip(request) -> str:
    # REMOTE_ADDR is what the reverse proxy is trusted to set; see the deployment guide.
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        request.request_id = request_id
        user = getattr(request, "user", None)
        with context.acting(user, source="web", ip=client_ip(request), request_id=request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class ChineseUnlessChosenMiddleware:
    """The console is Chinese unless the person chose English with the language switch.

    Django would otherwise follow the browser's Accept-Language, so an English-locale browser on
    an office PC would get English pages nobody asked for. The switch's cookie still wins.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
