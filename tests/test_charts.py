"""The dashboard's SVG charts: readable numbers, a colour-blind-safe ordered palette, contrast."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.web.html.charts import (
    VIRIDIS,
    Bar,
    bars_svg,
    contrast_ratio,
    heatmap_svg,
    scale_colour,
    text_colour_on,
)

NS = {"svg": "http://www.w3.org/2000/svg"}


def lightness(hex_colour: str) -> float:
    """CIE L* of an sRGB colour, written out here independently of the module."""
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else 24389 / 27 * y


@pytest.mark.parametrize(
    ("a", "b", "published"),
    # WebAIM contrast checker values.
    [("#000000", "#ffffff", 21.0), ("#777777", "#ffffff", 4.48), ("#0000ff", "#ffffff", 8.59)],
)
def test_contrast_ratio_matches_published_values(a, b, published):
    assert contrast_ratio(a, b) == pytest.approx(published, abs=0.01)


def test_palette_lightness_rises_monotonically():
    # An ordered scale readable without hue (colour-blind readers, greyscale print).
    values = [k / 100 for k in range(101)]
    lights = [lightness(scale_colour(v)) for v in values]
    assert all(b > a for a, b in zip(lights, lights[1:], strict=False))
    assert scale_colour(0.0) == VIRIDIS[0] and scale_colour(1.0) == VIRIDIS[-1]
    assert scale_colour(-0.4) == VIRIDIS[0]  # negative kappa: clipped to the low end


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=-1, max_value=1) | st.none())
def test_numbers_in_cells_reach_wcag_aa_contrast(value):
    fill = scale_colour(value)
    assert contrast_ratio(fill, text_colour_on(fill)) >= 4.5


def _cells(svg: str) -> dict[tuple[str, str], list[str]]:
    root = ET.fromstring(svg)
    cells = {}
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        if g.get("class") == "cell":
            texts = [t.text for t in g.findall("svg:text", NS)]
            rect = g.find("svg:rect", NS)
            cells[(g.get("data-a"), g.get("data-b"))] = [*texts, rect.get("fill")]
    return cells


def test_heatmap_prints_every_pair_symmetrically_with_counts():
    names = ["anna", "ben", "carl"]
    values = {("anna", "ben"): 0.6666, ("anna", "carl"): None, ("ben", "carl"): -0.125}
    counts = {("anna", "ben"): 4, ("anna", "carl"): 0, ("ben", "carl"): 2}
    svg = str(heatmap_svg(names, values, counts, title="kappa <test>"))
    cells = _cells(svg)
    assert len(cells) == 6  # the diagonal has no cell
    assert cells[("anna", "ben")][:2] == ["0.67", "4 docs"]
    assert cells[("ben", "anna")][:2] == ["0.67", "4 docs"]
    assert cells[("carl", "ben")][:2] == ["-0.12", "2 docs"]
    assert cells[("anna", "carl")][:2] == ["n/a", "0 docs"]
    assert cells[("anna", "carl")][2] == "#e6e5e1"  # undefined: grey, never a colour of 0
    assert "kappa &lt;test&gt;" in svg  # titles are escaped


def test_bars_put_whiskers_at_the_interval_ends():
    bars = [
        Bar("State propaganda", 0.5, (0.25, 0.75), "#D55E00", 120),
        Bar("Framing", None, None, "#009E73", 120),
    ]
    svg = str(bars_svg(bars, title="alpha"))
    root = ET.fromstring(svg)
    groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "bar"]
    assert [g.get("data-name") for g in groups] == ["State propaganda", "Framing"]
    whisker = groups[0].find("svg:g", NS)
    line = whisker.find("svg:line", NS)
    left, plot = 170, 360  # the axis: 0 at x=170, 1 at x=530
    assert float(line.get("x1")) == pytest.approx(left + 0.25 * plot, abs=0.1)
    assert float(line.get("x2")) == pytest.approx(left + 0.75 * plot, abs=0.1)
    rect = groups[0].find("svg:rect", NS)
    assert float(rect.get("width")) == pytest.approx(0.5 * plot, abs=0.1)
    value = groups[0].find("svg:text[@class='value']", NS)
    assert value.text == "0.50" and "[0.25, 0.75]" in "".join(value.itertext())
    assert groups[1].find("svg:rect", NS) is None  # undefined: no bar, printed n/a
    assert groups[1].find("svg:text[@class='value']", NS).text == "n/a"


def test_bars_axis_extends_below_zero_for_negative_alpha():
    svg = str(bars_svg([Bar("x", -0.2, (-0.5, 0.1), "#000000", 10)], title="alpha"))
    root = ET.fromstring(svg)
    ticks = [
        t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "tick"
    ]
    assert ticks[0] == "-0.6" and "0" in ticks and "1" in ticks  # next 0.2 step below -0.5
    strong = str(bars_svg([Bar("x", -0.95, (-1.0, -0.9), "#000000", 10)], title="alpha"))
    ticks = [
        t.text
        for t in ET.fromstring(strong).iter("{http://www.w3.org/2000/svg}text")
        if t.get("class") == "tick"
    ]
    assert ticks[0] == "-1"
