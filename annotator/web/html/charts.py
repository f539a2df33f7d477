"""Server-side SVG charts for the agreement dashboard (pure: strings in, markup out).

Colours come from viridis, whose lightness rises monotonically, so the order of the cells stays
readable for colour-blind readers and in greyscale; the number in every cell is printed in black
or white, whichever contrasts more with its background (WCAG 2 contrast ratio).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# viridis at 0, 0.1, ..., 1 (matplotlib's table).
VIRIDIS = (
    "#440154",
    "#482475",
    "#414487",
    "#355f8d",
    "#2a788e",
    "#21918c",
    "#22a884",
    "#44bf70",
    "#7ad151",
    "#bddf26",
    "#fde725",
)
MISSING_FILL = "#e6e5e1"
INK = "#1d1d1b"


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(background: str) -> str:
    """Black or white, whichever reads better on `background`."""
    return (
        "#000000"
        if contrast_ratio(background, "#000000") >= contrast_ratio(background, "#ffffff")
        else "#ffffff"
    )


def scale_colour(value: float | None, low: float = 0.0, high: float = 1.0) -> str:
    """The viridis colour of `value` on [low, high] (clipped), grey when undefined."""
    if value is None:
        return MISSING_FILL
    t = min(1.0, max(0.0, (value - low) / (high - low)))
    position = t * (len(VIRIDIS) - 1)
    k = min(int(position), len(VIRIDIS) - 2)
    f = position - k
    a, b = _rgb(VIRIDIS[k]), _rgb(VIRIDIS[k + 1])
    mixed = (round(x + (y - x) * f) for x, y in zip(a, b, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*mixed)


def format_value(value: float | None, digits: int = 2) -> str:
    """A figure as shown in charts and tables: n/a when undefined."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def heatmap_svg(
    names: Sequence[str],
    values: dict[tuple[str, str], float | None],
    counts: dict[tuple[str, str], int],
    *,
    title: str,
    count_unit: str = "docs",
    low: float = 0.0,
) -> Markup:
    """A symmetric pair x pair matrix with the value and its count printed in each cell."""
    n = len(names)
    cell, left, top = 64, 110, 34
    width, height = left + n * cell + 90, top + n * cell + 8
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for j, name in enumerate(names):
        x = left + j * cell + cell / 2
        out.append(
            f'<text x="{x}" y="{top - 10}" text-anchor="middle" class="axis">{escape(name)}</text>'
        )
    for i, row in enumerate(names):
        y = top + i * cell
        out.append(
            f'<text x="{left - 8}" y="{y + cell / 2 + 4}" text-anchor="end" class="axis">'
            f"{escape(row)}</text>"
        )
        for j, col in enumerate(names):
            x = left + j * cell
            if i == j:
                out.append(
                    f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="#ffffff" '
                    f'stroke="#dedcd5"/><text x="{x + cell / 2}" y="{y + cell / 2 + 4}" '
                    f'text-anchor="middle" fill="#6b6a66">—</text>'
                )
                continue
            value = values.get((row, col), values.get((col, row)))
            count = counts.get((row, col), counts.get((col, row), 0))
            fill = scale_colour(value, low)
            ink = text_colour_on(fill)
            label = format_value(value)
            out.append(
                f'<g class="cell" data-a="{escape(row)}" data-b="{escape(col)}">'
                f"<title>{escape(row)} × {escape(col)}: {label} ({count} {count_unit})</title>"
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" '
                f'stroke="#ffffff"/>'
                f'<text x="{x + cell / 2}" y="{y + cell / 2 + 1}" text-anchor="middle" '
                f'fill="{ink}" class="value">{label}</text>'
                f'<text x="{x + cell / 2}" y="{y + cell / 2 + 17}" text-anchor="middle" '
                f'fill="{ink}" class="count">{count} {count_unit}</text></g>'
            )
    out.append(_colour_bar(left + n * cell + 24, top, n * cell, low))
    out.append("</svg>")
    return Markup("".join(out))


