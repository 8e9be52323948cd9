"""Every list answers {"count", "page", "items"}; page_size 50 by default, 200 at most."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from ninja.errors import HttpError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def paginate(
    qs: QuerySet, page: int, page_size: int, serialize: Callable[[Any], Any] | None = None
) -> dict:
    if page < 1:
        raise HttpError(422, "page must be ≥ 1 / 页码必须大于等于1")
    if page_size < 1 or page_size > MAX_PAGE_SIZE:
        raise HttpError(
            422, f"page_size must be 1–{MAX_PAGE_SIZE} / 每页条数须在1到{MAX_PAGE_SIZE}之间"
        )
    start = (page - 1) * page_size
    items = list(qs[start : start + page_size])
    return {
        "count": qs.count(),
        "page": page,
        "items": [serialize(i) for i in items] if serialize else items,
    }
