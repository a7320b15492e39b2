"""A new password ends every sign-in (issue 19 §4): whichever way it changes, the member's phone tokens
stop at the next request and their browser sessions end; re-hashing the same password at a login does
not count as a change. (The phone then asks for the password again, its queue kept: phone/src/sync.js
turns a 401 into ``needsPassword`` without touching the outbox, tests/phone/test_sessions.py.)"""

import io

import pytest
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.hashers import make_password
from django.contrib.auth.management.commands import changepassword
from django.core.management import call_command
from django.test import Client
from knox.models import AuthToken

from core.models import Role, User
from onboarding.services import members_import
from tests import factories
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
NEW = "mat-khau-moi-2026"


def _admin_form(world, member):
    admin = factories.UserFactory(username="sieu-quan-tri", role=Role.ADMIN, is_staff=True, is_superuser=True)

    browser = Client()
    browser.force_login(admin)
    response = browser.post(
        f"/admin/field_api/user/{member.pk}/password/",
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:500]


def _leader_reset(world, member):

    browser = Client()
    browser.force_login(world.a.users[Role.COMMUNE_LEADER])
    response = browser.post(f"/setup/communes/{world.a.commune.code}/members/{member.pk}/password/")
    assert response.status_code == 302  # then the GET that shows the password (issue 23 §5)


def _sheet_reset(world, member, tmp_path):
    sheet = tmp_path / "thanh-vien.csv"
    sheet.write_text(
        "Tên đăng nhập,Họ và tên,Chức vụ,Xã,Tổ CNSCĐ\n"
        f"{member.username},{member.full_name},Thành viên,{world.a.commune.code},{world.a.team.name}\n",
        encoding="utf-8",
    )
    report = members_import(path=sheet, reset_passwords=True)
    assert [username for username, _name, _password in report.passwords] == [member.username]


def _changepassword_command(world, member, monkeypatch):
    # The command reads the new password from the terminal twice: the prompt is the one thing replaced.
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="Password: ": NEW)
    call_command("changepassword", member.username, stdout=io.StringIO())


def _own_change(world, member):
    form = PasswordChangeForm(
        User.objects.get(pk=member.pk),
        {"old_password": "mat-khau-123", "new_password1": NEW, "new_password2": NEW},
    )
    assert form.is_valid(), form.errors
    form.save()


def _set_password_and_save(world, member):
    fresh = User.objects.get(pk=member.pk)
    fresh.set_password(NEW)
    fresh.save()


def _set_password_update_fields(world, member):
    fresh = User.objects.only("id", "password").get(pk=member.pk)
    fresh.set_password(NEW)
    fresh.save(update_fields=["password"])


PATHS = {
    "admin form": _admin_form,
    "leader reset": _leader_reset,
    "sheet --reset-passwords": _sheet_reset,
    "changepassword command": _changepassword_command,
    "own change": _own_change,
    "set_password": _set_password_and_save,
    "set_password, update_fields": _set_password_update_fields,
}


@pytest.mark.parametrize("path", PATHS)
def test_every_password_change_ends_every_token_and_session(world, client, tmp_path, monkeypatch, path):
    member = world.a.users[Role.VOLUNTEER]
    phones = [token_client(member), token_client(member)]
    bystander = token_client(world.a.users[Role.TEAM_LEADER])
    client.force_login(member)
    for phone in phones:
        assert phone.get(ME).status_code == 200  # cached now: revocation must beat the cache
    assert client.get(ME).status_code == 200

    change = PATHS[path]
    extra = {"tmp_path": tmp_path} if "tmp_path" in change.__code__.co_varnames else {}
    if "monkeypatch" in change.__code__.co_varnames:
        extra["monkeypatch"] = monkeypatch
    change(world, member, **extra)

    assert not AuthToken.objects.filter(user=member).exists()
    for phone in phones:
        response = phone.get(ME)
        assert response.status_code == 401
        assert set(response.json()) == {"detail", "errors"}
    assert client.get(ME).status_code in (401, 403)  # the browser session is over
    assert "_auth_user_id" not in client.session
    assert bystander.get(ME).status_code == 200  # nobody else is signed out


def test_saving_a_member_without_a_new_password_keeps_their_tokens(world):
    member = world.a.users[Role.VOLUNTEER]
    phone = token_client(member)
    fresh = User.objects.get(pk=member.pk)
    fresh.full_name = "Tên mới"
    fresh.save()
    User.objects.get(pk=member.pk).save(update_fields=["last_login"])
    assert phone.get(ME).status_code == 200


def test_a_login_that_rehashes_the_same_password_signs_nobody_out(world, settings, api_client):
    """Django upgrades a one-time password's light hash at the first login: same secret, same sign-ins."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "onboarding.hashers.OneTimePasswordHasher",
    ]
    member = world.a.users[Role.VOLUNTEER]
    member.password = make_password("mot-lan-123", hasher="pbkdf2_onetime")
    member.save()
    other_phone = token_client(member)
    response = api_client.post(
        "/api/v1/auth/login/", {"username": member.username, "password": "mot-lan-123"}, format="json"
    )
    assert response.status_code == 200
    assert User.objects.get(pk=member.pk).password.startswith("md5$")  # it was re-hashed
    assert other_phone.get(ME).status_code == 200
    assert AuthToken.objects.filter(user=member).count() == 2
