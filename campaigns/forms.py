"""The province officer's campaign form: name, dates, services, communes and a target per commune,
typed in a table or uploaded as a sheet (sheets.py). It only gathers and shapes the input; every rule
is checked by the same services as the API (``campaign_create``, ``campaign_update``), whose errors
come back onto the fields they name.

Dates are shown and typed as dd/mm/yyyy in both languages and read day first (05/11/2026 is
5 November), never month first; ISO (2026-11-05) is read too. A calendar button opens the browser's own
picker, and the page spells the chosen date out ("ngày 5 tháng 11 năm 2026") so it cannot be misread.
"""

from django import forms
from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.formats import number
from backend.text_fields import CleanCharField
from campaigns.models import (
    CAMPAIGN_EARLIEST_DAY,
    CAMPAIGN_LATEST_DAY,
    MAX_TARGET_HOUSEHOLDS,
    MAX_TARGET_PEOPLE,
    Campaign,
)
from campaigns.sheets import SheetError, SheetTarget, TargetSheet, target_sheet_read
from core.models import Commune, Service

# Day first, or ISO (what a script or a native picker sends); never month first.
DATE_INPUTS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"]
# A targets sheet read and shown is carried to the confirming request signed (never re-uploaded, never
# stored): what is confirmed is exactly what was shown.
SHEET_SALT = "campaigns.target-sheet"
SHEET_MAX_AGE = 24 * 3600


class DayInput(forms.DateInput):
    """A date typed or shown as dd/mm/yyyy in every language and browser, with a calendar button that
    opens the browser's own picker (campaign-form.js copies its choice back as dd/mm/yyyy). A native
    date field alone would show mm/dd/yyyy in a browser set to English."""

    template_name = "campaigns/widgets/day_input.html"

    def __init__(self):
        super().__init__(
            format="%d/%m/%Y",
            attrs={
                "class": "day-input",
                "inputmode": "numeric",
                "autocomplete": "off",
                "placeholder": "dd/mm/yyyy",
                "pattern": r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}",
                "maxlength": "10",
            },
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["min_day"] = CAMPAIGN_EARLIEST_DAY.isoformat()
        context["widget"]["max_day"] = CAMPAIGN_LATEST_DAY.isoformat()
        return context


