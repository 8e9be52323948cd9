"""Every list answers {"count", "page", "items"}; page_size 50 by default, 200 at most."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.db.models import QuerySet
from django.utils.translation import gettext
from ninja.errors import HttpError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class Pageable(Protocol):
    """What pagination needs: a queryset, or a ranking that counts and slices like one."""

    def count(self) -> int: ...

    def __getitem__(self, page: slice, /) -> Any: ...


def paginate(
    qs: QuerySet | Pageable,
    page: int,
    page_size: int,
    serialize: Callable[[Any], Any] | None = None,
) -> dict:
    """One page of ``qs``; a page number or size out of range is a 422 naming the parameter."""
    if page < 1:
        raise HttpError(422, gettext("参数page：页码必须大于等于1") + " / page must be ≥ 1")
    if page_size < 1 or page_size > MAX_PAGE_SIZE:
        raise HttpError(
            422,
            gettext("参数page_size：每页条数须在1到%(max)d之间") % {"max": MAX_PAGE_SIZE}
            + f" / page_size must be 1–{MAX_PAGE_SIZE}",
        )
    start = (page - 1) * page_size
    count = qs.count()
    # A page past the end is empty (never an offset the database cannot hold).
    items = list(qs[start : start + page_size]) if start < count else []
    return {
        "count": count,
        "page": page,
        "items": [serialize(i) for i in items] if serialize else items,
    }
