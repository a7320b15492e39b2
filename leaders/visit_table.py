"""The commune's visits one by one, like a survey platform's data view: newest first, filtered by
village, team, volunteer, outcome, flag and date range (dd/mm/yyyy), read for the caller's scope.

Each row says whether the visit counts (core.counting: held visits are out of every total) and why it
was flagged, in Vietnamese. Household names only reach scopes that see identity.
"""

from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import HelpItem, HelpResult, Outcome, Review, User, Visit, team_display_name
from core.scope import Scope
from core.selectors import history_provinces, teams_for, villages_for, visits_for
from core.services.integrity import FLAG_DESCRIPTIONS
from coverage.numbers import CoverageFilter
from maps.filters import day_range_check

PER_PAGE = 100
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

# The flag filter's choices, each one condition on Visit (core.counting decides held and review).
FLAG_NONE, FLAG_WEAK, FLAG_HELD, FLAG_CONFIRMED, FLAG_REJECTED = (
    "none",
    "weak",
    "held",
    "confirmed",
    "rejected",
)
FLAG_CONDITIONS = {
    FLAG_NONE: Q(is_flagged=False),
    FLAG_WEAK: Q(is_flagged=True, held=False, review=Review.NONE),
    FLAG_HELD: Q(is_flagged=True, held=True, review=Review.NONE),
    FLAG_CONFIRMED: Q(review=Review.CONFIRMED),
    FLAG_REJECTED: Q(review=Review.REJECTED),
}
FLAG_CHOICES = [
    ("", gettext_lazy("Tất cả")),
    (FLAG_NONE, gettext_lazy("Không có cảnh báo")),
    (FLAG_WEAK, gettext_lazy("Cảnh báo nhẹ (vẫn tính)")),
    (FLAG_HELD, gettext_lazy("Đang giữ lại chờ xem xét")),
    (FLAG_CONFIRMED, gettext_lazy("Đã xác nhận")),
    (FLAG_REJECTED, gettext_lazy("Đã bác bỏ")),
]


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        required=False,
        label=label,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "size": 10}
        ),
    )


class VisitTableForm(forms.Form):
    """GET filters of the visit table; every choice is limited to the commune in the caller's scope."""

    village = forms.ChoiceField(required=False, label=gettext_lazy("Thôn"))
    team = forms.TypedChoiceField(required=False, label=gettext_lazy("Tổ"), coerce=int, empty_value=None)
    volunteer = forms.TypedChoiceField(
        required=False, label=gettext_lazy("Thành viên"), coerce=int, empty_value=None
    )
    outcome = forms.ChoiceField(required=False, label=gettext_lazy("Kết quả"))
    flag = forms.ChoiceField(required=False, label=gettext_lazy("Cảnh báo"), choices=FLAG_CHOICES)
    date_from = _date_field(gettext_lazy("Từ ngày"))
    date_to = _date_field(gettext_lazy("Đến ngày"))
    page = forms.IntegerField(
        required=False, min_value=1, label=gettext_lazy("Trang"), widget=forms.HiddenInput
    )

    def __init__(self, *args, scope: Scope, commune: str, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("Tất cả"))]
        self.fields["village"].choices = everything + list(
            villages_for(scope=scope, commune=commune).order_by("name", "code").values_list("code", "name")
        )
        self.fields["team"].choices = everything + [
            (team.id, team.display_name)
            for team in teams_for(scope=scope).filter(commune_id=commune).order_by("name")
        ]
        self.fields["volunteer"].choices = everything + [
            (member_id, full_name or username)
            for member_id, full_name, username in User.objects.filter(commune_id=commune)
            .order_by("full_name", "username")
            .values_list("id", "full_name", "username")
        ]
        self.fields["outcome"].choices = everything + list(Outcome.choices)

    def clean(self):
        cleaned = super().clean()
        day_range_check(self, cleaned)
        return cleaned

    def error_text(self) -> str:
        """Every error naming its field, for the 400 page."""
        return "; ".join(
            f"{self.fields[name].label if name in self.fields else _('Bộ lọc')}: "
            + " ".join(str(error) for error in errors)
            for name, errors in self.errors.items()
        )


