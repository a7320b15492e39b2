"""Every browser page sits in one shell: person and role, navigation, sign-out, breadcrumbs, language
switch; error pages in Vietnamese, in the same shell, for anonymous callers and with the database down."""

import re

import pytest
from django.db import connections
from django.test import RequestFactory

from core.models import Role


def _html(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.COMMUNE_LEADER, Role.PROVINCE_OFFICER])
def test_home_shows_person_role_navigation_and_sign_out(client, world, role):
    user = world.a.users[role]
    client.force_login(user)
    html = _html(client.get("/"))
    assert user.get_role_display() in html
    assert 'class="shell-nav"' in html and 'aria-current="page"' in html
    assert 'action="/accounts/logout/"' in html
    assert 'action="/i18n/setlang/"' in html


def test_home_links_campaigns_for_those_who_see_them(client, world):
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    assert 'data-home="campaigns" ' in _html(client.get("/")) or 'href="/campaigns/" data-home' in _html(
        client.get("/")
    )
    client.force_login(world.a.users[Role.VOLUNTEER])
    assert "/campaigns/" not in _html(client.get("/"))


@pytest.mark.parametrize(
    ("url", "crumbs"),
    [("/maps/province/51/", ["Tỉnh A"]), ("/maps/commune/51001/", ["Tỉnh A", "Phường Cẩm Thành A"])],
)
def test_map_pages_sit_in_the_shell_with_title_back_link_and_breadcrumbs(client, world, url, crumbs):
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    response = client.get(url)
    assert response.status_code == 200
    html = _html(response)
    assert 'class="shell-header"' in html and 'class="map-frame"' in html and 'class="back"' in html
    assert "<h1>Bản đồ độ phủ" in html
    shown = re.findall(r'<nav class="shell-crumbs".*?</nav>', html, flags=re.S)[0]
    for crumb in crumbs:
        assert crumb in shown
    # folium's page-wide rules are gone: the shell lays the page out
    assert "user-scalable=no" not in html and "html, body {" not in html
    assert html.count("<html") == 1 and html.count("<body") == 1


def test_language_switch_remembers_english_and_back(client, world):
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    assert "Đăng xuất" in _html(client.get("/"))
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/maps/province/51/"})
    assert response.status_code == 302 and response["Location"] == "/maps/province/51/"
    assert client.cookies["django_language"].value == "en"
    html = _html(client.get("/"))
    assert "Log out" in html and '<html lang="en">' in html
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert "Đăng xuất" in _html(client.get("/"))


def test_vietnamese_is_the_default_language(client, world):
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    assert '<html lang="vi">' in _html(client.get("/"))


def test_404_is_vietnamese_in_the_shell_for_anonymous_callers(client, db):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = _html(response)
    assert "Không tìm thấy" in html and 'class="shell-header"' in html
    assert "URLconf" not in html and "Using the URLconf" not in html


def test_404_for_a_signed_in_person_keeps_their_navigation(client, world):
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    response = client.get("/maps/province/52/")  # another province: does not exist for them
    assert response.status_code == 404
    assert 'class="shell-nav"' in _html(response) and "Không tìm thấy" in _html(response)


def test_403_is_vietnamese_in_the_shell(client, world):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world.a.users[Role.COMMUNE_LEADER])
    response = csrf_client.post("/accounts/logout/")
    assert response.status_code == 403
    assert "Không có quyền truy cập" in _html(response) and 'class="shell-header"' in _html(response)


def test_500_page_renders_in_the_shell_with_the_database_down(db):
    from backend.errors import server_error

    def refuse(*args, **kwargs):
        raise AssertionError("the 500 page touched the database")

    request = RequestFactory().get("/maps/province/51/")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connections["default"], "cursor", refuse)
        response = server_error(request)
    assert response.status_code == 500
    html = _html(response)
    assert "Lỗi máy chủ" in html and 'class="shell-header"' in html and "shell.css" in html


def test_a_crashing_page_answers_the_vietnamese_500(client, world, monkeypatch):
    from maps import views

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "nav_items", crash)
    client.raise_request_exception = False
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    response = client.get("/")
    assert response.status_code == 500 and "Lỗi máy chủ" in _html(response)