def _colour_bar(x: float, y: float, height: float, low: float) -> str:
    steps = 20
    parts = []
    for k in range(steps):
        value = 1.0 - (k + 0.5) / steps * (1.0 - low)
        parts.append(
            f'<rect x="{x}" y="{y + k * height / steps:.2f}" width="14" '
            f'height="{height / steps + 0.5:.2f}" fill="{scale_colour(value, low)}"/>'
        )
    parts.append(f'<text x="{x + 18}" y="{y + 9}" class="tick">1</text>')
    parts.append(f'<text x="{x + 18}" y="{y + height}" class="tick">{low:g}</text>')
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: a label's value, its 95% interval and the colour of the label."""

    name: str
    value: float | None
    ci95: tuple[float, float] | None
    colour: str
    count: int


def bars_svg(
    bars: Sequence[Bar],
    *,
    title: str,
    count_unit: str = "units",
    thresholds: Sequence[float] = (0.667, 0.8),
) -> Markup:
    """Horizontal bars with 95% whiskers on a 0..1 axis (extended below 0 when needed)."""
    # The axis starts at 0, or at the next step of 0.2 below the lowest value or interval end.
    lows = [b.value for b in bars if b.value is not None] + [b.ci95[0] for b in bars if b.ci95]
    low = max(-1.0, min(0.0, math.floor(min(lows, default=0.0) * 5) / 5))
    left, plot, row, top = 170, 360, 34, 22
    width, height = left + plot + 130, top + row * len(bars) + 26

    def xpos(v: float) -> float:
        return left + (v - low) / (1.0 - low) * plot

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    axis_y = top + row * len(bars)
    ticks = [round(low + 0.2 * k, 1) for k in range(round((1.0 - low) / 0.2) + 1)]
    for tick in ticks:
        out.append(
            f'<line x1="{xpos(tick):.1f}" x2="{xpos(tick):.1f}" y1="{top - 4}" y2="{axis_y}" '
            f'stroke="#ebe9e3"/><text x="{xpos(tick):.1f}" y="{axis_y + 14}" '
            f'text-anchor="middle" class="tick">{tick:g}</text>'
        )
    for t in thresholds:
        out.append(
            f'<line x1="{xpos(t):.1f}" x2="{xpos(t):.1f}" y1="{top - 10}" y2="{axis_y}" '
            f'stroke="#6b6a66" stroke-dasharray="3 3"/><text x="{xpos(t):.1f}" y="{top - 12}" '
            f'text-anchor="middle" class="tick">{t:g}</text>'
        )
    for k, bar in enumerate(bars):
        y = top + k * row
        out.append(f'<g class="bar" data-name="{escape(bar.name)}">')
        out.append(
            f'<text x="{left - 8}" y="{y + row / 2 + 4}" text-anchor="end" class="axis">'
            f"{escape(bar.name)}</text>"
        )
        label = format_value(bar.value)
        if bar.value is not None:
            x0, x1 = sorted((xpos(max(low, 0.0)), xpos(bar.value)))
            out.append(
                f'<rect x="{x0:.1f}" y="{y + 7}" width="{max(x1 - x0, 1):.1f}" '
                f'height="{row - 14}" fill="{bar.colour}"/>'
            )
        end = xpos(1.0) + 8
        if bar.ci95:
            lo, hi = (xpos(v) for v in bar.ci95)
            mid = y + row / 2
            out.append(
                f'<g class="whisker" stroke="{INK}" stroke-width="1.5">'
                f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{mid}" y2="{mid}"/>'
                f'<line x1="{lo:.1f}" x2="{lo:.1f}" y1="{mid - 6}" y2="{mid + 6}"/>'
                f'<line x1="{hi:.1f}" x2="{hi:.1f}" y1="{mid - 6}" y2="{mid + 6}"/></g>'
            )
        interval = (
            f" [{bar.ci95[0]:.2f}, {bar.ci95[1]:.2f}]" if bar.ci95 and bar.value is not None else ""
        )
        out.append(
            f'<text x="{end}" y="{y + row / 2 + 4}" class="value">{label}'
            f'<tspan class="ci">{interval}</tspan></text>'
            f"<title>{escape(bar.name)}: {label}{interval}, {bar.count} {count_unit}</title></g>"
        )
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a line chart: a value per point (None: no value there), optional intervals."""

    name: str
    values: tuple[float | None, ...]
    colour: str
    dash: str = ""
    intervals: tuple[tuple[float, float] | None, ...] = ()


def line_svg(
    points: Sequence[str], series: Sequence[Series], *, title: str, subtitle: str = ""
) -> Markup:
    """A line chart on a 0..1 axis (extended below 0 when needed): one x position per point,
    every value printed next to its dot, 95% intervals as whiskers, and a legend."""
    values = [v for s in series for v in s.values if v is not None]
    values += [lo for s in series for iv in s.intervals if iv for lo in iv[:1]]
    low = max(-1.0, min(0.0, math.floor(min(values, default=0.0) * 5) / 5))
    left, top, plot_h = 44, 34, 240
    step = 150 if len(points) > 1 else 0
    plot_w = max(step * (len(points) - 1), 1)
    width = left + plot_w + 150
    height = top + plot_h + 46

    def x(i: int) -> float:
        return left + 20 + i * step

    def y(v: float) -> float:
        return top + (1.0 - (v - low) / (1.0 - low)) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lines" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="14" class="axis">{escape(subtitle)}</text>',
    ]
    for k in range(round((1.0 - low) / 0.2) + 1):
        tick = round(low + 0.2 * k, 1)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w + 40}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#ebe9e3"/><text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
            f'class="tick">{tick:g}</text>'
        )
    for i, name in enumerate(points):
        out.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle" class="tick">'
            f"{escape(name)}</text>"
        )
    for n, s in enumerate(series):
        out.append(f'<g class="series" data-name="{escape(s.name)}">')
        run: list[str] = []
        for i, v in enumerate(s.values):
            if v is None:
                if len(run) > 1:
                    out.append(_polyline(run, s))
                run = []
                continue
            run.append(f"{x(i):.1f},{y(v):.1f}")
        if len(run) > 1:
            out.append(_polyline(run, s))
        for i, v in enumerate(s.values):
            interval = s.intervals[i] if i < len(s.intervals) else None
            if interval:
                lo, hi = y(interval[0]), y(interval[1])
                out.append(
                    f'<g class="whisker" stroke="{s.colour}" stroke-width="1.2">'
                    f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{lo:.1f}" y2="{hi:.1f}"/>'
                    f'<line x1="{x(i) - 4:.1f}" x2="{x(i) + 4:.1f}" y1="{lo:.1f}" y2="{lo:.1f}"/>'
                    f'<line x1="{x(i) - 4:.1f}" x2="{x(i) + 4:.1f}" y1="{hi:.1f}" y2="{hi:.1f}"/>'
                    "</g>"
                )
            if v is not None:
                tip = f"{s.name}, {points[i]}: {format_value(v)}"
                if interval:
                    tip += f" [{interval[0]:.2f}, {interval[1]:.2f}]"
                out.append(
                    f'<circle class="point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" '
                    f'fill="{s.colour}"><title>{escape(tip)}</title></circle>'
                    f'<text x="{x(i) + 7:.1f}" y="{y(v) - 6 + 12 * n:.1f}" class="value">'
                    f"{format_value(v)}</text>"
                )
        out.append("</g>")
        ly = top + 14 * n
        lx = left + plot_w + 56
        out.append(
            f'<line x1="{lx}" x2="{lx + 18}" y1="{ly}" y2="{ly}" stroke="{s.colour}" '
            f'stroke-width="2.5"{_dash(s)}/><text x="{lx + 24}" y="{ly + 4}" class="axis">'
            f"{escape(s.name)}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))


def _dash(s: Series) -> str:
    return f' stroke-dasharray="{s.dash}"' if s.dash else ""


def _polyline(points: list[str], s: Series) -> str:
    return (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{s.colour}" '
        f'stroke-width="2.5"{_dash(s)}/>'
    )