@dataclass(frozen=True)
class VisitTableFilter:
    village: str | None = None
    team: int | None = None
    volunteer: int | None = None
    outcome: str | None = None
    flag: str | None = None
    date_from: object = None
    date_to: object = None

    @classmethod
    def from_form(cls, form: VisitTableForm) -> "VisitTableFilter":
        data = form.cleaned_data
        return cls(**{name: data.get(name) or None for name in cls.__dataclass_fields__})

    def condition(self) -> Q:
        condition = CoverageFilter(date_from=self.date_from, date_to=self.date_to).visit_window()
        if self.village:
            condition &= Q(village_id=self.village)
        if self.team:
            condition &= Q(team_id=self.team)
        if self.volunteer:
            condition &= Q(volunteer_id=self.volunteer)
        if self.outcome:
            condition &= Q(outcome=self.outcome)
        if self.flag:
            condition &= FLAG_CONDITIONS[self.flag]
        return condition


def commune_visits(*, scope: Scope, commune: str, filters: VisitTableFilter) -> QuerySet[Visit]:
    """The commune's visits in the scope under the filters, newest first (ids break ties)."""
    villages = villages_for(scope=scope, commune=commune)
    provinces = history_provinces(village_codes=villages.values_list("code", flat=True))
    return (
        visits_for(scope=scope)
        .filter(filters.condition(), village__in=villages, province_id__in=provinces)
        .order_by("-visited_at", "-id")
    )


def counted_text(*, held: bool, review: str) -> str:
    if review == Review.REJECTED:
        return _("Không tính (đã bác bỏ)")
    if held:
        return _("Giữ lại chờ xem xét")
    return _("Được tính")


def visit_rows(visits: QuerySet[Visit], *, scope: Scope) -> list[dict]:
    """The visits (already scoped, sliced) as table rows: two queries whatever their number."""
    values = list(
        visits.values(
            "id",
            "visited_at",
            "outcome",
            "flags",
            "held",
            "review",
            "province_id",
            "volunteer__full_name",
            "volunteer__username",
            "team__name",
            "team__commune__name",
            "household__label",
            "village__name",
        )
    )
    results = dict(HelpResult.choices)
    helped = defaultdict(list)
    if values:
        for visit_id, service, result in (
            HelpItem.objects.filter(
                visit_id__in=[row["id"] for row in values],
                province_id__in=sorted({row["province_id"] for row in values}),
            )
            .order_by("service__name")
            .values_list("visit_id", "service__name", "result")
        ):
            helped[visit_id].append(f"{service} ({results.get(result, result)})")
    outcomes = dict(Outcome.choices)
    identity = scope.sees_identity
    return [
        {
            "id": row["id"],
            "visited_at": timezone.localtime(row["visited_at"]),
            "village": row["village__name"],
            "household": row["household__label"] if identity else "",
            "volunteer": row["volunteer__full_name"] or row["volunteer__username"],
            "team": team_display_name(row["team__name"], row["team__commune__name"])
            if row["team__name"]
            else "",
            "outcome": str(outcomes.get(row["outcome"], row["outcome"])),
            "help": helped.get(row["id"], []),
            "flags": [
                _(FLAG_DESCRIPTIONS[flag]) if flag in FLAG_DESCRIPTIONS else flag
                for flag in row["flags"] or []
            ],
            "held": row["held"],
            "counted": counted_text(held=row["held"], review=row["review"]),
        }
        for row in values
    ]


EXPORT_CHUNK = 2_000


def all_visit_rows(*, scope: Scope, commune: str, filters: VisitTableFilter):
    """Every row of the filtered table, in the page's order, read in chunks (for the XLSX)."""
    visits = commune_visits(scope=scope, commune=commune, filters=filters)
    start = 0
    while True:
        rows = visit_rows(visits[start : start + EXPORT_CHUNK], scope=scope)
        yield from rows
        if len(rows) < EXPORT_CHUNK:
            return
        start += EXPORT_CHUNK
