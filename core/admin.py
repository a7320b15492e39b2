"""Django admin in Vietnamese for areas, teams, members and households.

Searches go through ``search_name`` (diacritics folded), so "Cam Thanh" finds "Cẩm Thành".
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.text import search_key
from backend.text_fields import ADMIN_TEXT_OVERRIDES
from core import models
from core.record_spec import Context, Rejected, household_in
from core.services.assignments import village_assign_team
from core.services.catalogue import province_service_save, service_save
from core.services.households import HOUSEHOLD_FIELDS, household_erase, household_update
from core.services.members import team_move, team_move_check

admin.site.site_header = _("Quản trị tổ công nghệ số cộng đồng")
admin.site.site_title = _("Tổ công nghệ số cộng đồng")
admin.site.index_title = _("Quản trị dữ liệu")

# Technical fields with no Vietnamese verbose_name on the model (adding one would be a migration per
# field): shown read-only under these labels instead.
READONLY_LABELS = {
    "id": _("mã"),
    "device_id": _("mã thiết bị"),
    "content_hash": _("mã băm nội dung"),
    "received_at": _("máy chủ nhận lúc"),
    "created_at": _("tạo lúc"),
    "updated_at": _("cập nhật lúc"),
    "change_seq": _("số thứ tự thay đổi"),
    "created_by": _("người tạo"),
}


def _labelled(name: str):
    """``name`` as a read-only admin field under its Vietnamese label (or ``name`` itself)."""
    if name not in READONLY_LABELS:
        return name

    @admin.display(description=READONLY_LABELS[name])
    def value(obj):
        return getattr(obj, name)

    value.__name__ = f"{name}_vi"
    return value


def readonly(names) -> list:
    return [_labelled(name) for name in names]


class FoldedSearchMixin:
    """Search the diacritic-folded ``search_name`` as well as the listed fields."""

    formfield_overrides = ADMIN_TEXT_OVERRIDES  # stored text through backend.text.clean_text

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            results |= queryset.filter(search_name__contains=search_key(search_term))
        return results, may_have_duplicates


@admin.register(models.Province)
class ProvinceAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "full_name", "has_boundary"]
    search_fields = ["code", "name", "full_name"]

    @admin.display(boolean=True, description=_("có ranh giới"))
    def has_boundary(self, obj):
        return obj.geometry is not None


@admin.register(models.Commune)
class CommuneAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "full_name", "province", "unit_type", "has_boundary"]
    list_filter = ["province", "unit_type"]
    search_fields = ["code", "name", "full_name"]
    list_select_related = ["province"]

    @admin.display(boolean=True, description=_("có ranh giới"))
    def has_boundary(self, obj):
        return obj.geometry is not None


class VillageInline(admin.TabularInline):
    formfield_overrides = ADMIN_TEXT_OVERRIDES  # stored text through backend.text.clean_text
    model = models.Village
    fields = ["code", "name", "declared_households"]
    readonly_fields = ["code"]
    can_delete = False
    extra = 0
    show_change_link = True


@admin.register(models.Village)
class VillageAdmin(FoldedSearchMixin, admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        new_team = obj.team
        if change and "team" in form.changed_data:
            obj.team = models.Village.objects.get(pk=obj.pk).team  # the service moves it and tells phones
            super().save_model(request, obj, form, change)
            village_assign_team(village=obj, team=new_team)
        else:
            super().save_model(request, obj, form, change)

    list_display = ["code", "name", "commune", "team", "declared_households", "is_demo"]
    list_filter = ["is_demo", "commune__province"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["commune", "team"]
    list_select_related = ["commune", "team"]


class TeamMemberForm(forms.ModelForm):
    """A team's members are team members or its leader; other roles are set on the member's own page,
    with the areas they are placed in."""

    role = forms.ChoiceField(
        label=_("vai trò"),
        choices=[(role.value, role.label) for role in models.TEAM_ROLES],
        initial=models.Role.VOLUNTEER,
    )

    class Meta:
        model = models.User
        fields = ["username", "full_name", "phone", "role"]


class MemberInline(admin.TabularInline):
    formfield_overrides = ADMIN_TEXT_OVERRIDES  # stored text through backend.text.clean_text
    model = models.User
    form = TeamMemberForm
    fields = ["username", "full_name", "phone", "role"]
    extra = 0
    show_change_link = True


class TeamAdminForm(forms.ModelForm):
    class Meta:
        model = models.Team
        fields = ["commune", "name", "is_demo"]

    def clean(self):
        cleaned = super().clean()
        commune = cleaned.get("commune")
        if self.instance.pk and commune is not None and "commune" in self.changed_data:
            try:
                team_move_check(team=self.instance, commune=commune)
            except ValidationError as refused:
                self.add_error(None, refused)
        return cleaned


@admin.register(models.Team)
class TeamAdmin(FoldedSearchMixin, admin.ModelAdmin):
    form = TeamAdminForm

    def save_model(self, request, obj, form, change):
        if change and "commune" in form.changed_data:
            commune = obj.commune
            obj.commune_id = models.Team.objects.values_list("commune_id", flat=True).get(pk=obj.pk)
            super().save_model(request, obj, form, change)
            team_move(team=obj, commune=commune)  # the members' areas go with it
            obj.refresh_from_db()
        else:
            super().save_model(request, obj, form, change)

    list_display = ["name", "commune", "is_demo"]
    list_filter = ["is_demo", "commune__province"]
    search_fields = ["name"]
    autocomplete_fields = ["commune"]
    inlines = [VillageInline, MemberInline]
    list_select_related = ["commune"]


@admin.register(models.User)
class MemberAdmin(UserAdmin):
    """A member's areas agree (``User.clean``): a commune or province that is not the team's (or the
    commune's) is refused on its field; left blank, it is filled in."""

    formfield_overrides = ADMIN_TEXT_OVERRIDES  # stored text through backend.text.clean_text
    list_display = ["username", "full_name", "role", "team", "commune", "province", "is_active"]
    list_filter = ["role", "is_active", "is_demo", "province"]
    search_fields = ["username", "full_name", "phone"]
    autocomplete_fields = ["province", "commune", "team"]
    list_select_related = ["team", "commune", "province"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Thông tin thành viên"), {"fields": ["full_name", "phone"]}),
        (_("Vai trò và phạm vi"), {"fields": ["role", "province", "commune", "team"]}),
        (_("Quyền"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Thời gian"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        (_("Vai trò và phạm vi"), {"fields": ["full_name", "phone", "role", "province", "commune", "team"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            # Members have no stored folded name; fold the query against the names we do have.
            folded = search_key(search_term)
            matching = [
                pk for pk, name in queryset.values_list("pk", "full_name") if folded in search_key(name or "")
            ]
            results |= queryset.filter(pk__in=matching)
        return results, may_have_duplicates


class HouseholdAdminForm(forms.ModelForm):
    """The admin's household form applies the push's rules (core/record_spec.py): NFC
    text, ranges, consent before a name or phone, each error on its field."""

    class Meta:
        model = models.Household
        fields = HOUSEHOLD_FIELDS

    def clean(self):
        cleaned = super().clean()
        changes = _household_changes(cleaned)
        item = {**changes, "id": str(self.instance.pk), "base_version": None}
        try:
            household_in(item, Context(now=timezone.now(), services={}))
        except Rejected as rejected:
            for name, messages in rejected.errors.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        return cleaned


def _household_changes(cleaned: dict) -> dict:
    changes = {name: cleaned.get(name) for name in HOUSEHOLD_FIELDS}
    village = changes.get("village")
    changes["village"] = village.pk if village is not None else None
    for name in ("label", "head_name", "phone"):
        changes[name] = changes[name] or ""
    return changes


@admin.register(models.Household)
class HouseholdAdmin(admin.ModelAdmin):
    form = HouseholdAdminForm
    actions = ["erase_households"]

    def save_model(self, request, obj, form, change):
        # One writer for households (core/services/households.py): version, hash, change stamp,
        # exits when it moves village, the audit trail and the maps all follow, as for a phone's edit.
        household_update(
            household_id=obj.pk, changes=_household_changes(form.cleaned_data), actor=request.user
        )

    @admin.action(description=_("Xóa hẳn các hộ đã chọn (theo yêu cầu của người dân)"))
    def erase_households(self, request, queryset):
        for household in queryset:
            household_erase(household=household)

    list_display = ["label", "head_name", "village", "members", "moved", "last_visited_at", "is_demo"]
    list_filter = ["moved", "is_demo", "village__commune__province"]
    search_fields = ["label", "head_name", "phone"]
    autocomplete_fields = ["village"]
    readonly_fields = readonly(
        ["version", "last_visited_at", "last_outcome", "services_done", "created_at", "updated_at"]
    )
    list_select_related = ["village"]

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            folded = search_key(search_term)
            village_codes = models.Village.objects.filter(search_name__contains=folded).values("code")
            results |= queryset.filter(search_name__contains=folded) | queryset.filter(
                village__in=village_codes
            )
        return results, may_have_duplicates


@admin.register(models.Service)
class ServiceAdmin(admin.ModelAdmin):
    """The national catalogue (national administrators only, like the whole admin). Saved through the
    catalogue service, so every province's phones get the change at their next pull."""

    formfield_overrides = ADMIN_TEXT_OVERRIDES  # stored text through backend.text.clean_text
    list_display = ["code", "name", "category", "followup_days", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["code", "name"]

    def save_model(self, request, obj, form, change):
        service_save(
            code=obj.code,
            name=obj.name,
            category=obj.category,
            guide=list(obj.guide or []),
            followup_days=obj.followup_days,
            sort_order=obj.sort_order,
            is_active=obj.is_active,
        )


@admin.register(models.ProvinceService)
class ProvinceServiceAdmin(admin.ModelAdmin):
    """Each province's view of the catalogue (its officers set it at /setup/catalogue/)."""

    list_display = ["province", "service", "enabled"]
    list_filter = ["enabled", "province"]
    search_fields = ["service__code", "service__name"]
    list_select_related = ["province", "service"]

    def save_model(self, request, obj, form, change):
        province_service_save(
            province=obj.province_id, service=obj.service, enabled=obj.enabled, guide=list(obj.guide or [])
        )


@admin.register(models.ErasedHousehold)
class ErasedHouseholdAdmin(admin.ModelAdmin):
    """Households erased on request: only their ids are kept, so that a late resend stays erased."""

    list_display = ["household_id", "erased_at", "village_code", "province_code"]
    list_filter = ["province_code"]
    search_fields = ["household_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleting one would let a late resend bring the household back


@admin.register(models.Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["id", "household", "volunteer", "visited_at", "outcome", "is_flagged", "held", "review"]
    list_filter = ["outcome", "is_flagged", "held", "review", "is_demo"]
    readonly_fields = readonly([f.name for f in models.Visit._meta.fields])
    list_select_related = ["household", "volunteer"]

    def has_add_permission(self, request):
        return False  # visits come from the phones (the push), which check and count them

    def has_change_permission(self, request, obj=None):
        return False  # visits are immutable records of what happened; leaders review flags on their page


@admin.register(models.VisitReview)
class VisitReviewAdmin(admin.ModelAdmin):
    list_display = ["visit_id", "village", "decision", "reviewed_by", "reviewed_at"]
    list_filter = ["decision"]
    readonly_fields = readonly([f.name for f in models.VisitReview._meta.fields])

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