class CampaignForm(forms.Form):
    name = CleanCharField(label=gettext_lazy("Tên chiến dịch"), max_length=200)
    starts_on = forms.DateField(
        label=gettext_lazy("Ngày bắt đầu"),
        input_formats=DATE_INPUTS,
        widget=DayInput(),
        help_text=gettext_lazy("ngày/tháng/năm, ví dụ 05/11/2026"),
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Ngày kết thúc"),
        input_formats=DATE_INPUTS,
        widget=DayInput(),
        help_text=gettext_lazy("ngày/tháng/năm, ví dụ 04/12/2026"),
    )
    services = forms.MultipleChoiceField(
        label=gettext_lazy("Dịch vụ"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Không chọn: mọi dịch vụ đều được tính."),
    )
    sheet = forms.FileField(
        label=gettext_lazy("Hoặc tải lên bảng chỉ tiêu (XLSX hoặc CSV)"),
        required=False,
        help_text=gettext_lazy(
            "Mỗi dòng một xã: mã xã hoặc tên xã (có dấu hay không dấu đều được), số hộ, số người. "
            "Chỉ tiêu trong tệp thay cho chỉ tiêu gõ trong bảng."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )
    sheet_name = CleanCharField(
        label=gettext_lazy("Trang tính"), required=False, max_length=100, widget=forms.HiddenInput
    )
    # The sheet read and shown (signed), confirmed by sending the form again.
    sheet_read = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, province: str, campaign: Campaign | None = None, **kwargs):
        self.province = province
        self.campaign = campaign
        self.sheet_targets: list[SheetTarget] | None = None
        self.sheet_preview: TargetSheet | None = None
        self.sheet_uploaded = False
        self.sheet_names_offered: tuple[str, ...] = ()
        self.communes = list(Commune.objects.filter(province_id=province).only("code", "name", "full_name"))
        initial = kwargs.pop("initial", None) or (self._initial_from(campaign) if campaign else {})
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["services"].choices = list(
            Service.objects.filter(is_active=True).order_by("sort_order", "code").values_list("code", "name")
        )
        for commune in self.communes:
            self.fields[f"c-{commune.code}"] = forms.BooleanField(required=False, label=commune.full_name)
            # Each box names its commune to a screen reader (the table's header cells are far away).
            names = {
                "h": _("Chỉ tiêu số hộ — %(commune)s") % {"commune": commune.full_name},
                "p": _("Chỉ tiêu số người — %(commune)s") % {"commune": commune.full_name},
            }
            for prefix, label, limit in (
                ("h", _("Số hộ"), MAX_TARGET_HOUSEHOLDS),
                ("p", _("Số người"), MAX_TARGET_PEOPLE),
            ):
                self.fields[f"{prefix}-{commune.code}"] = forms.IntegerField(
                    required=False,
                    min_value=0,
                    max_value=limit,
                    label=label,
                    widget=forms.NumberInput(attrs={"aria-label": names[prefix]}),
                    error_messages={
                        "invalid": _("%(what)s phải là số nguyên.") % {"what": label},
                        "min_value": _("%(what)s không được âm.") % {"what": label},
                        "max_value": _("%(what)s tối đa %(limit)s.")
                        % {"what": label, "limit": number(limit)},
                    },
                )

    @staticmethod
    def _initial_from(campaign: Campaign) -> dict:
        initial = {
            "name": campaign.name,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "services": [s.code for s in campaign.services.all()],
        }
        for commune in campaign.communes.all():
            initial[f"c-{commune.code}"] = True
        for target in campaign.targets.filter(commune__isnull=False):
            initial[f"h-{target.commune_id}"] = target.households
            initial[f"p-{target.commune_id}"] = target.people
        return initial

    def commune_rows(self) -> list[dict]:
        """The table: one row per commune of the province, with its three inputs."""
        return [
            {
                "commune": commune,
                "chosen": self[f"c-{commune.code}"],
                "households": self[f"h-{commune.code}"],
                "people": self[f"p-{commune.code}"],
            }
            for commune in self.communes
        ]

    def clean(self):
        data = super().clean()
        upload = data.get("sheet")
        self.sheet_uploaded = bool(upload)
        if upload:
            try:
                self.sheet_preview = target_sheet_read(
                    upload=upload, communes=self.communes, sheet=data.get("sheet_name") or None
                )
            except SheetError as error:
                self.sheet_names_offered = tuple(error.sheet_names)
                for message in error.messages:
                    self.add_error("sheet", message)
        elif data.get("sheet_read") and not self.data.get("drop_sheet"):
            self.sheet_preview = self._sheet_unsigned(data["sheet_read"])
        if self.sheet_preview is not None:
            if not self.sheet_preview.targets:
                self.add_error("sheet", _("Tệp không có xã nào có chỉ tiêu: không có gì để dùng."))
                self.sheet_preview = None
            else:
                self.sheet_targets = self.sheet_preview.targets
                self.sheet_names_offered = self.sheet_preview.sheet_names
        return data

    def _sheet_unsigned(self, token: str) -> TargetSheet | None:
        try:
            value = signing.loads(token, salt=SHEET_SALT, max_age=SHEET_MAX_AGE)
            if value["province"] != self.province or value["campaign"] != (
                self.campaign and self.campaign.pk
            ):
                raise signing.BadSignature
            codes = {commune.code for commune in self.communes}
            targets = [
                SheetTarget(commune=c, households=h, people=p, former=str(former[0]) if former else "")
                for c, h, p, *former in value["targets"]
            ]
            if any(target.commune not in codes for target in targets):
                raise signing.BadSignature
            return TargetSheet(
                targets=targets,
                problems=list(value["problems"]),
                skipped=list(value["skipped"]),
                sheet_name=value["sheet_name"],
                sheet_names=tuple(value["sheet_names"]),
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            self.add_error("sheet", _("Bảng chỉ tiêu đã xem đã hết hạn: hãy tải tệp lên lại."))
            return None

    def sheet_signed(self) -> str:
        """The sheet read, for the confirming request ("" when there is none)."""
        read = self.sheet_preview
        if read is None:
            return ""
        return signing.dumps(
            {
                "province": self.province,
                "campaign": self.campaign and self.campaign.pk,
                "targets": [[t.commune, t.households, t.people, t.former] for t in read.targets],
                "problems": read.problems,
                "skipped": read.skipped,
                "sheet_name": read.sheet_name,
                "sheet_names": list(read.sheet_names),
            },
            salt=SHEET_SALT,
            compress=True,
        )

    @property
    def needs_confirmation(self) -> bool:
        """A sheet was just uploaded: it is shown first, and used only when the officer confirms."""
        return self.sheet_uploaded and self.sheet_preview is not None

    def sheet_plan(self) -> dict | None:
        """What the sheet will make of the campaign, for the officer to confirm: its communes with their
        targets, the rows it cannot use, the lines left out, and the campaign's communes and totals."""
        read = self.sheet_preview
        if read is None:
            return None
        by_code = {commune.code: commune for commune in self.communes}
        chosen = (
            {c.code for c in self.communes if self.cleaned_data.get(f"c-{c.code}")}
            if self.is_bound
            else set()
        )
        codes = sorted(chosen | {t.commune for t in read.targets})
        return {
            "rows": [{"commune": by_code[t.commune], "target": t} for t in read.targets],
            "problems": read.problems,
            "skipped": read.skipped,
            "sheet_name": read.sheet_name,
            "sheet_names": read.sheet_names,
            "households": sum(t.households for t in read.targets),
            "people": sum(t.people for t in read.targets),
            "communes": [by_code[code] for code in codes],
            "ticked": sorted(chosen - {t.commune for t in read.targets}),
        }

    def service_data(self) -> tuple[dict, dict[int, str]]:
        """The input for campaign_create/campaign_update, and which form field each target came from."""
        data = self.cleaned_data
        chosen = [c.code for c in self.communes if data.get(f"c-{c.code}")]
        typed = {
            c.code: (data.get(f"h-{c.code}") or 0, data.get(f"p-{c.code}") or 0)
            for c in self.communes
            if data.get(f"h-{c.code}") or data.get(f"p-{c.code}")
        }
        if self.sheet_targets is not None:
            typed.update({t.commune: (t.households, t.people) for t in self.sheet_targets})
            # A sheet's communes join the ticked ones; none ticked: exactly the sheet's communes (never
            # the whole province, which is what no commune at all and no sheet means).
            chosen = sorted({*chosen, *(t.commune for t in self.sheet_targets)})
        targets, fields = [], {}
        for code in sorted(typed):
            fields[len(targets)] = f"h-{code}"
            households, people = typed[code]
            targets.append({"commune": code, "households": households, "people": people})
        if self.campaign is not None:
            # Village targets (set through the API) are not in this form: they stay as they are.
            for target in self.campaign.targets.filter(village__isnull=False):
                targets.append(
                    {"village": target.village_id, "households": target.households, "people": target.people}
                )
        return (
            {
                "name": data["name"],
                "province": self.province,
                "communes": chosen,
                "services": list(data.get("services") or []),
                "starts_on": data["starts_on"],
                "ends_on": data["ends_on"],
                "targets": targets,
            },
            fields,
        )

    def add_service_errors(self, errors: dict, fields: dict[int, str]) -> None:
        """Put the service's errors (``starts_on``, ``targets[3].households`` …) on the form's fields."""
        for key, messages in errors.items():
            messages = messages if isinstance(messages, list) else [messages]
            field = None
            if key in self.fields:
                field = key
            elif key.startswith("targets["):
                index = int(key[len("targets[") : key.index("]")])
                field = fields.get(index)
            for message in messages:
                self.add_error(field, str(message))
