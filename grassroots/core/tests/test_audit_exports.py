"""Every download of data is audited with its filter and row count, and every full-ID view too.

The walker reads the source of every app: a function that answers with a file (a
Content-Disposition header, FileResponse) must record an export — directly, or by calling a
function that does, however many calls deep — and the record must carry ``rows`` and what was
asked for (``filter``/``filters``, or the one ``document``/``export`` printed). A new download that forgets
fails here by name; the few downloads that carry no personal data are listed with the reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from grassroots.core.models import AuditEvent

PACKAGE = Path(__file__).resolve().parents[2]

NOT_PERSONAL_DATA = {
    ("notices/views.py", "attachment_download"): "a file the staff attached to a notice",
    ("notices/views.py", "group_qr"): "a chat group's QR image",
    ("transfer/admin.py", "template_view"): "the empty roster template",
}
# ``document``/``export`` name the one printed document; the object itself is the record's object.
WHAT_WAS_ASKED = {"filter", "filters", "document", "export"}


def _sources() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if "/tests/" in f"/{rel}" or "/migrations/" in rel or rel.startswith("core/demo/"):
            continue
        found.append((rel, ast.parse(path.read_text(), filename=rel)))
    return found


def _called_names(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            if isinstance(func, ast.Attribute):
                names.add(func.attr)
            elif isinstance(func, ast.Name):
                names.add(func.id)
    return names


def _export_records(node: ast.AST) -> list[set[str]]:
    """The extra= keys of each audit.record(...EXPORT or REVEAL...) call inside ``node``."""
    records = []
    for call in ast.walk(node):
        if not (isinstance(call, ast.Call) and call.args):
            continue
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        action = call.args[0]
        if name != "record" or not (
            isinstance(action, ast.Attribute) and action.attr in ("EXPORT", "REVEAL")
        ):
            continue
        keys: set[str] = set()
        for kw in call.keywords:
            if kw.arg == "extra" and isinstance(kw.value, ast.Dict):
                keys |= {k.value for k in kw.value.keys if isinstance(k, ast.Constant)}
        records.append(keys)
    return records


def _is_download(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and child.value == "Content-Disposition":
            return True
        if isinstance(child, ast.Call) and "FileResponse" in _called_names(child):
            return True
    return False


def _functions() -> dict[tuple[str, str], ast.FunctionDef]:
    functions = {}
    for rel, module in _sources():
        for node in ast.walk(module):
            if isinstance(node, ast.FunctionDef):
                functions[(rel, node.name)] = node
    return functions


def test_every_download_records_an_export_with_filter_and_row_count():
    functions = _functions()
    incomplete = []
    audited: set[str] = set()
    for (rel, name), node in functions.items():
        for keys in _export_records(node):
            if keys and "field" not in keys and not ("rows" in keys and keys & WHAT_WAS_ASKED):
                incomplete.append(f"{rel}:{node.lineno} {name} records {sorted(keys)}")
            audited.add(name)
    # A function that calls an auditing function is auditing too (by name, to a fixed point).
    changed = True
    while changed:
        changed = False
        for (_rel, name), node in functions.items():
            if name not in audited and _called_names(node) & audited:
                audited.add(name)
                changed = True
    direct = {key: node for key, node in functions.items() if _is_download(node)}
    # A tiny response helper (``_download(data, name)``) is checked through its callers: every
    # function calling it is a download itself.
    helpers = {name for (_rel, name), node in direct.items() if _is_response_helper(node)}
    downloads = {
        key: node
        for key, node in functions.items()
        if (key in direct and key[1] not in helpers) or _called_names(node) & helpers
    }
    assert len(downloads) >= 15  # the walker finds the project's downloads
    missing = [
        f"{rel}:{node.lineno} {name}"
        for (rel, name), node in downloads.items()
        if name not in audited and (rel, name) not in NOT_PERSONAL_DATA
    ]
    assert not incomplete, "export records without rows and filter:\n" + "\n".join(incomplete)
    assert not missing, "downloads that record no export:\n" + "\n".join(missing)
    for key in NOT_PERSONAL_DATA:
        assert key in functions, f"{key} no longer exists: drop it from NOT_PERSONAL_DATA"


def _is_response_helper(node: ast.FunctionDef) -> bool:
    """``def _download(data, name)``: builds the response only."""
    return node.name.startswith("_") and len(node.body) <= 4


def test_the_walker_catches_a_download_that_forgets():
    source = ast.parse(
        "def leak(request):\n"
        "    response = HttpResponse(b'')\n"
        "    response['Content-Disposition'] = 'attachment'\n"
        "    return response\n"
    )
    node = source.body[0]
    assert _is_download(node) and not _export_records(node)
    good = ast.parse(
        "def fine(request):\n"
        "    audit.record(AuditEvent.Action.EXPORT, extra={'filter': {}, 'rows': 3})\n"
    ).body[0]
    assert _export_records(good) == [{"filter", "rows"}]


# --- the download fixed in this pass, end to end ---------------------------------------------


@pytest.mark.django_db
def test_the_import_error_list_download_is_audited(province, settings, tmp_path):
    from grassroots.transfer.models import ImportJob

    settings.MEDIA_ROOT = tmp_path
    user = province.users["city_a"]
    job = ImportJob.objects.create(
        unit=province.city_a,
        file_name="花名册.xlsx",
        created_by=user,
        actor_username=user.username,
        error_count=4,
    )
    job.error_file.save("errors.xlsx", ContentFile(b"xlsx bytes"), save=True)
    client = Client()
    client.force_login(user)
    response = client.get(f"/admin/transfer/importjob/{job.pk}/errors/")
    assert response.status_code == 200 and b"".join(response) == b"xlsx bytes"
    event = AuditEvent.objects.get(action="export", object_id=str(job.pk))
    assert event.extra["rows"] == 4 and event.extra["filter"] == {"import_job": job.pk}
    assert event.actor_username == "city_a"
    # Another city's staff gets a 404 and no record.
    other = Client()
    other.force_login(province.users["city_b"])
    assert other.get(f"/admin/transfer/importjob/{job.pk}/errors/").status_code == 404
    assert AuditEvent.objects.filter(action="export").count() == 1
