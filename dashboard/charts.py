"""Bar charts as server-side SVG: no script, no external service, readable when printed."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

ROW = 22
LABEL_WIDTH = 170
BAR_WIDTH = 320
COLOURS = ("#0b57d0", "#2e7d32")


def bars(
    items: Sequence[tuple[str, float]],
    title: str,
    *,
    second: Sequence[float] | None = None,
    legend: tuple[str, str] | None = None,
) -> Markup:
    """Horizontal bars, one per (label, value); `second` draws a lighter bar behind each
    (e.g. recipients behind messages sent), with its value after the slash."""
    top = max([*(v for _, v in items), *(second or [])], default=0) or 1
    height = ROW * len(items) + (ROW if legend and items else 0) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {max(height, ROW)}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    if not items:
        parts.append(f'<text x="4" y="16" fill="#556">{escape("Chưa có số liệu.")}</text>')
    for n, (label, value) in enumerate(items):
        y = n * ROW + 4
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 14}" text-anchor="end" '
            f'font-size="12" fill="#1d2430">{escape(short)}</text>'
        )
        total = second[n] if second is not None else None
        if total is not None:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 2}" height="{ROW - 6}" '
                f'width="{BAR_WIDTH * total / top:.1f}" fill="#c9d8f2"/>'
            )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" height="{ROW - 6}" '
            f'width="{BAR_WIDTH * value / top:.1f}" fill="{COLOURS[0]}"/>'
        )
        shown = f"{value:g}" + (f" / {total:g}" if total is not None else "")
        parts.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH * max(value, total or 0) / top + 4:.1f}" '
            f'y="{y + 14}" font-size="12" fill="#1d2430">{shown}</text>'
        )
    if legend and items:
        y = len(items) * ROW + 6
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="12" height="12" fill="{COLOURS[0]}"/>'
            f'<text x="{LABEL_WIDTH + 16}" y="{y + 11}" font-size="12">{escape(legend[0])}</text>'
            f'<rect x="{LABEL_WIDTH + 150}" y="{y}" width="12" height="12" fill="#c9d8f2"/>'
            f'<text x="{LABEL_WIDTH + 166}" y="{y + 11}" font-size="12">{escape(legend[1])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
