"""URLs for the no-secrets test: the site's own, plus a view that fails with secrets in hand."""

from django.http import HttpRequest
from django.urls import path

from grassroots.config.urls import urlpatterns as site_urlpatterns

ID_NUMBER = "430102197001010018"
PASSWORD = "Tulip-window-8823"


def boom(request: HttpRequest):
    id_number = request.POST.get("id_number", ID_NUMBER)
    password = request.POST.get("password", PASSWORD)
    raise RuntimeError(f"could not save {id_number} with password={password}")


urlpatterns = [path("boom/", boom), *site_urlpatterns]
