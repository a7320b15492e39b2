"""``{% load numbers %}``: ``{{ value|number }}``, ``{{ value|number:1 }}``, ``{{ ratio|percent }}``
(backend/formats.py: 1.234 and 25,0 % in Vietnamese)."""

from django import template

from backend import formats

register = template.Library()


@register.filter
def number(value, decimals=None):
    return formats.number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def percent(ratio, decimals=1):
    return formats.percent(ratio, int(decimals))
