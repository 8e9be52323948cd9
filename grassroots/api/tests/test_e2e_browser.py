"""End to end in Debian's Chromium: a city's staff member imports a roster, an application goes
through every stage of the admission procedure with the people the procedure names, the console
home's figures change, and the other city's staff member can open none of it.

Each person signs in through the console's own sign-in page in a browser context of their own;
screenshots of every context are saved under var/test-artifacts/.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import xlsxwriter
from django.utils import timezone

from grassroots.conftest import ARTIFACTS
from grassroots.core.testing import unique_id_number
from grassroots.members.models import Member, MemberStatus
from grassroots.recruitment import services
from grassroots.recruitment.models import Application, FilingBatch
from grassroots.recruitment.tests.factories import person
from grassroots.transfer.models import ImportJob

pytestmark = pytest.mark.django_db(transaction=True)

ROSTER_HEADER = ["序号", "姓名", "性别", "身份证号", "出生日期", "手机号码", "学历", "所属支部"]
ROSTER = [("周敦颐", "M"), ("朱熹", "M"), ("李清照", "F")]


def days_ago(n: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=n)).isoformat()


def write_roster(path: Path, branch_name: str) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("花名册")
    sheet.write_row(0, 0, ROSTER_HEADER)
    for n, (name, sex) in enumerate(ROSTER, 1):
        id_number = unique_id_number(birth=datetime.date(1980, 1, n), sex=sex)
        sheet.write_row(n, 0, [n, name, "男" if sex == "M" else "女", id_number, "", "", ""])
        sheet.write_string(n, 7, branch_name)
    book.close()
    return path


def sign_in(page, username: str, password: str) -> None:
    page.goto("/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert "/admin/login/" not in page.url, page.content()[:2000]


def card(page, label: str) -> int:
    """The number on the console home's card called ``label``."""
    page.goto("/admin/")
    text = page.locator("#dashboard").inner_text()
    found = re.search(rf"{label}\s+(\d+)", text)
    assert found, text[:1000]
    return int(found.group(1))


