"""Charts drawn on the server as SVG: no JavaScript, no inline style (colours come from the site's
stylesheet through class names), a title and a description for screen readers, and the same
figures in a table beside every chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 480
HEIGHT = 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 10, 16, 44


@dataclass(frozen=True)
class Bar:
    """One period's bar: completed below, in progress stacked on top."""

    label: str
    completed: int
    in_progress: int


def scale_top(largest: int) -> int:
    """A round top for the axis: 1, 2 or 5 × 10ⁿ, at least the largest bar."""
    if largest <= 1:
        return 1
    magnitude: int = 10 ** (len(str(largest)) - 1)
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= largest)


def _ticks(top: int) -> list[int]:
    return sorted({0, top // 2, top} if top >= 2 else {0, top})


def stacked_bars(bars: Sequence[Bar], title: str, description: str, legend: tuple[str, str]) -> Markup:
    """A stacked bar chart of completed and in-progress cases per period, as inline SVG."""
    largest = max((bar.completed + bar.in_progress for bar in bars), default=0)
    top = scale_top(largest)
    plot_width = WIDTH - _LEFT - _RIGHT
    plot_height = HEIGHT - _TOP - _BOTTOM
    slot = plot_width / max(1, len(bars))
    width = max(4.0, slot * 0.6)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(description)}</desc>',
    ]
    for tick in _ticks(top):
        y = _TOP + plot_height - plot_height * tick / top
        parts.append(
            f'<line class="chart-grid" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart-axis" x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    for index, bar in enumerate(bars):
        x = _LEFT + slot * index + (slot - width) / 2
        done = plot_height * bar.completed / top
        open_ = plot_height * bar.in_progress / top
        base = _TOP + plot_height
        parts.append(
            f'<rect class="chart-completed" x="{x:.1f}" y="{base - done:.1f}" width="{width:.1f}" '
            f'height="{done:.1f}"/>'
            f'<rect class="chart-open" x="{x:.1f}" y="{base - done - open_:.1f}" width="{width:.1f}" '
            f'height="{open_:.1f}"/>'
            f'<text class="chart-axis" x="{x + width / 2:.1f}" y="{base + 16}" text-anchor="middle">'
            f"{escape(bar.label)}</text>"
        )
    legend_y = HEIGHT - 10
    parts.append(
        f'<rect class="chart-completed" x="{_LEFT}" y="{legend_y - 9}" width="10" height="10"/>'
        f'<text class="chart-axis" x="{_LEFT + 14}" y="{legend_y}">{escape(legend[0])}</text>'
        f'<rect class="chart-open" x="{_LEFT + 210}" y="{legend_y - 9}" width="10" height="10"/>'
        f'<text class="chart-axis" x="{_LEFT + 224}" y="{legend_y}">{escape(legend[1])}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it passed through escape()
