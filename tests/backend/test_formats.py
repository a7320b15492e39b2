"""One way to write numbers: 1.234 and 25,0 % in Vietnamese, 1,234 and 25.0% in English, in Python and
in templates alike."""

import pytest
from django.template import Context, Template
from django.utils import formats, translation
from hypothesis import given
from hypothesis import strategies as st

from backend.formats import number, percent


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("vi", ["3.578", "1.234.567", "0", "25,0 %", "100,0 %", "3,5"]),
        ("en", ["3,578", "1,234,567", "0", "25.0%", "100.0%", "3.5"]),
    ],
)
def test_numbers_and_percentages_per_language(language, expected):
    with translation.override(language):
        assert [
            number(3578),
            number(1234567),
            number(0),
            percent(0.25),
            percent(1),
            number(3.5, 1),
        ] == expected


def test_empty_values_print_nothing():
    assert number(None) == "" and percent(None) == ""


def test_templates_print_the_same_as_python():
    """Cards (template numbers) and charts (Python) must agree: 3.578 beside 3.578."""
    template = Template("{% load numbers %}{{ n }} {{ n|number }} {{ r|percent }} {{ r|percent:0 }}")
    with translation.override("vi"):
        assert template.render(Context({"n": 3578, "r": 0.2504})) == "3.578 3.578 25,0 % 25 %"
    with translation.override("en"):
        assert template.render(Context({"n": 3578, "r": 0.2504})) == "3,578 3,578 25.0% 25%"


def test_campaign_chart_uses_the_same_numbers():
    from campaigns.chart import progress_svg

    days = [{"name": "01/11", "households_reached_cumulative": 3578}]
    with translation.override("vi"):
        assert ">3.578<" in progress_svg(days=days, target=5000, total_days=30)
    with translation.override("en"):
        assert ">3,578<" in progress_svg(days=days, target=5000, total_days=30)


@pytest.mark.parametrize("language", ["vi", "en"])
@given(value=st.integers(min_value=-(10**15), max_value=10**15))
def test_counts_are_written_exactly_as_django_writes_numbers(language, value):
    """Counts take a short path (maps format thousands of them): the same text as number_format."""
    with translation.override(language):
        assert number(value) == formats.number_format(value, use_l10n=True, force_grouping=True)