def act(page, app: Application, comment: str, fields: dict[str, str] | None = None) -> None:
    """Open the application's page and move it on from its current stage."""
    page.goto(f"/admin/recruitment/application/{app.pk}/change/")
    form = page.locator("form[action$='/act/']")
    form.locator("select[name=action]").select_option("advance")
    form.locator("textarea[name=comment]").fill(comment)
    for name, value in (fields or {}).items():
        form.locator(f"[name=stage_{name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def stage_of(app: Application) -> str:
    app.refresh_from_db()
    return app.stage.code


@pytest.fixture
def person_page(chromium, live_server, request):
    """open("branch_a1") -> a page in a fresh browser context (its own cookies and session)."""
    contexts = []

    def open_page(name: str):
        context = chromium.new_context(
            base_url=live_server.url, viewport={"width": 1366, "height": 900}
        )
        contexts.append((name, context))
        page = context.new_page()
        page.requests_seen = []
        page.on("request", lambda r: page.requests_seen.append(r.url))
        return page

    yield open_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, context in contexts:
        for i, page in enumerate(context.pages):
            page.screenshot(
                path=str(ARTIFACTS / f"{request.node.name}-{name}-{i}.png"), full_page=True
            )
        context.close()


def test_import_admission_dashboard_and_a_sibling_city_sees_nothing(
    desktop_page, person_page, live_server, province, tmp_path
):
    tree = province
    city = desktop_page
    sign_in(city, "city_a", tree.password("city_a"))
    members_before = card(city, "在册会员")

    # 1. The city's staff member imports a roster of three into a branch.
    city.goto("/admin/transfer/importjob/upload/")
    city.set_input_files(
        "input[name=file]", str(write_roster(tmp_path / "花名册.xlsx", tree.branch_a1.name))
    )
    # Unfold's app.js writes the chosen file's name into the text box of its file widget; with
    # a plain file input it landed in the "sheet" field and broke every upload.
    assert city.input_value("input[name=sheet]") == ""
    city.locator("select[name=unit]").select_option(str(tree.city_a.pk))
    city.locator("select[name=mode]").select_option("create")
    city.get_by_role("button", name="上传并预览").click()
    city.wait_for_load_state("networkidle")
    assert "/preview/" in city.url, city.content()[:2000]
    assert "周敦颐" in city.content()
    city.locator("button[name=confirm]").click()
    city.wait_for_load_state("networkidle")
    assert "导入完成：新增3" in city.content()
    job = ImportJob.objects.latest("id")
    imported = list(Member.objects.filter(name__in=[n for n, _ in ROSTER]).order_by("name"))
    assert len(imported) == 3 and all(m.unit == tree.branch_a1 for m in imported)
    assert card(city, "在册会员") == members_before + 3
    # Imported members without a join date count as joining today; the baseline follows them.
    admitted_before = card(city, "今年新发展")

    # 2. An application of branch 1 (its form was filled by the branch) goes through every stage.
    app = services.application_create(
        unit=tree.branch_a1,
        data=person(name="欧阳修", sex="M"),
        actor=tree.users["branch_a1"],
    )
    branch = person_page("branch_officer")
    sign_in(branch, "branch_a1", tree.password("branch_a1"))
    act(branch, app, "材料齐全，提交")
    assert stage_of(app) == "introducers"
    # Two of the members just imported introduce the applicant; the branch records their consent.
    for introducer in imported[:2]:
        branch.goto(
            f"/admin/recruitment/application/{app.pk}/change/?introducer_q={introducer.name}"
        )
        branch.get_by_role("button", name="设为介绍人").first.click()
        branch.wait_for_load_state("networkidle")
    for _i in range(2):
        branch.get_by_role("button", name="登记确认").first.click()
        branch.wait_for_load_state("networkidle")
    assert app.introducers.filter(confirmed_at__isnull=False).count() == 2
    act(branch, app, "两名介绍人已确认")
    assert stage_of(app) == "talk"
    act(
        branch,
        app,
        "谈话完成",
        {"talker": "王主委", "talk_date": days_ago(30), "conclusion": "同意发展"},
    )
    assert stage_of(app) == "employer-opinion"
    act(
        branch,
        app,
        "单位同意",
        {
            "employer_org": "湖南大学党委",
            "letter_sent_on": days_ago(28),
            "reply": "同意",
            "reply_on": days_ago(20),
        },
    )
    assert stage_of(app) == "branch-meeting"
    act(
        branch,
        app,
        "支部大会通过",
        {
            "meeting_date": days_ago(15),
            "total": "10",
            "present": "8",
            "votes_for": "7",
            "votes_against": "1",
            "votes_abstain": "0",
            "minutes": "会议讨论同意",
        },
    )
    assert stage_of(app) == "city-review"
    # The branch officer cannot take the city's stage.
    branch.goto(f"/admin/recruitment/application/{app.pk}/change/")
    assert "市委会审核" in branch.content()
    act(city, app, "审核同意")
    assert stage_of(app) == "province-approval"

    provincial = person_page("province_staff")
    sign_in(provincial, "prov", tree.password("prov"))
    act(provincial, app, "批准入会")
    assert stage_of(app) == "filing"
    provincial.goto(f"/admin/recruitment/application/filing/?ids={app.pk}")
    provincial.fill("input[name=number]", "2026-备-01")
    provincial.fill("input[name=sent_on]", days_ago(5))
    provincial.get_by_role("button", name="创建批次").click()
    provincial.wait_for_load_state("networkidle")
    batch = FilingBatch.objects.get(number="2026-备-01")
    provincial.goto(f"/admin/recruitment/filingbatch/{batch.pk}/reply/")
    provincial.fill("input[name=reply_on]", days_ago(1))
    provincial.fill("textarea[name=reply]", "同意备案")
    provincial.get_by_role("button", name="保存").click()
    provincial.wait_for_load_state("networkidle")
    assert stage_of(app) == "admission"
    act(provincial, app, "正式入会")
    app.refresh_from_db()
    assert app.state == Application.State.ADMITTED and app.member is not None
    assert app.member.status == MemberStatus.ACTIVE and app.member.unit == tree.branch_a1
    actors = list(app.steps.order_by("at", "id").values_list("actor_name", flat=True))
    assert len(actors) >= 9

    # 3. The city's console home shows the new member.
    assert card(city, "在册会员") == members_before + 4
    assert card(city, "今年新发展") == admitted_before + 1
    city.goto("/admin/members/member/?q=zdy")
    assert "周敦颐" in city.content()

    # 4. The other city's staff member can open none of it: every page answers 404.
    other = person_page("other_city")
    sign_in(other, "city_b", tree.password("city_b"))
    urls = [
        f"/admin/recruitment/application/{app.pk}/change/",
        f"/admin/recruitment/application/{app.pk}/pdf/form/",
        f"/admin/transfer/importjob/{job.pk}/change/",
        f"/admin/transfer/importjob/{job.pk}/preview/",
        f"/admin/transfer/importjob/{job.pk}/status/",
        f"/admin/members/member/{app.member.pk}/change/",
        *[f"/admin/members/member/{m.pk}/change/" for m in imported],
    ]
    for url in urls:
        response = other.goto(url)
        assert response is not None and response.status == 404, (url, response and response.status)
    # Searching by the pinyin initials of 周敦颐 finds nothing (and does not echo the name).
    listing = other.goto("/admin/members/member/?q=zdy")
    assert listing is not None and listing.status == 200
    assert "周敦颐" not in other.content()
    assert card(other, "在册会员") == 0

    site = urlsplit(live_server.url).netloc
    for page in (city, branch, provincial, other):
        outside = [u for u in page.requests_seen if urlsplit(u).netloc not in ("", site)]
        assert outside == []


def test_api_docs_render_from_local_assets_only(desktop_page, live_server):
    """Swagger UI is ninja's bundled copy (its swagger.html, not swagger_cdn.html): the page
    renders the operations and requests nothing from another host."""
    errors: list[str] = []
    desktop_page.on("pageerror", lambda e: errors.append(str(e)))
    desktop_page.goto("/api/v1/docs")
    desktop_page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    desktop_page.wait_for_load_state("networkidle")
    text = desktop_page.locator(".swagger-ui").inner_text()
    assert "/api/v1/members" in text and "/api/v1/planning/annual-report" in text
    site = urlsplit(live_server.url).netloc
    seen = desktop_page.requests_seen
    assert any(u.endswith("swagger-ui-bundle.js") for u in seen)
    assert any("/api/v1/openapi.json" in u for u in seen)
    assert [u for u in seen if urlsplit(u).netloc not in ("", site)] == []
    assert errors == []
