"""The filters a leader sets on a map page and on the leader's pages (campaign, dates, service): one
form, one reading of it, and coverage's one rule for the period they cover."""

from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.forms import DATE_INPUTS, DayInput
from campaigns.models import CAMPAIGN_EARLIEST_DAY, CAMPAIGN_LATEST_DAY, Campaign
from campaigns.selectors import campaign_window, campaigns_for
from core.scope import Scope
from core.selectors import services_list
from coverage.numbers import CoverageFilter


class DayField(forms.DateField):
    """A date read day first (or ISO) and shown back day first, however it was typed: a link with an ISO
    date (a bookmark, another page's link) shows dd/mm/yyyy in the box too. What cannot be read is shown
    as typed, beside its error."""

    def bound_data(self, data, initial):
        try:
            return self.to_python(data) or data
        except forms.ValidationError:
            return data


def day_range_check(form: forms.Form, cleaned: dict) -> None:
    """The one rule for a filter's days (``date_from``, ``date_to``): each inside the years a campaign may
    use, and the end not before the start; errors added to their field."""
    for name in ("date_from", "date_to"):
        day = cleaned.get(name)
        if day and not CAMPAIGN_EARLIEST_DAY <= day <= CAMPAIGN_LATEST_DAY:
            form.add_error(
                name,
                _("Phải trong khoảng %(first)s đến %(last)s.")
                % {
                    "first": CAMPAIGN_EARLIEST_DAY.strftime("%d/%m/%Y"),
                    "last": CAMPAIGN_LATEST_DAY.strftime("%d/%m/%Y"),
                },
            )
    start, end = cleaned.get("date_from"), cleaned.get("date_to")
    if start and end and end < start:
        form.add_error("date_to", _("Ngày kết thúc phải sau ngày bắt đầu."))


class LeaderFilterForm(forms.Form):
    """GET filters shared by the map and the tables. Dates are typed and shown dd/mm/yyyy with the campaign
    form's widget (never the browser's own date field, which shows mm/dd/yyyy in an English browser);
    day first or ISO (links made before) is read, never month first."""

    campaign = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Chiến dịch"))
    date_from = DayField(
        required=False, label=gettext_lazy("Từ ngày"), input_formats=DATE_INPUTS, widget=DayInput()
    )
    date_to = DayField(
        required=False, label=gettext_lazy("Đến ngày"), input_formats=DATE_INPUTS, widget=DayInput()
    )
    service = forms.ChoiceField(required=False, label=gettext_lazy("Dịch vụ"))

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        # Without the province's boundary (select_related in campaigns_for): the choice needs names only.
        self.fields["campaign"].queryset = (
            campaigns_for(scope=scope).select_related(None).defer("province").order_by("-starts_on")
        )
        self.fields["campaign"].empty_label = _("Tất cả")
        self.fields["service"].choices = [("", _("Tất cả")), *services_list().values_list("code", "name")]

    def clean(self):
        cleaned = super().clean()
        day_range_check(self, cleaned)
        return cleaned

    def error_text(self) -> str:
        """Every error naming its field, for the 400 page."""
        parts = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else _("Bộ lọc")
            parts.append(f"{label}: {' '.join(str(error) for error in errors)}")
        return "; ".join(parts)


@dataclass(frozen=True)
class LeaderFilter(CoverageFilter):
    """The filters as the form read them: the campaign itself, which pages also show and take the
    services a household may be missing from. Coverage reads them as its own filter (``coverage()``);
    the period, emptiness and key are coverage's rules, inherited."""

    campaign: Campaign | None = None

    @classmethod
    def from_form(cls, form: LeaderFilterForm) -> "LeaderFilter":
        data = form.cleaned_data
        return cls(
            campaign=data.get("campaign"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            service=data.get("service") or None,
        )

    def coverage(self) -> CoverageFilter:
        return self._coverage

    @cached_property
    def _coverage(self) -> CoverageFilter:
        return CoverageFilter(
            campaign=campaign_window(self.campaign) if self.campaign else None,
            date_from=self.date_from,
            date_to=self.date_to,
            service=self.service,
        )

    def services(self, catalogue: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The services a household may still be missing: the one chosen, the campaign's, or all."""
        if self.service:
            return [(code, name) for code, name in catalogue if code == self.service]
        if self.campaign:
            chosen = set(self.campaign.services.values_list("code", flat=True))
            if chosen:
                return [(code, name) for code, name in catalogue if code in chosen]
        return catalogue
