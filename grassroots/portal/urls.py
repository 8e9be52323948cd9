"""The portal's URL map at /m/, plus every app's portal.py mounted at /m/<PREFIX>/."""

from django.urls import include, path

from grassroots.portal import views
from grassroots.portal.registry import portal_modules
from grassroots.portal.views import member, officer

urlpatterns = [
    path("", views.home, name="portal-home"),
    path("login/", views.login_view, name="portal-login"),
    path("logout/", views.logout_view, name="portal-logout"),
    path("password/", views.password_change, name="portal-password"),
    # a member's own pages
    path("me/", member.profile, name="portal-profile"),
    path(
        "me/requests/<int:pk>/withdraw/",
        member.change_request_withdraw,
        name="portal-change-withdraw",
    ),
    path("my-branch/", member.my_branch, name="portal-branch"),
    path("activities/", member.activities, name="portal-activities"),
    path("activities/<int:pk>/", member.activity_detail, name="portal-activity"),
    path("activities/<int:pk>/signup/", member.activity_signup, name="portal-activity-signup"),
    path("activities/<int:pk>/cancel/", member.activity_cancel, name="portal-activity-cancel"),
    path("check-in/<str:token>/", member.check_in, name="portal-checkin"),
    path("submissions/", member.submissions, name="portal-submissions"),
    path("submissions/new/<str:kind>/", member.submit, name="portal-submit"),
    path("submissions/<str:kind>/<int:pk>/", member.submission_detail, name="portal-submission"),
    path("training/", member.training, name="portal-training"),
    path("archive/", member.archive, name="portal-archive"),
    path("introductions/", member.introductions, name="portal-introductions"),
    path(
        "introductions/<int:pk>/",
        member.introduction_confirm,
        name="portal-introduction",
    ),
    # a branch officer's pages
    path("branch/members/", officer.members, name="portal-officer-members"),
    path("branch/members/<int:pk>/", officer.member_detail, name="portal-officer-member"),
    path("branch/activities/", officer.activities, name="portal-officer-activities"),
    path("branch/activities/new/", officer.activity_new, name="portal-officer-activity-new"),
    path("branch/activities/<int:pk>/", officer.activity_detail, name="portal-officer-activity"),
    path("branch/prospects/", officer.prospects, name="portal-officer-prospects"),
    path("branch/applications/", officer.applications, name="portal-officer-applications"),
    path("branch/five-izations/", officer.five_izations, name="portal-officer-five"),
    *[path(f"{m.PREFIX}/", include(m.urlpatterns)) for m in portal_modules()],
]
