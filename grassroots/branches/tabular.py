"""Console helpers shared by branches and evaluation: xlsx exports (audited) and list pages."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.encoding import escape_uri_path

from grassroots.core import audit
from grassroots.core.models import AuditEvent

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(
    *,
    filename: str,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    object_type: str,
    filters: dict[str, Any] | None = None,
) -> HttpResponse:
    """One sheet from rows; the export is recorded in the audit log with its filter and count."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet()
    bold = book.add_format({"bold": True})
    for col, header in enumerate(headers):
        sheet.write(0, col, str(header), bold)
    count = 0
    for count, row in enumerate(rows, 1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if hasattr(value, "quantize"):
                value = float(value)
            elif not isinstance(value, int | float | bool):
                value = str(value)
            sheet.write(count, col, value)
    book.close()
    audit.record(
        AuditEvent.Action.EXPORT,
        object_type=object_type,
        object_repr=filename,
        extra={"filters": filters or {}, "rows": count},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{escape_uri_path(f'{filename}-{stamp}.xlsx')}"
    )
    return response


def export_action(description: Any, headers: Sequence[Any], row: Any, name: str):
    """An admin action exporting the selected (already scoped) rows."""

    def export(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse:
        return xlsx_response(
            filename=name,
            headers=headers,
            rows=(row(obj) for obj in queryset),
            object_type=queryset.model._meta.label_lower,
            filters=dict(request.GET.items()),
        )

    export.short_description = description  # type: ignore[attr-defined]
    export.__name__ = f"export_{name}"
    return export


def list_page(
    request: HttpRequest,
    admin_site: Any,
    *,
    title: Any,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    intro: Any = "",
    export_url: str = "",
    empty: Any = "",
) -> TemplateResponse:
    context = {
        **admin_site.each_context(request),
        "title": title,
        "headers": headers,
        "rows": list(rows),
        "intro": intro,
        "export_url": export_url,
        "empty": empty,
    }
    return TemplateResponse(request, "branches/list.html", context)
