"""Schemathesis against the live OpenAPI document, signed in with a city's API token.

Every operation gets a bounded number of generated requests (valid ones, then invalid ones) on a
populated small province: no answer may be a 5xx, every status must be documented, and every body
must match the schema declared for that status. SCHEMATHESIS_EXAMPLES raises the bound.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from grassroots.api.tests.conftest import issue_token

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Revoking the token would sign the rest of the run out; the route has its own tests.
SKIP = {"DELETE /api/v1/auth/token"}


def _exercise(
    operation,
    mode: GenerationMode,
    headers: dict[str, str],
    seen: list[tuple[str, int]],
    path_parameters: dict[str, Any] | None = None,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        # No shrinking: a failure is reported as found, which keeps a failing run bounded too.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        # Each request runs in a savepoint rolled back afterwards: examples stay independent, and
        # a statement PostgreSQL refuses cannot abort the test's transaction for the next ones.
        savepoint = transaction.savepoint()
        try:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
        finally:
            transaction.savepoint_rollback(savepoint)
        seen.append((operation.label, response.status_code))

    run()


def known_ids(populated) -> dict[str, dict[str, Any]]:
    """Path prefix -> path arguments naming objects in city A, so that generated requests also
    reach the routes' successful answers, not only their 404s."""
    o, tree = populated.objects, populated.tree
    return {
        "/api/v1/units/": {"code": tree.branch_a1.code},
        "/api/v1/members/": {"member_id": o["a1"].pk},
        "/api/v1/applications/": {"pk": o["app_a"].pk},
        "/api/v1/branches/activities/": {"activity_id": o["activity_a"].pk},
        "/api/v1/branches/units/": {"unit_id": tree.branch_a1.pk},
        "/api/v1/platforms/proposals/": {"proposal_id": o["proposal_a"].pk},
        "/api/v1/platforms/information/": {"piece_id": o["piece_a"].pk},
        "/api/v1/platforms/research/": {"topic_id": o["topic_a"].pk},
        "/api/v1/platforms/service/": {"project_id": o["project_a"].pk},
        "/api/v1/platforms/members/": {"member_id": o["a1"].pk},
        "/api/v1/evaluation/schemes/": {"scheme_id": o["scheme"].pk},
        "/api/v1/evaluation/evaluations/": {"evaluation_id": o["evaluation_a"].pk},
        "/api/v1/evaluation/members/": {"member_id": o["a1"].pk},
    }


def _known(ids: dict[str, dict[str, Any]], operation) -> dict[str, Any] | None:
    names = {p.name for p in operation.path_parameters}
    for prefix, values in ids.items():
        if operation.path.startswith(prefix) and names and names <= set(values):
            return {k: v for k, v in values.items() if k in names}
    return None


@contextlib.contextmanager
def wsgi_keeps_the_test_connection():
    """Schemathesis calls the real WSGI handler, whose request signals close "old" database
    connections; inside a test that would close the test's own transaction (PostgreSQL). Django's
    test client disconnects the same receivers while it runs (and connects them again after
    each request, so this is entered after the last test-client request)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_every_operation_conforms_to_the_schema(populated):
    # City staff: a wide role that still has a sibling city outside its scope.
    headers = {"Authorization": f"Bearer {issue_token(populated.tree, 'city_a')}"}
    with wsgi_keeps_the_test_connection():
        _run_all(populated, headers)


def _run_all(populated, headers: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    failures: dict[str, str] = {}
    exercised = 0
    statuses: list[tuple[str, int]] = []
    ids = known_ids(populated)
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in SKIP:
            continue
        exercised += 1
        passes: list[tuple[str, GenerationMode, dict[str, Any] | None]] = [
            ("positive", GenerationMode.POSITIVE, None),
            ("negative", GenerationMode.NEGATIVE, None),
        ]
        known = _known(ids, operation)
        if known:
            passes.append(("known ids", GenerationMode.POSITIVE, known))
        for name, mode, path_parameters in passes:
            try:
                _exercise(operation, mode, headers, statuses, path_parameters)
            except (Exception, BaseExceptionGroup) as exc:  # every failure is collected
                failures[f"{operation.label} ({name})"] = str(exc)[:1500]
    if failures:
        pytest.fail("\n\n".join(f"{k}:\n{v}" for k, v in failures.items()), pytrace=False)
    assert exercised > 40
    # The run reached the routes, not only the sign-in wall: no route refused the token, and
    # most operations answered at least one generated request with a success.
    assert not [label for label, s in statuses if s == 401 and "/auth/" not in label]
    succeeded = {label for label, s in statuses if 200 <= s < 300}
    assert len(succeeded) > exercised / 2, sorted(succeeded)
    print(f"schemathesis: {exercised} operations, {len(statuses)} requests")
