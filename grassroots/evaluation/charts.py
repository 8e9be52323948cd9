"""Server-side SVG charts (no script, no external asset): the radar chart of an evaluation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _point(cx: float, cy: float, r: float, i: int, n: int) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * i / n
    return cx + r * math.cos(angle), cy + r * math.sin(angle)


def radar_svg(
    axes: Sequence[tuple[str, Decimal | float]],
    compare: Sequence[Decimal | float] | None = None,
    size: int = 360,
) -> SafeString:
    """Shares (0..1) per axis as a polygon; ``compare`` (e.g. last year) as a dashed outline."""
    n = len(axes)
    if n < 3:
        return mark_safe("")  # a radar needs three axes; the table says it all otherwise
    cx = cy = size / 2
    r = size / 2 - 70
    parts = [
        f'<svg class="gr-radar" xmlns="http://www.w3.org/2000/svg" width="{size}" '
        f'height="{size}" viewBox="0 0 {size} {size}" role="img">'
    ]
    for ring in (0.25, 0.5, 0.75, 1.0):
        pts = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (_point(cx, cy, r * ring, i, n) for i in range(n))
        )
        parts.append(f'<polygon points="{pts}" fill="none" stroke="#9ca3af" stroke-width="0.6"/>')
    for i, (label, _share) in enumerate(axes):
        x, y = _point(cx, cy, r, i, n)
        parts.append(
            f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="#9ca3af" stroke-width="0.6"/>'
        )
        lx, ly = _point(cx, cy, r + 18, i, n)
        anchor = "middle" if abs(lx - cx) < 5 else ("start" if lx > cx else "end")
        parts.append(
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}">{escape(label[:12])}</text>'
        )

    def polygon(values: Sequence[Decimal | float], style: str) -> str:
        pts = " ".join(
            f"{x:.1f},{y:.1f}"
            for x, y in (
                _point(cx, cy, r * max(0.0, min(1.0, float(v))), i, n) for i, v in enumerate(values)
            )
        )
        return f'<polygon points="{pts}" {style}/>'

    if compare is not None and len(compare) == n:
        parts.append(
            polygon(
                compare, 'fill="none" stroke="#f59e0b" stroke-width="1.5" stroke-dasharray="4 3"'
            )
        )
    parts.append(
        polygon(
            [s for _l, s in axes], 'fill="rgba(79,70,229,0.25)" stroke="#4f46e5" stroke-width="2"'
        )
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated label is escaped above
