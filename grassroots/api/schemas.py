"""Schemas shared by every app's api.py: the error body and the base of every write body."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


class ErrorItem(Schema):
    """One problem of a refused request: where it is and what is wrong, in Chinese."""

    field: str
    location: str
    message: str


class ErrorOut(Schema):
    """Every error answers {"detail": "中文说明", "errors": [...]}; ``errors`` names each field
    (and whether it came in the body, the query or the path) when the input was refused."""

    detail: str
    errors: list[ErrorItem] = []


class WriteIn(Schema):
    """The base of every request body: only the fields a client may set are accepted.

    A field the schema does not name (``unit``, ``status``, ``id``…) is refused with 422 and the
    field's name, so a client never believes it changed something the server sets itself. The
    OpenAPI schema says so with ``additionalProperties: false``.
    """

    model_config = ConfigDict(extra="forbid")
