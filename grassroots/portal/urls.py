"""The portal's URL map at /m/, plus every app's portal.py mounted at /m/<PREFIX>/."""

from django.urls import include, path

from grassroots.portal import views
from grassroots.portal.registry import portal_modules

urlpatterns = [
    path("", views.home, name="portal-home"),
    path("login/", views.login_view, name="portal-login"),
    path("logout/", views.logout_view, name="portal-logout"),
    path("password/", views.password_change, name="portal-password"),
    *[path(f"{m.PREFIX}/", include(m.urlpatterns)) for m in portal_modules()],
]
