"""The silent-churn HTML report: self-contained, accessible, and carrying the same numbers as its charts."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from tests.analytics.sample_churn import sample_report
from trustops.analytics.churn_html import PALETTE, render_html, write_html
from trustops.analytics.distrust import DistrustMonth, DistrustReport
from trustops.errors import InvalidInput


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(sample_report(incident_id=7))


def without_plotlyjs(page: str) -> str:
    """The page less the inlined plotly.js bundle (whose source mentions URLs it never loads offline)."""
    start = page.index("<script>", page.index("PlotlyConfig"))
    return page[:start] + page[page.index("</script>", start) :]


class Outline(HTMLParser):
    """Collects heading levels, the root language and every attribute that could load something."""

    def __init__(self) -> None:
        super().__init__()
        self.levels: list[int] = []
        self.lang: str | None = None
        self.sources: list[str] = []
        self.labelled_charts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))
        if tag == "html":
            self.lang = values.get("lang")
        self.sources += [str(values[key]) for key in ("src", "href") if key in values]
        if tag == "figure" and values.get("aria-describedby") and values.get("aria-labelledby"):
            self.labelled_charts += 1


def outline(page: str) -> Outline:
    parser = Outline()
    parser.feed(without_plotlyjs(page))
    return parser


def chart_data(page: str, key: str) -> dict[str, Any]:
    """The first trace plotly draws in the chart ``key``, as the page hands it to ``Plotly.newPlot``."""
    match = re.search(rf'Plotly\.newPlot\(\s*"chart-{key}",\s*(\[.*?\]),\s*\{{"template"', page, re.S)
    assert match is not None
    return json.loads(match.group(1))[0]


def contrast(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_page_holds_the_verdict_every_metric_and_the_debt_total(page):
    report = sample_report()
    assert report.verdict in page
    for metric in report.horizon(60).metrics:
        assert metric.label in page
    assert "48,000 EUR" in page
    assert "95% CI 24,000 EUR to 72,000 EUR" in page
    assert "Payment gateway errors" in page and "2024-05-19 00:00 UTC" in page and "duckdb" in page


def test_the_page_loads_nothing_from_the_network(page):
    rest = without_plotlyjs(page).replace('<link rel="icon" href="data:,">', "")  # no favicon request either
    assert "<script src" not in page
    assert "<link" not in rest and "@import" not in rest and "url(" not in rest
    assert "http://" not in rest and "https://" not in rest
    assert [source for source in outline(page).sources if not source.startswith("data:")] == []
    assert page.count("Plotly.newPlot(") == 3
    assert len(page) - len(rest) > 1_000_000, "plotly.js is inlined once"


def test_it_is_accessible_to_people_who_cannot_see_the_charts(page):
    parsed = outline(page)
    assert parsed.lang == "en"
    assert parsed.levels[0] == 1 and parsed.levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(parsed.levels, parsed.levels[1:], strict=False))
    assert parsed.labelled_charts == 3
    assert page.count("<figcaption") == 3
    assert "Weekly share of users active from week -4 to week 8. In week 8: affected 40.0%" in page
    assert "relative to the matched controls&#39; mean after the incident, as a percentage" in page


def test_its_colours_meet_wcag_aa_contrast():
    background = PALETTE["background"]
    for key in ("text", "muted", "neutral", "loss", "gain", "affected", "control"):
        assert contrast(PALETTE[key], background) >= 4.5, key
    assert contrast(PALETTE["loss"], PALETTE["loss_background"]) >= 4.5
    assert contrast(PALETTE["gain"], PALETTE["gain_background"]) >= 4.5


def test_a_loss_is_worded_and_marked_not_only_coloured(page):
    orders = re.search(r'<tr class="(\w+)"><th scope="row">orders per user \(per 30 days\)</th>(.*?)</tr>', page, re.S)
    assert orders is not None and orders.group(1) == "loss"
    assert "▼ </span>Loss</span>" in orders.group(2)
    assert "-0.34" in orders.group(2) and "-0.56 to -0.14" in orders.group(2)
    sessions = re.search(r"sessions per user \(per 30 days\)</th>(.*?)</tr>", page, re.S)
    assert sessions is not None and "No significant change" in sessions.group(1)


def test_the_tables_carry_the_numbers_the_charts_plot(page):
    debt_chart = chart_data(page, "debt")
    assert debt_chart["text"] == ["19,200 EUR", "24,000 EUR", "4,800 EUR", "48,000 EUR"]
    assert debt_chart["y"] == [19_200, 24_000, 4_800, 48_000]
    assert '<th scope="row">Total</th><td>48,000 EUR</td><td>24,000 EUR to 72,000 EUR</td>' in page
    # orders: -0.34 against the controls' 1.9 after the incident is -17.9%, in the table and on the chart
    assert "<td>-17.9%</td><td>-29.5% to -7.4%</td>" in page
    assert round(chart_data(page, "deltas")["x"][0], 1) == -17.9


def test_the_skipped_horizon_says_why(page):
    assert "180 days after the incident" in page
    assert "Not measured: the events end 2024-06-29, 41 days after the incident" in page


def test_a_report_without_curve_or_debt_still_renders_and_says_why():
    report = sample_report()
    bare = dataclasses.replace(
        report,
        curve=None,
        horizons=tuple(dataclasses.replace(h, debt=None) for h in report.horizons),
    )

    page = render_html(bare)

    assert "No retention curve: the analysis did not compute weekly shares." in page
    assert "No reputational debt: no horizon had enough transactions to value the loss." in page
    assert page.count("Plotly.newPlot(") == 1
    assert report.verdict in page


def test_a_report_with_nothing_measured_has_no_delta_chart():
    report = sample_report()
    early = dataclasses.replace(report, horizons=(report.horizons[-1],), curve=None)

    page = render_html(early)

    assert "No metric deltas: no horizon could be measured." in page
    assert "Plotly.newPlot(" not in page


def test_text_from_the_report_is_escaped():
    report = dataclasses.replace(
        sample_report(), title="<script>alert(1)</script>", verdict="Loss & <b>worse</b>", engine='duck"db'
    )

    page = render_html(report)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "Loss &amp; &lt;b&gt;worse&lt;/b&gt;" in page


def test_a_metric_label_in_a_chart_cannot_close_its_script():
    report = sample_report()
    horizon = report.horizon(60)
    hostile = dataclasses.replace(horizon.metrics[0], label="</script><img src=x onerror=alert(1)>")
    report = dataclasses.replace(report, horizons=(dataclasses.replace(horizon, metrics=(hostile,)),), curve=None)

    page = render_html(report)

    assert "<img src=x" not in page
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_distrust_section_shows_its_verdict_and_months(page):
    resolved = datetime(2024, 6, 8, tzinfo=UTC)
    month = DistrustMonth(
        month=1,
        start=resolved,
        end=datetime(2024, 7, 8, tzinfo=UTC),
        trust_doubt=9,
        reliability=14,
        expected_trust_doubt=2.0,
        expected_reliability=5.5,
        ratio=23 / 7.5,
        p_value=0.0001,
        lingering=True,
    )
    distrust = DistrustReport(
        incident_id=7,
        resolved_at=resolved,
        baseline_start=datetime(2024, 2, 19, tzinfo=UTC),
        baseline_end=datetime(2024, 5, 19, tzinfo=UTC),
        baseline_trust_doubt=24,
        baseline_reliability=66,
        months=(month,),
    )

    with_distrust = render_html(sample_report(incident_id=7), distrust=distrust.to_dict())

    assert "Lingering distrust" not in page
    assert str(escape(distrust.verdict)) in with_distrust
    row = re.search(r'<tr class="lingering"><th scope="row">1</th>(.*?)</tr>', with_distrust, re.S)
    assert row is not None
    assert "2024-06-08 to 2024-07-08" in row.group(1) and "3.1×" in row.group(1) and "&lt; 0.001" in row.group(1)
    assert "Lingering</span>" in row.group(1)


def test_a_distrust_dict_of_another_shape_is_refused():
    with pytest.raises(InvalidInput) as error:
        render_html(sample_report(), distrust={"months": []})
    assert error.value.field == "distrust"


def test_write_html_writes_the_page(tmp_path: Path):
    target = tmp_path / "reports" / "churn.html"

    write_html(sample_report(), target)

    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and "48,000 EUR" in text


def test_the_trust_index_check_is_explained_when_the_report_carries_one():
    check = {
        "drop": 69.4,
        "implied_churn": 1.0,
        "observed_churn": 0.216,
        "interval": [0.133, 0.300],
        "ratio": 0.216,
        "consistent": False,
        "verdict": "the model overstates churn (100.0% implied, 21.6% observed): scale it by 0.22",
    }
    page = render_html(dataclasses.replace(sample_report(), trust_check=check))
    assert "The model overstates churn (100.0% implied, 21.6% observed): scale it by 0.22." in page
    assert "95% CI 13.3% to 30.0%" in page
    assert "The trust index against this cohort" not in render_html(sample_report())
