"""Scope coverage of the dues app (see docs/decisions/0002-scope-coverage.md)."""

from __future__ import annotations

from typing import Any

T = "grassroots.dues.tests.test_scope_urls::"
API = "/api/v1/dues"
ADMIN = "admin/dues/duesrecord"
PORTAL = "grassroots.dues.tests.test_portal::"

COVERED = {
    f"{ADMIN}/generate/": T + "test_console_generate_is_scoped",
    f"{ADMIN}/collect/": T + "test_console_bulk_collection_is_scoped",
    f"{ADMIN}/import/": T + "test_console_import_is_scoped",
    f"{ADMIN}/arrears/": T + "test_console_arrears_page_and_export_are_scoped",
    f"{ADMIN}/units/": T + "test_console_unit_figures_page_and_export_are_scoped",
    "/m/dues/": PORTAL + "test_my_dues_lists_my_years_and_receipts_only",
    "/m/dues/receipts/<int:payment_id>/": PORTAL + "test_receipts_download_for_my_own_only",
    f"GET {API}/years": T + "test_api_rules_and_years_are_scoped",
    f"GET {API}/rules": T + "test_api_rules_and_years_are_scoped",
    f"GET {API}/units/{{unit_id}}/summary": T + "test_api_unit_summary_is_scoped",
    f"GET {API}/members/{{member_id}}": T + "test_api_member_status_is_scoped",
    f"POST {API}/payments": T + "test_api_payment_is_scoped_and_server_sets_the_unit",
    f"GET {API}/payments": T + "test_api_payment_is_scoped_and_server_sets_the_unit",
}


def _rule(unit: Any) -> Any:
    """Rules are set by a city or the province: the branch's city sets one."""
    from grassroots.dues.tests.factories import make_rule

    return make_rule(unit.parent)


def _record(unit: Any) -> Any:
    from grassroots.dues.tests.factories import make_record

    return make_record(unit)


def _payment(unit: Any) -> Any:
    from grassroots.dues.tests.factories import make_record, pay

    return pay(make_record(unit), "10")


def _remittance(unit: Any) -> Any:
    from grassroots.dues import services
    from grassroots.dues.tests.factories import DAY, YEAR, make_record, pay

    pay(make_record(unit), "100")
    return services.remittance_record(unit=unit, year=YEAR, amount="10", remitted_on=DAY)


FACTORIES = {
    "dues.DuesRule": _rule,
    "dues.DuesRecord": _record,
    "dues.Payment": _payment,
    "dues.Remittance": _remittance,
}
