"""Query parameters shared by the routes: a year the date functions can hold (else 422)."""

from __future__ import annotations

from ninja import Query

FIRST_YEAR, LAST_YEAR = 1949, 2100

# Declared once and used as a default (`year: int | None = YEAR`): out of range is a 422 naming
# `year`, never a 500 from building a date in year -57086.
YEAR = Query(
    None, ge=FIRST_YEAR, le=LAST_YEAR, description=f"年度（{FIRST_YEAR}–{LAST_YEAR}），默认为今年"
)
YEAR_FILTER = Query(None, ge=FIRST_YEAR, le=LAST_YEAR, description="按年度筛选")
