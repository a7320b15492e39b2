"""The service catalogue in the browser. National administrators add services and edit the national
catalogue (``scope.edits_national_catalogue``); a province officer shapes only their own province's
view of it, a service in use or not and its own guide (``scope.shapes_catalogue_of``). Anything else is
404. Phones get the change on their next pull (core/services/catalogue.py)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from backend.text_fields import CleanCharField
from core.models import Province, ProvinceService, Service
from core.services.catalogue import province_service_save, service_save


class ServiceForm(forms.Form):
    code = forms.SlugField(
        label=_("Mã dịch vụ"), max_length=50, help_text=_("Chữ không dấu, số, gạch: vd. vneid_level2")
    )
    name = CleanCharField(label=_("Tên"), max_length=200)
    category = CleanCharField(label=_("Nhóm"), max_length=50)
    guide = CleanCharField(
        multiline=True,
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


class ProvinceServiceForm(forms.Form):
    enabled = forms.BooleanField(label=_("Dùng trong tỉnh"), required=False, initial=True)
    guide = CleanCharField(
        multiline=True,
        label=_("Các bước hướng dẫn riêng của tỉnh (mỗi dòng một bước; để trống: dùng hướng dẫn chung)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10_000,
        required=False,
    )

    def clean_guide(self):
        steps = [" ".join(line.split()) for line in self.cleaned_data["guide"].splitlines() if line.strip()]
        if len(steps) > 30:
            raise forms.ValidationError(_("Tối đa 30 bước."))
        return steps


def _scope(request):
    scope = request.user.scope
    if not scope.edits_catalogue:
        raise Http404
    return scope


def _shaped_province(request, code: str | None) -> Province | None:
    """The province ``code`` if the caller may shape its view (404 otherwise); None for no code."""
    if not code:
        return None
    if not _scope(request).shapes_catalogue_of(code):
        raise Http404
    return get_object_or_404(Province, pk=code)


@login_required
def catalogue_list(request):
    scope = _scope(request)
    # An officer sees their own province's view; an admin the national catalogue or a province's.
    province = _shaped_province(request, request.GET.get("province") if scope.is_national else scope.province)
    services = list(Service.objects.order_by("sort_order", "code"))
    if province is not None:
        shaped = {s.service_id: s for s in ProvinceService.objects.filter(province=province)}
        services = [s for s in services if s.is_active]
        for service in services:
            setting = shaped.get(service.code)
            service.enabled_here = setting.enabled if setting else True
            service.own_guide = bool(setting and setting.guide)
    return render(
        request,
        "onboarding/catalogue_list.html",
        {
            "services": services,
            "province": province,
            "national": scope.edits_national_catalogue,
            "provinces": Province.objects.order_by("code") if scope.is_national else [],
        },
    )


@login_required
def service_edit(request, code=None):
    if not _scope(request).edits_national_catalogue:
        raise Http404
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


@login_required
def province_service_edit(request, code, province):
    province = _shaped_province(request, province)
    if province is None:
        raise Http404
    service = get_object_or_404(Service, pk=code, is_active=True)
    setting = ProvinceService.objects.filter(province=province, service=service).first()
    initial = {
        "enabled": setting.enabled if setting else True,
        "guide": "\n".join(setting.guide) if setting else "",
    }
    form = ProvinceServiceForm(request.POST or None, initial=initial)
    context = {"form": form, "service": service, "province": province}
    if request.method == "POST":
        if form.is_valid():
            province_service_save(province=province.code, service=service, **form.cleaned_data)
            back = reverse("onboarding:catalogue")
            return redirect(back if request.user.scope.province else f"{back}?province={province.code}")
        return render(request, "onboarding/province_service_form.html", context, status=400)
    return render(request, "onboarding/province_service_form.html", context)
