"""Numbers as people read them, one way for maps, cards, charts, tables and exports.

Vietnamese groups thousands with a dot and writes decimals with a comma (1.234; 25,0 %); English
with a comma and a dot (1,234; 25.0%). Templates get the same through USE_THOUSAND_SEPARATOR and
the ``number``/``percent`` filters (maps/templatetags/numbers.py); Python code calls these.
"""

from django.utils import formats
from django.utils.translation import get_language


def number(value, decimals: int | None = None) -> str:
    """``1234`` → ``"1.234"`` (vi) / ``"1,234"`` (en); ``None`` → ``""``."""
    if value is None or value == "":
        return ""
    if type(value) is int and decimals is None:
        # Counts, the common case (a national map formats some 16,000): grouping by three with the
        # language's separator, as number_format does, at a twentieth of its cost.
        return f"{value:,}".replace(",", formats.get_format("THOUSAND_SEPARATOR"))
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def percent(ratio, decimals: int = 1) -> str:
    """A ratio as a percentage: ``0.25`` → ``"25,0 %"`` (vi) / ``"25.0%"`` (en); ``None`` → ``""``."""
    if ratio is None or ratio == "":
        return ""
    text = number(round(float(ratio) * 100, decimals), decimals)
    space = "" if (get_language() or "vi").startswith("en") else " "
    return f"{text}{space}%"
