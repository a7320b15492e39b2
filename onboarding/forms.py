"""Forms of the set-up pages: they validate and name the field; the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from backend.text import search_key
from backend.text_fields import CleanCharField
from core.models import Role, Team
from core.services.members import ROLE_AREA
from onboarding.sheets import phone_number


class VillageForm(forms.Form):
    name = CleanCharField(label=_("Tên thôn, tổ dân phố"), max_length=150)
    declared_households = forms.IntegerField(
        label=_("Số hộ (xã khai báo)"), min_value=0, max_value=100_000, required=False
    )
    team = forms.ModelChoiceField(label=_("Tổ phụ trách"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args, commune, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(commune=commune)
        self.fields["team"].empty_label = _("(chưa giao)")


class TeamForm(forms.Form):
    name = CleanCharField(label=_("Tên tổ"), max_length=150)

    def __init__(self, *args, commune, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune, self.team = commune, team

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        others = Team.objects.filter(commune=self.commune, search_name=search_key(name))
        if self.team is not None:
            others = others.exclude(pk=self.team.pk)
        if others.exists():
            raise forms.ValidationError(_("Xã đã có tổ tên này."))
        return name


class MemberForm(forms.Form):
    full_name = CleanCharField(label=_("Họ và tên"), max_length=150)
    phone = CleanCharField(label=_("Số điện thoại"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("Vai trò"))
    team = forms.ModelChoiceField(label=_("Tổ"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args, commune, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(commune=commune)
        self.fields["role"].choices = [(role.value, role.label) for role in Role if role.value in roles]

    def clean_phone(self):
        text = self.cleaned_data["phone"].strip()
        if not text:
            return ""
        phone = phone_number(text)
        if phone is None:
            raise forms.ValidationError(_("“%(value)s” không phải số điện thoại.") % {"value": text})
        return phone

    def clean(self):
        data = super().clean()
        if ROLE_AREA.get(data.get("role")) == "team" and not data.get("team"):
            self.add_error("team", _("Thành viên tổ và tổ trưởng phải thuộc một tổ."))
        return data


class MoveForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Chuyển sang tổ"), queryset=Team.objects.none())

    def __init__(self, *args, commune, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(commune=commune)


class PasswordChangeForm(forms.Form):
    """A member's own new password, typed twice; the current one too unless it was handed out just now
    (the member has signed in with it a moment ago). The site's password rules are the service's."""

    old_password = forms.CharField(
        label=_("Mật khẩu hiện tại"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    password = forms.CharField(
        label=_("Mật khẩu mới"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Nhập lại mật khẩu mới"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.password_change_required:
            del self.fields["old_password"]

    def clean_old_password(self):
        password = self.cleaned_data["old_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Mật khẩu hiện tại không đúng."))
        return password

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("Hai lần nhập mật khẩu mới không khớp."))
        return data
