"""The service catalogue in the browser: province officers and admins add services and edit guides
(``scope.edits_catalogue``); phones get the change on their next pull."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from field_api.models import Service
from field_api.services.catalogue import service_save


class ServiceForm(forms.Form):
    code = forms.SlugField(
        label=_("Mã dịch vụ"), max_length=50, help_text=_("Chữ không dấu, số, gạch: vd. vneid_level2")
    )
    name = forms.CharField(label=_("Tên"), max_length=200)
    category = forms.CharField(label=_("Nhóm"), max_length=50)
    guide = forms.CharField(
        label=_("Các bước hướng dẫn (mỗi dòng một bước)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10_000,
    )
    followup_days = forms.IntegerField(label=_("Số ngày hẹn theo dõi"), min_value=0, max_value=365, initial=7)
    sort_order = forms.IntegerField(label=_("Thứ tự"), min_value=0, max_value=1000, initial=0)
    is_active = forms.BooleanField(label=_("Đang dùng"), required=False, initial=True)

    def __init__(self, *args, existing: Service | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = existing
        if existing is not None:
            self.fields["code"].disabled = True

    def clean_code(self):
        code = self.cleaned_data["code"]
        if self.existing is None and Service.objects.filter(pk=code).exists():
            raise forms.ValidationError(_("Đã có dịch vụ mã này."))
        return code

    def clean_guide(self):
        steps = [" ".join(line.split()) for line in self.cleaned_data["guide"].splitlines() if line.strip()]
        if not steps:
            raise forms.ValidationError(_("Cần ít nhất một bước."))
        if len(steps) > 30:
            raise forms.ValidationError(_("Tối đa 30 bước."))
        return steps


def _editor(request):
    if not request.user.scope.edits_catalogue:
        raise Http404


@login_required
def catalogue_list(request):
    _editor(request)
    services = Service.objects.order_by("sort_order", "code")
    return render(request, "onboarding/catalogue_list.html", {"services": services})


@login_required
def service_edit(request, code=None):
    _editor(request)
    existing = get_object_or_404(Service, pk=code) if code else None
    initial = None
    if existing is not None:
        initial = {
            "code": existing.code,
            "name": existing.name,
            "category": existing.category,
            "guide": "\n".join(existing.guide),
            "followup_days": existing.followup_days,
            "sort_order": existing.sort_order,
            "is_active": existing.is_active,
        }
    form = ServiceForm(request.POST or None, initial=initial, existing=existing)
    if request.method == "POST":
        if form.is_valid():
            service_save(**form.cleaned_data)
            return redirect("onboarding:catalogue")
        return render(
            request, "onboarding/service_form.html", {"form": form, "service": existing}, status=400
        )
    return render(request, "onboarding/service_form.html", {"form": form, "service": existing})
