"""The campaign's progress chart as inline SVG: drawn on the server, no chart library, no CDN."""

from django.utils.html import escape
from django.utils.translation import gettext as _

from backend.formats import number

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP, PAD_RIGHT = 720, 300, 60, 40, 20, 20


def progress_svg(*, days: list[dict], target: int, total_days: int) -> str:
    """Cumulative households reached per day against the target and the even pace towards it."""
    reached = [day["households_reached_cumulative"] for day in days]
    top = max([target, *reached, 1])
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    span = max(total_days - 1, 1)

    def x(index):
        return PAD_LEFT + plot_w * index / span

    def y(value):
        return PAD_TOP + plot_h * (1 - value / top)

    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(reached))
    parts = [
        f'<svg class="progress-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(_("Tiến độ theo ngày"))}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - PAD_RIGHT}" y2="{PAD_TOP + plot_h}" stroke="#555"/>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{PAD_TOP + plot_h}" stroke="#555"/>',
    ]
    for step in range(5):
        value = top * step / 4
        parts.append(
            f'<text x="{PAD_LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{number(int(value))}</text>'
        )
        parts.append(
            f'<line x1="{PAD_LEFT}" y1="{y(value):.1f}" x2="{WIDTH - PAD_RIGHT}" y2="{y(value):.1f}" stroke="#e4e7eb"/>'
        )
    for index, day in enumerate(days):
        if index % max(1, len(days) // 8) == 0:
            parts.append(
                f'<text x="{x(index):.1f}" y="{HEIGHT - 18}" text-anchor="middle">{escape(day["name"][:5])}</text>'
            )
    if target:
        parts.append(
            f'<line class="target" x1="{PAD_LEFT}" y1="{y(target):.1f}" x2="{WIDTH - PAD_RIGHT}" y2="{y(target):.1f}" '
            f'stroke="#b71c1c" stroke-dasharray="6 4"/>'
            f'<line class="pace" x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(span):.1f}" y2="{y(target):.1f}" stroke="#9aa5b1" stroke-dasharray="2 4"/>'
            f'<text x="{WIDTH - PAD_RIGHT}" y="{y(target) - 6:.1f}" text-anchor="end" fill="#b71c1c">{escape(_("Chỉ tiêu"))}</text>'
        )
    if reached:
        parts.append(
            f'<polyline class="reached" points="{points}" fill="none" stroke="#1565c0" stroke-width="3"/>'
        )
        parts.append(
            f'<text x="{x(len(reached) - 1):.1f}" y="{y(reached[-1]) - 8:.1f}" text-anchor="middle" fill="#1565c0">{number(reached[-1])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
