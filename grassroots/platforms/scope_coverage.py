"""Scope coverage of the four platforms (see docs/decisions/0002-scope-coverage.md)."""

T = "grassroots.platforms.tests.test_scope_urls::"
API = "/api/v1/platforms"

COVERED = {
    # Console pages without an object id (entry pages, exports, the statistics table). The
    # owning unit is chosen in scope; co-organizers/co-authors may come from any unit by design
    # (docs/decisions/0008-platform-workflows.md), so the service entry page lists all units.
    "admin/platforms/proposal/create/": T
    + "test_console_create_pages_refuse_an_owner_outside_scope",
    "admin/platforms/informationpiece/create/": T
    + "test_console_create_pages_refuse_an_owner_outside_scope",
    "admin/platforms/researchtopic/create/": T
    + "test_console_create_pages_refuse_an_owner_outside_scope",
    "admin/platforms/serviceproject/create/": T
    + "test_console_create_pages_refuse_an_owner_outside_scope",
    "admin/platforms/proposal/export/": T + "test_console_export_is_scoped",
    "admin/platforms/informationpiece/export/": T + "test_console_export_is_scoped",
    "admin/platforms/researchtopic/export/": T + "test_console_export_is_scoped",
    "admin/platforms/serviceproject/export/": T + "test_console_export_is_scoped",
    "admin/platforms/proposal/statistics/": T + "test_console_statistics_page_is_scoped",
    # API: lists, details and exports of each platform.
    **{
        f"GET {API}/{platform}{suffix}": T + "test_api_list_detail_and_export_are_scoped"
        for platform, key in (
            ("proposals", "proposal_id"),
            ("information", "piece_id"),
            ("research", "topic_id"),
            ("service", "project_id"),
        )
        for suffix in ("", "/export", f"/{{{key}}}")
    },
    # API: creating (the owning unit must be in scope) and moving records on.
    **{
        f"POST {API}/{platform}": T + "test_api_create_refuses_an_owner_outside_scope"
        for platform in ("proposals", "information", "research", "service")
    },
    **{
        f"POST {API}/{platform}/{{{key}}}/transitions": T
        + "test_api_transitions_on_a_sibling_record_answer_404"
        for platform, key in (
            ("proposals", "proposal_id"),
            ("information", "piece_id"),
            ("research", "topic_id"),
            ("service", "project_id"),
        )
    },
    f"PATCH {API}/proposals/{{proposal_id}}": T
    + "test_api_proposal_update_of_a_sibling_proposal_answers_404",
    f"GET {API}/information/quotas": T + "test_api_information_quotas_are_scoped",
    f"GET {API}/statistics": T + "test_api_statistics_are_scoped",
    f"GET {API}/statistics/members": T + "test_api_statistics_are_scoped",
    f"GET {API}/members/{{member_id}}/contributions": T
    + "test_api_member_contributions_of_a_sibling_member_answer_404",
}

_REFERENCE = "a province-wide reference list (the preset's data); it names no unit or member"
UNSCOPED = {
    "platforms.Level": _REFERENCE,
    "platforms.InformationPointRule": "the province's points rule for adopted information "
    "(by level and kind); reference data naming no unit or member",
    "platforms.ProposalKind": _REFERENCE,
    "platforms.ServiceKind": _REFERENCE,
    f"GET {API}/reference": "the active levels, proposal kinds and service kinds: the same "
    "reference lists as above, no unit or member data",
}
