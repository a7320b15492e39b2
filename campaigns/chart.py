"""The campaign's progress chart, drawn on the server, no chart library, no CDN: the lines in an SVG that
stretches to its box, every text in HTML around it, so text keeps its size on a 360 px phone as on a
desktop (an SVG scaled down to a phone took its 12-unit text down to 6 px). Styles in campaigns.css."""

from django.utils.html import escape
from django.utils.translation import gettext as _

from backend.formats import number

# The plot's own units (it stretches to its box: only the lines are drawn in them).
SIZE = 1000
# Date labels at least this share of the plot apart: ~47 px on a 360 px phone, where a date is ~36 px.
MIN_LABEL_GAP = 1 / 6


def _date_labels(count: int, span: int) -> list[int]:
    """The days to write a date under: the first, then each far enough from the last one written."""
    chosen: list[int] = []
    for index in range(count):
        if not chosen or (index - chosen[-1]) / span >= MIN_LABEL_GAP:
            chosen.append(index)
    return chosen


def progress_svg(*, days: list[dict], target: int, total_days: int) -> str:
    """Cumulative households reached per day against the target and the even pace towards it."""
    reached = [day["households_reached_cumulative"] for day in days]
    top = max([target, *reached, 1])
    span = max(total_days - 1, 1)

    def x(index) -> float:  # share of the plot's width, 0–1
        return index / span

    def y(value) -> float:  # share of the plot's height from the bottom, 0–1
        return value / top

    def plot(share_x, share_y) -> str:
        return f"{share_x * SIZE:.1f},{(1 - share_y) * SIZE:.1f}"

    lines = []
    ticks = []
    for step in range(5):
        value = top * step / 4
        lines.append(
            f'<line x1="0" y1="{(1 - y(value)) * SIZE:.1f}" x2="{SIZE}" y2="{(1 - y(value)) * SIZE:.1f}" '
            f'stroke="#e4e7eb" vector-effect="non-scaling-stroke"/>'
        )
        ticks.append(f'<span style="bottom: {y(value) * 100:.2f}%">{number(int(value))}</span>')
    marks = []
    if target:
        lines.append(
            f'<line class="target" x1="0" y1="{(1 - y(target)) * SIZE:.1f}" x2="{SIZE}" y2="{(1 - y(target)) * SIZE:.1f}" '
            f'stroke="#b71c1c" stroke-dasharray="6 4" stroke-width="1.5" vector-effect="non-scaling-stroke"/>'
        )
        lines.append(
            f'<line class="pace" x1="0" y1="{SIZE}" x2="{SIZE}" y2="{(1 - y(target)) * SIZE:.1f}" '
            f'stroke="#9aa5b1" stroke-dasharray="2 4" stroke-width="1.5" vector-effect="non-scaling-stroke"/>'
        )
        marks.append(
            f'<span class="chart-mark target" style="bottom: {y(target) * 100:.2f}%">{escape(_("Chỉ tiêu"))}</span>'
        )
    if reached:
        points = " ".join(plot(x(i), y(v)) for i, v in enumerate(reached))
        lines.append(
            f'<polyline class="reached" points="{points}" fill="none" stroke="#1565c0" stroke-width="3" '
            f'vector-effect="non-scaling-stroke"/>'
        )
        last_x = x(len(reached) - 1)
        side = "right" if last_x > 0.8 else "left"
        where = f"right: {(1 - last_x) * 100:.2f}%" if side == "right" else f"left: {last_x * 100:.2f}%"
        marks.append(
            f'<span class="chart-mark reached {side}" style="{where}; bottom: {y(reached[-1]) * 100:.2f}%">'
            f"{number(reached[-1])}</span>"
        )
    dates = "".join(
        f'<span style="left: {x(index) * 100:.2f}%">{escape(days[index]["name"][:5])}</span>'
        for index in _date_labels(len(days), span)
    )
    return (
        f'<figure class="progress-figure" role="img" aria-label="{escape(_("Tiến độ theo ngày"))}">'
        f'<div class="chart-y" aria-hidden="true">{"".join(ticks)}</div>'
        f'<div class="chart-plot">'
        f'<svg class="progress-chart" viewBox="0 0 {SIZE} {SIZE}" preserveAspectRatio="none" '
        f'xmlns="http://www.w3.org/2000/svg" aria-hidden="true">'
        f'<line x1="0" y1="{SIZE}" x2="{SIZE}" y2="{SIZE}" stroke="#555" vector-effect="non-scaling-stroke"/>'
        f'<line x1="0" y1="0" x2="0" y2="{SIZE}" stroke="#555" vector-effect="non-scaling-stroke"/>'
        f"{''.join(lines)}</svg>{''.join(marks)}</div>"
        f'<div class="chart-x" aria-hidden="true">{dates}</div>'
        f"</figure>"
    )
