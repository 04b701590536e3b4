"""The hand-written SVG charts: their marks, gaps, escaping and empty cases."""

from __future__ import annotations

import re

from tests.report.conftest import Report
from tests.report.test_figures import complaint
from trustengine.html.charts import bar_chart, histogram, line_chart, stacked_bars
from trustengine.report import report_html, report_text


def marks(svg: str, tag: str) -> int:
    return len(re.findall(rf'<{tag} class="mark"', svg))


def test_a_bar_chart_draws_one_bar_per_item_scaled_to_the_longest() -> None:
    svg = bar_chart([("a", 10.0), ("b", 5.0)], title="Bars")

    assert svg.startswith('<svg class="chart" width="640" height="56" viewBox="0 0 640 56"')
    assert marks(svg, "rect") == 2
    assert 'width="410"' in svg  # the longest bar takes the plot width
    assert 'width="205"' in svg


def test_labels_from_the_ledger_are_escaped() -> None:
    svg = bar_chart([("<script>x</script>", 1.0)], title="A & B")

    assert "<script>" not in svg
    assert "&lt;script&gt;x&lt;/script&gt;" in svg
    assert "<title>A &amp; B</title>" in svg


def test_a_chart_with_nothing_to_draw_is_a_sentence() -> None:
    assert bar_chart([("a", 0.0)], title="Bars") == '<p class="meta">Bars: nothing to chart.</p>'
    assert histogram([], title="H") == '<p class="meta">H: nothing to chart.</p>'
    assert line_chart(["2026-03"], [("NPS", [None])], title="L") == (
        '<p class="meta">L: nothing to chart.</p>'
    )
    assert stacked_bars([("x", [0, 0])], ["a", "b"], title="S") == (
        '<p class="meta">S: nothing to chart.</p>'
    )


def test_a_line_breaks_where_a_period_has_no_value() -> None:
    svg = line_chart(
        ["1", "2", "3", "4", "5"], [("NPS", [10.0, 20.0, None, 30.0, 40.0])], title="L"
    )

    assert marks(svg, "circle") == 4
    assert marks(svg, "polyline") == 2


def test_stacked_bars_skip_empty_segments_and_name_every_series_in_the_legend() -> None:
    svg = stacked_bars([("clock", [3, 0, 1])], ["met", "breached", "running"], title="S")

    assert marks(svg, "rect") == 2
    assert all(f">\u2068{name}\u2069</text>" in svg for name in ("met", "breached", "running"))


def test_a_histogram_draws_a_bar_for_each_bin_that_has_a_count() -> None:
    svg = histogram([("0-10", 2), ("10-20", 0), ("20-30", 1)], title="H")

    assert marks(svg, "rect") == 2


def test_every_chart_of_the_report_page_states_its_sample_size(report_of: Report) -> None:
    history = [complaint(f"c{n}", category=name) for n, name in enumerate("abcdefg")]

    page = report_html(report_of(history))

    figures = re.findall(r"<figure>.*?</figure>", page)
    assert len(figures) == 10
    sizes = [re.search(r'<span class="n">n = ([^<]*)</span></figcaption>', f) for f in figures]
    assert [size[1] if size else None for size in sizes] == [
        "0 NPS scores, 0 CSAT scores",
        "7 complaints",
        "7 complaints",
        "7 complaints",
        "0 cases (first response), 0 cases (resolution)",
        "21 clock runs",
        "0 promises",
        "0 offers",
        "7 cases",
        "7 customers",
    ]


def test_a_top_five_chart_folds_the_rest_into_one_other_bar(report_of: Report) -> None:
    report = report_of([complaint(f"c{n}", category=name) for n, name in enumerate("abcdefg")])

    page = report_html(report)
    text = report_text(report)

    chart = re.search(r"<svg[^>]*><title>Top categories</title>.*?</svg>", page)
    assert chart is not None
    assert marks(chart[0], "rect") == 6
    assert "\u2068other (2 categories)\u2069</text>" in chart[0]
    assert "  other (2)              2           2       -" in text.splitlines()
