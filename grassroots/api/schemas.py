"""Schemas shared by every app's api.py: the error body."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    """Every error answers {"detail": "中文说明 / English"}."""

    detail: str
