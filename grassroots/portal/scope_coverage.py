"""Scope coverage of the member portal (see docs/decisions/0002-scope-coverage.md).

Portal pages are decided by the signed-in member (``request.member``) or the officer's branch
(``request.branch``), never by the console's staff scope; each test below shows that a page
lists only what belongs to that person or branch and that anybody else's object answers 404.
Every page also sends an anonymous caller to sign in (test_portal_pages_send_anonymous_callers_to_
sign_in in the walker).
"""

from __future__ import annotations

from typing import Any

A = "grassroots.portal.tests.test_access::"
M = "grassroots.portal.tests.test_member_pages::"
O = "grassroots.portal.tests.test_officer_pages::"  # noqa: E741

COVERED = {
    "/m/": M + "test_member_pages_are_404_for_an_officer_account_without_member",
    "/m/me/": M + "test_profile_shows_the_id_masked_never_in_full",
    "/m/me/requests/<int:pk>/withdraw/": M + "test_withdrawing_someone_elses_request_is_404",
    "/m/my-branch/": M + "test_my_branch_lists_my_units_officers_not_a_siblings",
    "/m/activities/": M + "test_activities_open_to_me_and_not_a_sibling_citys",
    "/m/activities/<int:pk>/": M + "test_activities_open_to_me_and_not_a_sibling_citys",
    "/m/activities/<int:pk>/signup/": M + "test_activities_open_to_me_and_not_a_sibling_citys",
    "/m/activities/<int:pk>/cancel/": M + "test_activities_open_to_me_and_not_a_sibling_citys",
    "/m/check-in/<str:token>/": M + "test_check_in_by_the_qr_link_records_once_and_refuses_clearly",
    "/m/submissions/": M + "test_someone_elses_submission_is_404",
    "/m/submissions/new/<str:kind>/": M + "test_someone_elses_submission_is_404",
    "/m/submissions/<str:kind>/<int:pk>/": M + "test_someone_elses_submission_is_404",
    "/m/training/": M + "test_training_and_archive_show_only_my_records",
    "/m/archive/": M + "test_training_and_archive_show_only_my_records",
    "/m/introductions/": M + "test_introducer_confirms_an_application_they_were_named_on",
    "/m/introductions/<int:pk>/": M + "test_introducer_confirms_an_application_they_were_named_on",
    "/m/branch/members/": O + "test_branch_members_are_the_branchs_only_with_ids_masked",
    "/m/branch/members/<int:pk>/": O + "test_branch_members_are_the_branchs_only_with_ids_masked",
    "/m/branch/activities/": O + "test_activities_of_another_branch_are_404",
    "/m/branch/activities/new/": O + "test_record_an_activity_its_attendance_and_show_its_qr",
    "/m/branch/activities/<int:pk>/": O + "test_activities_of_another_branch_are_404",
    "/m/branch/prospects/": O + "test_recommend_a_prospect_for_the_branch",
    "/m/branch/applications/": O + "test_applications_of_the_branch_with_their_stage",
    "/m/branch/five-izations/": O
    + "test_officer_pages_open_for_an_officer_and_404_for_a_plain_member",
    "admin/portal/profilechangerequest/": M + "test_change_requests_listed_to_staff_in_scope_only",
}

UNSCOPED = {
    "/m/login/": "the sign-in form; it shows nothing before the person is signed in",
    "/m/logout/": "ends the caller's own session",
    "/m/password/": "the caller's own password (Django's form, the site's password policy)",
}


def _change_request(unit: Any) -> Any:
    from grassroots.members.tests.factories import create_member
    from grassroots.portal.models import ProfileChangeRequest

    member = create_member(unit)
    return ProfileChangeRequest.objects.create(
        member=member, changes={"post": "主任"}, shown={"post": ["职务", "—", "主任"]}
    )


FACTORIES = {"portal.ProfileChangeRequest": _change_request}
