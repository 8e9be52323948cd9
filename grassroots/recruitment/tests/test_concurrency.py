"""Two or more people approve the same stage at the same moment: exactly one succeeds."""

import threading

import pytest
from django.db import connection

from grassroots.accounts.models import Role
from grassroots.core.testing import build_small_province, make_user
from grassroots.recruitment import services
from grassroots.recruitment.models import Application, Step
from grassroots.recruitment.tests.factories import create_application, run_to

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locking under real concurrent connections needs PostgreSQL; SQLite serializes "
    "writers, and the version check it relies on is covered by test_stale_version_is_a_conflict",
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_of_one_stage_exactly_one_succeeds():
    tree = build_small_province()
    app = run_to(tree, create_application(tree), "province-approval")
    approvers = [tree.users["province"]] + [
        make_user(f"prov{i}", tree.province, Role.PROVINCE_STAFF) for i in range(5)
    ]
    barrier = threading.Barrier(len(approvers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(user):
        mine = Application.objects.get(pk=app.pk)
        try:
            barrier.wait()
            services.application_advance(application=mine, actor=user, comment="同意")
            result = "ok"
        except services.ApplicationConflict as exc:
            result = "conflict:" + str(exc)
        except Exception as exc:  # reported below; a thread must never die silently
            result = f"error:{type(exc).__name__}:{exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve, args=(u,)) for u in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1, outcomes
    assert all(o.startswith("conflict:") for o in outcomes if o != "ok"), outcomes
    app.refresh_from_db()
    assert app.stage.code == "filing"
    advances = Step.objects.filter(
        application=app, action=Step.Action.ADVANCE, stage__code="province-approval"
    )
    assert advances.count() == 1
